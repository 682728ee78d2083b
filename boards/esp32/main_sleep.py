# main_sleep.py (ESP32): wake, read the chip's temperature, push it, deep-sleep sleep_s seconds.
# To use it, put it on the board as main.py: make deploy PORT=... BOARD=esp32 MAIN=sleep
#
# A deep sleep keeps only the RTC (the time survives, so boot.py skips NTP after a wake); RAM
# is lost, so every wake sends its own reading (batching several wakes needs a store in RTC
# memory, which this example does not have). When the reading cannot be sent, the board does
# not go to sleep: it stays awake, keeps the readings in RAM, reads again every interval_s and
# retries, and sleeps once everything was delivered, so nothing is lost unless the power goes.
# Wi-Fi is switched off before sleeping. The watchdog (wdt_ms) is fed between steps.
import gc
import time

import machine

import iotpush
from iotpush import config, wifi

cfg = config.load()
SLEEP_MS = int(cfg.get("sleep_s", "number", 300, 1, 86400) * 1000)
INTERVAL_MS = int(cfg.get("interval_s", "number", 10, 0.1, 86400) * 1000)
WDT_MS = cfg.get("wdt_ms", int, 8000, 0, 60000)
st = config.streamer(cfg)
if WDT_MS:
    t = st.service.transport
    t.timeout = min(t.timeout, WDT_MS / 3000)


def read_temperature():
    """degC (esp32.mcu_temperature, or raw_temperature in degF on the original ESP32)."""
    try:
        import esp32
    except ImportError:
        return None
    if hasattr(esp32, "mcu_temperature"):
        return esp32.mcu_temperature()
    if hasattr(esp32, "raw_temperature"):
        return round((esp32.raw_temperature() - 32) / 1.8, 1)
    return None


def run():
    wdt = machine.WDT(timeout=WDT_MS) if WDT_MS else None

    def feed():
        if wdt:
            wdt.feed()

    woke = machine.reset_cause() == machine.DEEPSLEEP_RESET
    print("main: %s; one reading, then deep sleep for %d s" % (
        "woke from deep sleep" if woke else "started", SLEEP_MS // 1000))
    while True:
        t0 = time.ticks_ms()
        feed()
        if not wifi.connected():
            try:
                wifi.connect(cfg=cfg, tries=1, feed=feed)
            except (wifi.WifiError, OSError) as e:
                print("main:", e)
        temp = read_temperature()
        if temp is not None:
            st.log("temperature", temp)
        else:  # no sensor on this chip: the free heap, so there is something to send
            st.log("mem_free", gc.mem_free())
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
