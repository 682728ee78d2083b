# main_sleep.py (Pico W): wake, read the RP2040's temperature, push it, deep-sleep sleep_s s.
# To use it, put it on the board as main.py: make deploy PORT=... BOARD=picow MAIN=sleep
#
# The Pico W ends a deep sleep with a reset (boot.py runs again; its RTC keeps counting, so
# boot.py skips NTP); RAM is lost, so every wake sends its own reading (batching several wakes
# needs a store that survives: iotpush.rtcstore falls back to flash here). When the reading
# cannot be sent, the board does not go to sleep: it stays awake, keeps the readings in RAM,
# reads again every interval_s and retries, and sleeps once everything was delivered, so
# nothing is lost unless the power goes. Wi-Fi is switched off before sleeping; the watchdog
# (wdt_ms) is fed between steps. The cycle is sensorapp.App.sleep_cycle(), shared with the
# ESP32 example.
from sensorapp import App, rp2040_temperature

app = App(rp2040_temperature, wdt_max=8388)  # the RP2040 watchdog counts to 8.3 s
st = app.st


def run():
    app.sleep_cycle()


if __name__ == "__main__":
    run()
