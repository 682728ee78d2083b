# clock.py: wall time for iotpush without big ints on the hot path.
#
# Timestamps are kept as (s, ms): s = Unix seconds minus REF, ms = 0..999. With REF in 2020 the
# offset stays a small int (|s| < 2**30) until 2054 on 32-bit boards, where Unix seconds
# themselves (1.8e9) are already a heap-allocated big int. "Now" is an anchor read from the RTC
# once plus ticks_ms() since then, so stamp() allocates nothing.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import time
from micropython import const

REF = const(1600000000)  # 2020-09-13T12:26:40Z, Unix seconds
_SET_AFTER = const(104067200)  # 2024-01-01T00:00:00Z - REF: any earlier RTC reading is "never set"
_REANCHOR_MS = const(0x10000000)  # ~3.1 days, well inside ticks_diff's safe range on every port

# Seconds from 1970-01-01 to the port's epoch: 2000-01-01 on ESP32 and most bare-metal ports.
EPOCH_OFFSET = 946684800 if time.gmtime(0)[0] == 2000 else 0


class Clock:
    """Wall clock anchored on the RTC, advanced by ticks_ms().

    stamp() sets self.s / self.ms to now (no allocation); self.synced tells whether the RTC had
    been set (year >= 2024) when the anchor was read. Events stamped while unsynced can be
    corrected later by the offset in self.fix once the clock is set (see resync()).
    """

    def __init__(self):
        self.s = 0
        self.ms = 0
        self.synced = False
        self.gen = 0  # bumped when the clock goes from never-set to set
        self.fix_s = 0  # correction for events stamped before that (seconds, ms)
        self.fix_ms = 0
        self._as = 0  # anchor: offset seconds, ms, ticks
        self._ams = 0
        self._at = time.ticks_ms()  # ticks_ms() of the anchor
        self._anchored = False
        self.resync()

    def _read_rtc(self):
        t = time.time()  # int on boards, float with sub-seconds on unix/CPython
        s = int(t)
        ms = int((t - s) * 1000) if isinstance(t, float) else 0
        return s + EPOCH_OFFSET - REF, ms

    def resync(self):
        """Re-anchor on the RTC (call after setting it, e.g. by NTP). Cold path: may allocate.

        Returns True when this call found the clock set for the first time.
        """
        was = self.synced
        first = not self._anchored
        self._anchored = True
        if not first:
            self.stamp()  # our estimate of now, before taking the new reading
        old_s, old_ms = self.s, self.ms
        s, ms = self._read_rtc()
        self._as, self._ams, self._at = s, ms, time.ticks_ms()
        self.s, self.ms = s, ms
        self.synced = s >= _SET_AFTER
        if self.synced and not was and not first:
            d = (s - old_s) * 1000 + ms - old_ms
            self.fix_s, self.fix_ms = d // 1000, d % 1000
            self.gen += 1
            return True
        return False

    def stamp(self):
        """Set self.s and self.ms to the current time. Allocates nothing."""
        d = time.ticks_diff(time.ticks_ms(), self._at)
        if d < 0 or d >= _REANCHOR_MS:
            # Move the anchor forward on ticks alone (no RTC read, no allocation); a negative d
            # means ticks wrapped past half their period: trust the RTC instead.
            if d < 0:
                self.resync()
                return
            self._at = time.ticks_add(self._at, d)
            t = self._ams + d
            self._as += t // 1000
            self._ams = t % 1000
            d = 0
        t = self._ams + d
        self.s = self._as + t // 1000
        self.ms = t % 1000

    def unix(self):
        """Current Unix time in whole seconds (may be a big int on 32-bit boards)."""
        self.stamp()
        return self.s + REF

    def __repr__(self):
        from .reprs import clock

        return clock(self)


def offset(ts):
    """(s, ms) offset pair for Unix seconds (int or float). Allocates the returned tuple (and
    on 32-bit boards the big int a caller's 1.8e9 already is)."""
    t = type(ts)
    if t is not int and t is not float:  # bool is refused too
        raise TypeError("ts must be Unix seconds (int or float), not %s" % t.__name__)
    if ts != ts or not 0 <= ts < 3747483647:  # REF + 2**31 - 1: the int32 column's reach
        raise ValueError("ts must be Unix seconds between 1970 and 2088")
    if t is int:
        return ts - REF, 0
    s = int(ts)
    ms = int((ts - s) * 1000 + 0.5)
    if ms >= 1000:
        s, ms = s + 1, ms - 1000
    return s - REF, ms


clock = Clock()
