# main.py (Pico W): every interval_s, read the RP2040's own temperature and push it with iotpush.
#
# Sensor: ADC input 4 is the RP2040's temperature sensor, 0.706 V at 27 degC falling 1.721 mV
# per degree (RP2040 datasheet, "Temperature Sensor"): degC = 27 - (V - 0.706) / 0.001721 with
# V = read_u16() * 3.3 / 65535. It reads the die (a few degrees above the room; ~2 degC of
# noise, depends on the 3.3 V reference). The LED toggles at every reading. Streams:
# temperature, mem_free, wifi_rssi. Settings come from config.json (README, section Boards).
#
# Watchdog: with wdt_ms > 0 a machine.WDT resets the board if a step hangs; it is fed between
# steps and while waiting, and a request blocks at most the service's `timeout` per socket
# operation, which is capped at a third of wdt_ms. A WDT cannot be stopped: set wdt_ms to 0 while you try things
# at the REPL. Ctrl-C stops the loop; `st` stays there to look at (st, st.flush()).
import gc
import time

import machine

import iotpush
from iotpush import config, wifi
from iotpush.clock import clock

cfg = config.load()
INTERVAL_MS = int(cfg.get("interval_s", "number", 10, 0.1, 86400) * 1000)
WDT_MS = cfg.get("wdt_ms", int, 8000, 0, 8388)  # the RP2040 watchdog counts to 8.3 s
st = config.streamer(cfg)
if WDT_MS:
    t = st.service.transport
    t.timeout = min(t.timeout, WDT_MS / 3000)


_sensor = machine.ADC(4)
_led = machine.Pin("LED", machine.Pin.OUT)


def read_temperature():
    """degC from the RP2040's internal sensor."""
    v = _sensor.read_u16() * 3.3 / 65535
    return round(27 - (v - 0.706) / 0.001721, 1)


def wifi_rssi():
    """Signal strength in dBm, or None when not connected (or not reported)."""
    if not wifi.connected():
        return None
    try:
        return wifi.wlan().status("rssi")
    except (ValueError, OSError):
        return None


class _Loop:
    """The main loop's state: watchdog, when Wi-Fi and NTP were last tried."""

    def __init__(self):
        self.wdt = machine.WDT(timeout=WDT_MS) if WDT_MS else None
        self.wifi_at = None
        self.wifi_wait = 30000
        self.ntp_at = time.ticks_ms() if clock.synced else None  # boot.py set it

    def feed(self):
        if self.wdt:
            self.wdt.feed()

    def sleep(self, ms):
        while ms > 0:
            self.feed()
            time.sleep_ms(min(ms, 500))
            ms -= 500

    def network(self):
        """Rejoin Wi-Fi (one try, at most every wifi_wait, doubling up to 10 min); set the clock
        by NTP every 24 h, or every 10 min while it has never been set."""
        now = time.ticks_ms()
        if not wifi.connected():
            if self.wifi_at is not None and time.ticks_diff(now, self.wifi_at) < self.wifi_wait:
                return
            self.wifi_at = now
            try:
                wifi.connect(cfg=cfg, tries=1, feed=self.feed)
                self.wifi_wait = 30000
            except (wifi.WifiError, OSError) as e:
                self.wifi_wait = min(self.wifi_wait * 2, 600000)
                print("main: %s; readings stay buffered (%d pending)" % (e, st.pending))
                return
        every = 86400000 if clock.synced else 600000
        if self.ntp_at is None or time.ticks_diff(now, self.ntp_at) > every:
            self.ntp_at = now
            self.feed()
            iotpush.sync_time(cfg.get("ntp.host", str, None),
                              cfg.get("ntp.timeout_s", "number", 2, 0.1, 30))

    def send(self):
        """One request at a time, feeding the watchdog in between."""
        while st.pending and not st.wait_ms():
            self.feed()
            try:
                if not st.flush(1):
                    return
            except iotpush.PushError as e:
                print("main:", e)
                return


def run(cycles=0):
    """Read, push, wait; forever, or `cycles` readings (then send what is left)."""
    loop = _Loop()
    n = 0
    print("main: reading every %d ms into %r" % (INTERVAL_MS, st.service))
    try:
        while True:
            t0 = time.ticks_ms()
            loop.feed()
            loop.network()
            loop.feed()
            _led.toggle()
            temp = read_temperature()
            st.log("temperature", temp)
            gc.collect()  # a free-heap figure that means something (a leak shows as a slope)
            free = gc.mem_free()
            st.log("mem_free", free)
            rssi = wifi_rssi()
            if rssi is not None:
                st.log("wifi_rssi", rssi)
            if wifi.connected():  # without a link a request can only fail (or hang in DNS)
                loop.send()
            n += 1
            print("main: #%d %s degC, %d B free; %d delivered, %d pending" % (
                n, temp, free, st.delivered, st.pending))
            if cycles and n >= cycles:
                break
            loop.sleep(INTERVAL_MS - time.ticks_diff(time.ticks_ms(), t0))
    except KeyboardInterrupt:
        print("main: stopped (Ctrl-C); sending what is buffered (2 s at most)")
        if loop.wdt:
            print("main: the watchdog keeps running and will reset the board (wdt_ms 0 in "
                  "config.json turns it off while you work at the REPL)")
        if wifi.connected():
            st.close(2000)
        return
    if wifi.connected():
        st.close(int(st.service.transport.timeout * 2000))
    print("main: %d readings, %r" % (n, st))


if __name__ == "__main__":
    run()
