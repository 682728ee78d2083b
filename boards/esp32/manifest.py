# Firmware for an ESP32 with iotpush frozen in: the port's usual modules plus iotpush.
# In a micropython checkout (ESP-IDF set up as in ports/esp32/README.md):
#     make -C ports/esp32 BOARD=ESP32_GENERIC FROZEN_MANIFEST=/path/to/iotpush/boards/esp32/manifest.py
# then flash it as usual (make ... deploy, or esptool.py). Paths here are relative to this file.
include("$(PORT_DIR)/boards/manifest.py")
include("../../manifest.py")
