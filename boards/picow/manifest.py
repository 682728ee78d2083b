# Firmware for a Pico W with iotpush frozen in: the board's usual modules plus iotpush.
# In a micropython checkout (pico-sdk submodules fetched as in ports/rp2/README.md):
#     make -C ports/rp2 BOARD=RPI_PICO_W FROZEN_MANIFEST=/path/to/iotpush/boards/picow/manifest.py
# then copy build-RPI_PICO_W/firmware.uf2 onto the board in BOOTSEL mode.
include("$(PORT_DIR)/boards/RPI_PICO_W/manifest.py")
include("../../manifest.py")
