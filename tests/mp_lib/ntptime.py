# Stand-in for the frozen `ntptime` on the MicroPython unix port, where the RTC is the host's
# clock and already right: settime() only checks the call. FAKE_NTP=fail makes it time out.
import os
import time as _t

host = "pool.ntp.org"
timeout = 1
calls = 0


def time():
    return int(_t.time())


def settime():
    global calls
    calls += 1
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError("timeout")
    if os.getenv("FAKE_NTP") == "fail":
        raise OSError(110)
