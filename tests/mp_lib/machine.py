# Stand-in for the board `machine` module on the MicroPython unix port (which has almost none of
# it): enough for iotpush and the board examples. Keeps the real module's members available.
import umachine as _real

for _n in dir(_real):
    if not _n.startswith("__"):
        globals()[_n] = getattr(_real, _n)


class Pin:
    IN = 0
    OUT = 1
    PULL_UP = 2

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self._v = value or 0

    def value(self, v=None):
        if v is None:
            return self._v
        self._v = v

    def on(self):
        self._v = 1

    def off(self):
        self._v = 0

    def toggle(self):
        self._v = 1 - self._v


class ADC:
    def __init__(self, pin):
        self.pin = pin
        self.n = 0

    def read_u16(self):
        # the Pico's sensor (ADC 4): 0.706 V at 27 degC, -1.721 mV/degC; here a room at about
        # 22-26 degC drifting slowly, plus a little noise per read
        import math
        import time

        self.n += 1
        t = time.ticks_ms() / 1000
        deg = 24 + 2 * math.sin(t / 11) + 0.2 * ((self.n * 37) % 7 - 3)
        return int((0.706 - (deg - 27) * 0.001721) / 3.3 * 65535)


_rtc_mem = b""


class RTC:
    def memory(self, data=None):
        global _rtc_mem
        if data is None:
            return _rtc_mem
        if len(data) > 2048:
            raise ValueError("RTC memory is 2048 bytes")
        _rtc_mem = bytes(data)

    def datetime(self, dt=None):
        import time

        t = time.gmtime()
        return (t[0], t[1], t[2], t[6], t[3], t[4], t[5], 0)


class WDT:
    """Counts feeds and remembers the longest gap between them (a real one would have reset
    the board when a gap exceeded `timeout`): WDT.max_gap_ms, WDT.feeds, WDT.timeout_ms."""

    feeds = 0
    max_gap_ms = 0
    timeout_ms = 0
    _last = 0

    def __init__(self, id=0, timeout=5000):
        import time

        self.timeout = timeout
        WDT.timeout_ms = timeout
        WDT._last = time.ticks_ms()

    def feed(self):
        import time

        now = time.ticks_ms()
        gap = time.ticks_diff(now, WDT._last)
        if gap > WDT.max_gap_ms:
            WDT.max_gap_ms = gap
        WDT._last = now
        WDT.feeds += 1


def unique_id():
    return b"\x01\x02\x03\x04\x05\x06"


PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5


def reset_cause():
    # the stand-in board (tools/fakeboard.py) says why it (re)started the interpreter
    import os

    c = os.getenv("FAKEBOARD_RESET_CAUSE")
    return int(c) if c else PWRON_RESET


def _mark(what):
    # tell the stand-in board how this interpreter is ending (it restarts it accordingly)
    import os

    p = os.getenv("FAKEBOARD_MARKER")
    if p:
        with open(p, "w") as f:
            f.write(what)


def deepsleep(ms=0):
    _mark("deepsleep %d" % ms)
    raise SystemExit(0)


def lightsleep(ms=0):
    import time

    time.sleep_ms(ms)


def reset():
    _mark("reset")
    raise SystemExit(0)


def freq(*a):
    return 240000000
