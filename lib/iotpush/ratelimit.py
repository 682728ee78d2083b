# ratelimit.py: token bucket on ticks_ms(); allocation-free.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import time


class TokenBucket:
    """At most `per_s` requests a second on average, bursts of up to `burst`.

    per_s may be fractional (0.5 = one request every 2 s). take() never sleeps: it returns 0 and
    spends a token, or returns how many ms to wait for the next one.
    """

    def __init__(self, per_s, burst=1):
        if not per_s > 0 or burst < 1:
            raise ValueError("rate must be > 0 requests/s and burst >= 1")
        self.interval = max(1, int(1000 / per_s))  # ms per token
        self.burst = int(burst)
        self._tokens = self.burst
        self._t = time.ticks_ms()

    def _refill(self):
        now = time.ticks_ms()
        d = time.ticks_diff(now, self._t)
        if d < 0 or self._tokens >= self.burst:
            self._t = now
            return
        n = d // self.interval
        if n:
            if self._tokens + n >= self.burst:
                self._tokens = self.burst
                self._t = now
            else:
                self._tokens += n
                self._t = time.ticks_add(self._t, n * self.interval)

    def wait_ms(self):
        """0 if a request may go now, else the ms until it may."""
        self._refill()
        if self._tokens > 0:
            return 0
        return self.interval - time.ticks_diff(time.ticks_ms(), self._t)

    def take(self):
        """Spend a token if there is one: returns 0, else the ms to wait (nothing spent)."""
        w = self.wait_ms()
        if not w:
            self._tokens -= 1
        return w

    def __repr__(self):
        from .reprs import bucket

        return bucket(self)
