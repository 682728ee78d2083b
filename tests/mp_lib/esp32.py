# Stand-in for the ESP32 `esp32` module on the MicroPython unix port: the chip temperature as
# ESP32-S2/S3/C3 report it (about 40-45 degC), wandering slowly so a chart has something to show.
import math
import time


def mcu_temperature():
    t = time.ticks_ms() / 1000
    return round(42 + 2.5 * math.sin(t / 9.5) + 0.3 * math.sin(t * 1.7), 1)
