# main.py (ESP32): every interval_s, read the chip's own temperature and push it with iotpush.
#
# Sensor: esp32.mcu_temperature() in degC (ESP32-S2, -S3, -C3, -C6). The original ESP32 only
# has esp32.raw_temperature() in degF on some firmware; it reads the die, well above the room,
# so use it for trends. A chip with neither logs only the free heap. Streams: temperature,
# mem_free, wifi_rssi. Settings come from config.json (see the README, section Boards).
#
# The loop itself (watchdog fed between steps, Wi-Fi and NTP upkeep, one request at a time) is
# sensorapp.App.run(), shared with the Pico W example. Ctrl-C stops it; `st`, the Streamer,
# stays there to look at (st, st.flush()).
from sensorapp import App, esp32_temperature

app = App(esp32_temperature, wdt_max=60000)
st = app.st


def run(cycles=0):
    """Read, push, wait; forever, or `cycles` readings (then send what is left)."""
    app.run(cycles)


if __name__ == "__main__":
    run()
