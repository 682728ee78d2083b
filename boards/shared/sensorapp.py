# sensorapp.py: what both boards' examples do around their own sensor. Each board's main.py and
# main_sleep.py give it a read_temperature(); this file does the rest: settings from
# config.json, a Streamer for the service config.json names, the watchdog, Wi-Fi and NTP upkeep,
# and sending one request at a time with the watchdog fed in between. `make deploy` copies it to
# the board beside main.py.
#
# Watchdog: with wdt_ms > 0 a machine.WDT resets the board if a step hangs; it is fed between
# steps and while waiting, and a request blocks at most the service's `timeout` per socket
# operation, which is capped at a third of wdt_ms. A WDT cannot be stopped: set wdt_ms to 0
# while you try things at the REPL.
import gc
import time

import machine

import iotpush
from iotpush import config, wifi
from iotpush.clock import clock


def soft_reset():
    """True after a soft reset (Ctrl-D, mpremote). rp2 has no SOFT_RESET cause and reports the
    last hard reset (PWRON_RESET), but its RTC survives a soft reset and starts at 2021 after
    power-on: there "PWRON and the clock set" means a soft reset."""
    cause = machine.reset_cause()
    soft = getattr(machine, "SOFT_RESET", None)
    if soft is not None:
        return cause == soft
    return cause == machine.PWRON_RESET and clock.synced


def boot():
    """boot.py: join Wi-Fi and set the clock before main.py runs (settings: config.json).

    Bounded: wifi.tries tries of wifi.timeout_s each with a doubling pause between them
    (defaults 3 x 10 s, 36 s at most), then NTP with ntp.timeout_s. Never loops forever: if
    Wi-Fi fails, main.py starts anyway, buffers its readings and tries again later. After a soft
    reset the network is left to main.py, so that mpremote gets its REPL at once."""
    try:
        cfg = config.load()
    except config.ConfigError as e:
        print("boot:", e)
        return
    if soft_reset():
        print("boot: soft reset: Wi-Fi and NTP left to main.py")
        return
    try:
        wifi.connect(cfg=cfg)
    except (wifi.WifiError, config.ConfigError, ValueError) as e:
        print("boot: %s; main.py will try again" % e)
        return
    if clock.synced:  # the RTC kept the time (deep sleep): no NTP needed
        print("boot: clock already set")
        return
    host = cfg.get("ntp.host", str, None)
    if iotpush.sync_time(host, cfg.get("ntp.timeout_s", "number", 2, 0.1, 30)):
        print("boot: clock set by NTP:", clock)


class App:
    """Settings, the Streamer (`st`) and the watchdog of one board example. wdt_max: the longest
    watchdog timeout the chip allows (the RP2040 counts to 8388 ms)."""

    def __init__(self, read_temperature, wdt_max):
        self.cfg = cfg = config.load()
        self.interval_ms = int(cfg.get("interval_s", "number", 10, 0.1, 86400) * 1000)
        self.wdt_ms = cfg.get("wdt_ms", int, 8000, 0, wdt_max)
        self.st = st = config.streamer(cfg)
        if self.wdt_ms:
            t = st.service.transport
            t.timeout = min(t.timeout, self.wdt_ms / 3000)
        self.read_temperature = read_temperature
        self.wdt = None
        self.wifi_at = None
        self.wifi_wait = 30000
        self.ntp_at = time.ticks_ms() if clock.synced else None  # boot.py set it

    def start_watchdog(self):
        if self.wdt_ms and self.wdt is None:
            self.wdt = machine.WDT(timeout=self.wdt_ms)

    def feed(self):
        if self.wdt:
            self.wdt.feed()

    def sleep(self, ms):
        while ms > 0:
            self.feed()
            time.sleep_ms(min(ms, 500))
            ms -= 500

    def network(self, ntp=True):
        """Rejoin Wi-Fi (one try, at most every wifi_wait, doubling up to 10 min); set the clock
        by NTP every 24 h, or every 10 min while it has never been set."""
        now = time.ticks_ms()
        if not wifi.connected():
            if self.wifi_at is not None and time.ticks_diff(now, self.wifi_at) < self.wifi_wait:
                return
            self.wifi_at = now
            try:
                wifi.connect(cfg=self.cfg, tries=1, feed=self.feed)
                self.wifi_wait = 30000
            except (wifi.WifiError, OSError) as e:
                self.wifi_wait = min(self.wifi_wait * 2, 600000)
                print("main: %s; readings stay buffered (%d pending)" % (e, self.st.pending))
                return
        every = 86400000 if clock.synced else 600000
        if ntp and (self.ntp_at is None or time.ticks_diff(now, self.ntp_at) > every):
            self.ntp_at = now
            self.feed()
            iotpush.sync_time(self.cfg.get("ntp.host", str, None),
                              self.cfg.get("ntp.timeout_s", "number", 2, 0.1, 30))

    def send(self):
        """One request at a time, feeding the watchdog in between; stops at the first failure
        (the events stay buffered, the backoff says when to try again)."""
        st = self.st
        while wifi.connected() and st.pending and not st.wait_ms():
            self.feed()
            try:
                if not st.flush(1):
                    return
            except iotpush.PushError as e:
                print("main:", e)
                return

    def run(self, cycles=0, on_reading=None):
        """main.py: read, push, wait; forever, or `cycles` readings (then send what is left).
        Streams: temperature (when the chip has a sensor), mem_free, wifi_rssi."""
        st = self.st
        self.start_watchdog()
        n = 0
        print("main: reading every %d ms into %r" % (self.interval_ms, st.service))
        try:
            while True:
                t0 = time.ticks_ms()
                self.feed()
                self.network()
                self.feed()
                temp = self.read_temperature()
                if temp is not None:
                    st.log("temperature", temp)
                gc.collect()  # a free-heap figure that means something (a leak shows as a slope)
                free = gc.mem_free()
                st.log("mem_free", free)
                rssi = wifi_rssi()
                if rssi is not None:
                    st.log("wifi_rssi", rssi)
                if on_reading is not None:
                    on_reading()
                self.send()  # without a link a request can only fail (or hang in DNS): skipped
                n += 1
                print("main: #%d %s degC, %d B free; %d delivered, %d pending" % (
                    n, temp, free, st.delivered, st.pending))
                if cycles and n >= cycles:
                    break
                self.sleep(self.interval_ms - time.ticks_diff(time.ticks_ms(), t0))
        except KeyboardInterrupt:
            print("main: stopped (Ctrl-C); sending what is buffered (2 s at most)")
            if self.wdt:
                print("main: the watchdog keeps running and will reset the board (wdt_ms 0 in "
                      "config.json turns it off while you work at the REPL)")
            if wifi.connected():
                st.close(2000)
            return
        if wifi.connected():
            st.close(int(st.service.transport.timeout * 2000))
        print("main: %d readings, %r" % (n, st))

    def sleep_cycle(self):
        """main_sleep.py: one reading, sent, then deep sleep for sleep_s; while it cannot be
        sent the board stays awake, reads again every interval_s and retries."""
        st = self.st
        sleep_ms = int(self.cfg.get("sleep_s", "number", 300, 1, 86400) * 1000)
        self.start_watchdog()
        woke = machine.reset_cause() == machine.DEEPSLEEP_RESET
        print("main: %s; one reading, then deep sleep for %d s" % (
            "woke from deep sleep" if woke else "started", sleep_ms // 1000))
        while True:
            t0 = time.ticks_ms()
            self.feed()
            self.network(ntp=False)  # the RTC survives deep sleep: boot.py set the clock
            temp = self.read_temperature()
            if temp is not None:
                st.log("temperature", temp)
            else:  # no sensor on this chip: the free heap, so there is something to send
                st.log("mem_free", gc.mem_free())
            self.send()
            if not st.pending:
                print("main: %d delivered; deep sleep for %d s" % (st.delivered, sleep_ms // 1000))
                wifi.disconnect()
                machine.deepsleep(sleep_ms)
            print("main: %d readings not sent yet; staying awake, next reading in %d ms" % (
                st.pending, self.interval_ms))
            self.wifi_at = None  # try Wi-Fi again at the next reading
            self.sleep(self.interval_ms - time.ticks_diff(time.ticks_ms(), t0))


def esp32_temperature():
    """degC: esp32.mcu_temperature() (ESP32-S2, -S3, -C3, -C6), else the original ESP32's
    raw_temperature() (degF on some firmware; it reads the die, well above the room: use it for
    trends), else None (the chip has no readable sensor)."""
    try:
        import esp32  # type: ignore[import-not-found,unused-ignore]  # ESP32 firmware only
    except ImportError:
        return None
    if hasattr(esp32, "mcu_temperature"):
        return esp32.mcu_temperature()
    if hasattr(esp32, "raw_temperature"):
        return round((esp32.raw_temperature() - 32) / 1.8, 1)
    return None


def rp2040_temperature():
    """degC from the RP2040's own sensor, ADC input 4: 0.706 V at 27 degC falling 1.721 mV per
    degree (RP2040 datasheet, "Temperature Sensor"), V = read_u16() * 3.3 / 65535. It reads the
    die (a few degrees above the room; ~2 degC of noise, depends on the 3.3 V reference)."""
    v = machine.ADC(4).read_u16() * 3.3 / 65535
    return round(27 - (v - 0.706) / 0.001721, 1)


def wifi_rssi():
    """Signal strength in dBm, or None when not connected (or not reported)."""
    if not wifi.connected():
        return None
    try:
        return wifi.wlan().status("rssi")
    except (ValueError, OSError):
        return None
