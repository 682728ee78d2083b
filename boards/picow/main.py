# main.py (Pico W): every interval_s, read the RP2040's own temperature and push it with iotpush.
#
# Sensor: ADC input 4 is the RP2040's temperature sensor, 0.706 V at 27 degC falling 1.721 mV
# per degree (RP2040 datasheet, "Temperature Sensor"): degC = 27 - (V - 0.706) / 0.001721 with
# V = read_u16() * 3.3 / 65535. It reads the die (a few degrees above the room; ~2 degC of
# noise, depends on the 3.3 V reference). The LED toggles at every reading. Streams:
# temperature, mem_free, wifi_rssi. Settings come from config.json (README, section Boards).
#
# The loop itself (watchdog fed between steps, Wi-Fi and NTP upkeep, one request at a time) is
# sensorapp.App.run(), shared with the ESP32 example. Ctrl-C stops it; `st`, the Streamer,
# stays there to look at (st, st.flush()).
import machine

from sensorapp import App

_sensor = machine.ADC(4)
_led = machine.Pin("LED", machine.Pin.OUT)


def read_temperature():
    """degC from the RP2040's internal sensor."""
    v = _sensor.read_u16() * 3.3 / 65535
    return round(27 - (v - 0.706) / 0.001721, 1)


app = App(read_temperature, wdt_max=8388)  # the RP2040 watchdog counts to 8.3 s
st = app.st


def run(cycles=0):
    """Read, push, wait; forever, or `cycles` readings (then send what is left)."""
    app.run(cycles, on_reading=_led.toggle)


if __name__ == "__main__":
    run()
