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


class ADC:
    def __init__(self, pin):
        self.pin = pin
        self.n = 0

    def read_u16(self):
        # the Pico's sensor: 0.706 V at 27 degC, -1.721 mV/degC; wander a little per read
        self.n += 1
        return 14000 + (self.n * 37) % 400


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
    feeds = 0

    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout

    def feed(self):
        WDT.feeds += 1


def unique_id():
    return b"\x01\x02\x03\x04\x05\x06"


PWRON_RESET = 1
DEEPSLEEP_RESET = 4


def reset_cause():
    return PWRON_RESET


def deepsleep(ms=0):
    raise SystemExit(0)


def reset():
    raise SystemExit(0)


def freq(*a):
    return 240000000
