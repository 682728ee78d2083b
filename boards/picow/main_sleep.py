# main_sleep.py (Pico W): wake, read the RP2040's temperature, push it, deep-sleep sleep_s s.
# To use it, put it on the board as main.py: make deploy PORT=... BOARD=picow MAIN=sleep
#
# The Pico W ends a deep sleep with a reset (boot.py runs again; its RTC keeps counting, so
# boot.py skips NTP); RAM is lost, so every wake sends its own reading (batching several wakes
# needs a store that survives, which this example does not have). When the reading cannot be
# sent, the board does not go to sleep: it stays awake, keeps the readings in RAM, reads again
# every interval_s and retries, and sleeps once everything was delivered, so nothing is lost
# unless the power goes.
# Wi-Fi is switched off before sleeping. The watchdog (wdt_ms) is fed between steps.
import time

import machine

import iotpush
from iotpush import config, wifi

cfg = config.load()
SLEEP_MS = int(cfg.get("sleep_s", "number", 300, 1, 86400) * 1000)
INTERVAL_MS = int(cfg.get("interval_s", "number", 10, 0.1, 86400) * 1000)
WDT_MS = cfg.get("wdt_ms", int, 8000, 0, 8388)  # the RP2040 watchdog counts to 8.3 s
st = config.streamer(cfg)
if WDT_MS:
    t = st.service.transport
    t.timeout = min(t.timeout, WDT_MS / 3000)


def read_temperature():
    """degC from the RP2040's internal sensor (ADC 4; see main.py for the conversion)."""
    v = machine.ADC(4).read_u16() * 3.3 / 65535
    return round(27 - (v - 0.706) / 0.001721, 1)


def run():
    wdt = machine.WDT(timeout=WDT_MS) if WDT_MS else None

    def feed():
        if wdt:
            wdt.feed()

    print("main: one reading, then deep sleep for %d s" % (SLEEP_MS // 1000))
    while True:
        t0 = time.ticks_ms()
        feed()
        if not wifi.connected():
            try:
                wifi.connect(cfg=cfg, tries=1, feed=feed)
            except (wifi.WifiError, OSError) as e:
                print("main:", e)
        st.log("temperature", read_temperature())
        while wifi.connected() and st.pending and not st.wait_ms():
            feed()
            try:
                if not st.flush(1):
                    break
            except iotpush.PushError as e:
                print("main:", e)
                break
        if not st.pending:
            print("main: %d delivered; deep sleep for %d s" % (st.delivered, SLEEP_MS // 1000))
            wifi.disconnect()
            machine.deepsleep(SLEEP_MS)
        print("main: %d readings not sent yet; staying awake, next reading in %d ms" % (
            st.pending, INTERVAL_MS))
        left = INTERVAL_MS - time.ticks_diff(time.ticks_ms(), t0)
        while left > 0:
            feed()
            time.sleep_ms(min(left, 500))
            left -= 500


if __name__ == "__main__":
    run()
