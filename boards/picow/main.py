# main.py (Pico W): every interval_s, read the RP2040's own temperature and push it with iotpush.
#
# Sensor: ADC input 4, the RP2040's own temperature sensor (sensorapp.rp2040_temperature has
# the datasheet's conversion). The LED toggles at every reading. Streams:
# temperature, mem_free, wifi_rssi. Settings come from config.json (README, section Boards).
#
# The loop itself (watchdog fed between steps, Wi-Fi and NTP upkeep, one request at a time) is
# sensorapp.App.run(), shared with the ESP32 example. Ctrl-C stops it; `st`, the Streamer,
# stays there to look at (st, st.flush()).
import machine

from sensorapp import App, rp2040_temperature

_led = machine.Pin("LED", machine.Pin.OUT)

app = App(rp2040_temperature, wdt_max=8388)  # the RP2040 watchdog counts to 8.3 s
st = app.st


def run(cycles=0):
    """Read, push, wait; forever, or `cycles` readings (then send what is left)."""
    app.run(cycles, on_reading=_led.toggle)


if __name__ == "__main__":
    run()
