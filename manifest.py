# manifest.py: freeze iotpush into a MicroPython firmware image (bytecode in flash: importing it
# then costs almost no RAM). From a board manifest, include this file:
#     include("/path/to/iotpush/manifest.py")
# boards/esp32/manifest.py and boards/picow/manifest.py are ready-made board manifests.
# iotpush needs `requests` and `ntptime`, which every network-capable port's own manifest
# already freezes (bundle-networking). A frozen iotpush wins over a copy in /lib.
metadata(description="Push sensor time series to IoT dashboard services.", version="0.1.0")

package("iotpush", base_path="lib", opt=3)
