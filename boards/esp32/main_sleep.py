# main_sleep.py (ESP32): wake, read the chip's temperature, push it, deep-sleep sleep_s seconds.
# To use it, put it on the board as main.py: make deploy PORT=... BOARD=esp32 MAIN=sleep
#
# A deep sleep keeps only the RTC (the time survives, so boot.py skips NTP after a wake); RAM
# is lost, so every wake sends its own reading (batching several wakes needs a store in RTC
# memory: iotpush.rtcstore). When the reading cannot be sent, the board does not go to sleep:
# it stays awake, keeps the readings in RAM, reads again every interval_s and retries, and
# sleeps once everything was delivered, so nothing is lost unless the power goes. Wi-Fi is
# switched off before sleeping; the watchdog (wdt_ms) is fed between steps. The cycle is
# sensorapp.App.sleep_cycle(), shared with the Pico W example.
from sensorapp import App, esp32_temperature

app = App(esp32_temperature, wdt_max=60000)
st = app.st


def run():
    app.sleep_cycle()


if __name__ == "__main__":
    run()
