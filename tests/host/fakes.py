"""Fakes of MicroPython-only modules for running the library on CPython.

`micropython`, `machine` and `network` are installed into sys.modules by the conftest; the
MicroPython `time` functions (ticks_ms, ticks_diff, ticks_add, sleep_ms) are *added* to CPython's
own `time` from a FakeClock for the duration of a test and removed afterwards.
"""
import types

TICKS_PERIOD = 1 << 30  # as on 32-bit ports
_HALF = TICKS_PERIOD // 2


class FakeClock:
    """Controllable ticks: sleep_ms() advances time instead of sleeping. Starts just before the
    ticks wrap-around so wrap bugs show up at once."""

    def __init__(self, start=TICKS_PERIOD - 5000):
        self.ms = start  # unbounded; ticks are this modulo the period
        self.slept = 0
        self.sleeps = []

    def ticks_ms(self):
        return self.ms % TICKS_PERIOD

    def ticks_us(self):
        return (self.ms * 1000) % TICKS_PERIOD

    def ticks_add(self, t, d):
        return (t + d) % TICKS_PERIOD

    def ticks_diff(self, a, b):
        return ((a - b + _HALF) % TICKS_PERIOD) - _HALF

    def sleep_ms(self, ms):
        self.sleeps.append(ms)
        self.slept += ms
        self.ms += ms

    def sleep_us(self, us):
        self.sleep_ms(us // 1000)

    def advance(self, ms):
        self.ms += ms

    def install(self, monkeypatch, time_mod):
        for name in ("ticks_ms", "ticks_us", "ticks_add", "ticks_diff", "sleep_ms", "sleep_us"):
            monkeypatch.setattr(time_mod, name, getattr(self, name), raising=False)


def make_micropython():
    m = types.ModuleType("micropython")
    m.const = lambda x: x
    m.native = lambda f: f
    m.viper = lambda f: f
    m.mem_info = lambda *a: None
    m.alloc_emergency_exception_buf = lambda n: None
    m.schedule = lambda f, a: f(a)
    return m


def make_machine():
    m = types.ModuleType("machine")

    class Pin:
        IN, OUT, PULL_UP, PULL_DOWN = 0, 1, 2, 3

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

    class ADC:
        def __init__(self, pin):
            self.pin = pin
            self.reading = 14000  # ~27 degC on the Pico's sensor

        def read_u16(self):
            return self.reading

    class RTC:
        _mem = b""

        def memory(self, data=None):
            if data is None:
                return RTC._mem
            if len(data) > 2048:
                raise ValueError("RTC memory is 2048 bytes")
            RTC._mem = bytes(data)

        def datetime(self, dt=None):
            return (2026, 1, 1, 3, 0, 0, 0, 0)

    class WDT:
        instances = []

        def __init__(self, id=0, timeout=5000):
            self.timeout = timeout
            self.feeds = 0
            WDT.instances.append(self)

        def feed(self):
            self.feeds += 1

    m.Pin, m.ADC, m.RTC, m.WDT = Pin, ADC, RTC, WDT
    m.unique_id = lambda: b"\x01\x02\x03\x04\x05\x06"
    m.reset_cause = lambda: 1
    m.PWRON_RESET, m.HARD_RESET, m.WDT_RESET, m.DEEPSLEEP_RESET, m.SOFT_RESET = 1, 2, 3, 4, 5

    def deepsleep(ms=0):
        raise SystemExit("deepsleep(%d)" % ms)

    def reset():
        raise SystemExit("reset")

    m.deepsleep, m.reset = deepsleep, reset
    m.freq = lambda *a: 240000000
    m.idle = lambda: None
    return m


def make_network():
    m = types.ModuleType("network")
    m.STA_IF, m.AP_IF = 0, 1
    m.STAT_IDLE, m.STAT_CONNECTING, m.STAT_GOT_IP = 0, 1, 3
    m.STAT_WRONG_PASSWORD, m.STAT_NO_AP_FOUND, m.STAT_CONNECT_FAIL = -3, -2, -1

    class _Iface:  # one per interface, shared by every WLAN(iface) object as on a board
        def __init__(self):
            self.active = False
            self.polls = 0
            self.connecting = False
            self.ssid = None
            self.connects = 0

    class WLAN:
        connect_after = 0  # status polls before GOT_IP; -1 = never
        fail_status = None
        ifaces = {}

        def __init__(self, iface=0):
            self._i = WLAN.ifaces.setdefault(iface, _Iface())

        def active(self, a=None):
            if a is None:
                return self._i.active
            self._i.active = bool(a)
            if not a:
                self._i.connecting = False

        def connect(self, ssid=None, key=None):
            self._i.connecting = True
            self._i.polls = 0
            self._i.ssid = ssid
            self._i.connects += 1

        def disconnect(self):
            self._i.connecting = False

        def status(self, param=None):
            if param == "rssi":
                return -61
            i = self._i
            if not i.connecting or not i.active:
                return m.STAT_IDLE
            if WLAN.fail_status is not None:
                return WLAN.fail_status
            i.polls += 1
            if WLAN.connect_after >= 0 and i.polls > WLAN.connect_after:
                return m.STAT_GOT_IP
            return m.STAT_CONNECTING

        def isconnected(self):
            return self.status() == m.STAT_GOT_IP

        def ifconfig(self):
            return ("192.168.1.50", "255.255.255.0", "192.168.1.1", "192.168.1.1")

    m.WLAN = WLAN
    m.countries = []
    m.country = lambda code=None: m.countries.append(code) if code else "XX"
    return m
