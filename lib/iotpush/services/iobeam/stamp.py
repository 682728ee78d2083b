# stamp.py: iobeam timestamps: an int in SECONDS, MILLISECONDS or MICROSECONDS, sent as integer
# microseconds written as text from the ring's (s, ms) offsets (no big ints on 32-bit boards).
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from micropython import const

from ...clock import REF

_REF_HI = const(1600)  # clock.REF // 10**6


class TimeUnit:
    SECONDS = "sec"
    MILLISECONDS = "msec"
    MICROSECONDS = "usec"


class Timestamp:
    """An int time since 1970 in SECONDS, MILLISECONDS (default) or MICROSECONDS, 1970..2088.
    TypeError/ValueError here, at the call."""

    def __init__(self, value, unit=TimeUnit.MILLISECONDS):
        if type(value) is not int:
            raise TypeError("Timestamp value must be an int (a finer unit takes fractions)")
        if unit == "msec":
            s = value // 1000
            us = (value - s * 1000) * 1000
        elif unit == "usec":
            s = value // 1000000
            us = value - s * 1000000
        elif unit == "sec":
            s = value
            us = 0
        else:
            raise ValueError("unit must be TimeUnit.SECONDS, MILLISECONDS or MICROSECONDS")
        if not 0 <= s < 3747483647:  # what the ring holds: REF + 2**31 - 1
            raise ValueError("Timestamp must lie between 1970 and 2088")
        self.s = s  # Unix seconds
        self.us = us  # microseconds into that second

    def asMicroseconds(self):
        return self.s * 1000000 + self.us

    def asMilliseconds(self):
        return self.s * 1000 + self.us // 1000

    def __eq__(self, other):
        return isinstance(other, Timestamp) and self.s == other.s and self.us == other.us


def write_usec(body, s, ms, us):
    """Write the Unix microseconds of clock offset (s, ms) plus us into an encode.Body."""
    q = s // 1000000
    if _REF_HI + q > 0:
        body.digits(_REF_HI + q)
        body.digits(s - q * 1000000, 6)
    elif REF + s:
        body.digits(REF + s)
    else:  # within the first second of 1970: a JSON number has no leading zeros
        body.digits(ms * 1000 + us)
        return
    body.digits(ms, 3)
    body.digits(us, 3)
