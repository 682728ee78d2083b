# retry.py: when to try again after a transient failure. Never sleeps.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import time

import random


class Backoff:
    """Exponential backoff with jitter and a cap; a server's Retry-After wins when given.

    After the n-th consecutive failure the next attempt waits a random time in
    [d/2, d] with d = min(cap_ms, base_ms * 2**(n-1)). ready() says whether it is time.
    """

    def __init__(self, base_ms=1000, cap_ms=300000):
        if type(base_ms) is not int or type(cap_ms) is not int or not 0 < base_ms <= cap_ms:
            raise ValueError("Backoff needs ints 0 < base_ms <= cap_ms (milliseconds)")
        self.base_ms = base_ms
        self.cap_ms = cap_ms
        self.failures = 0
        self._until = time.ticks_ms()
        self._pending = False

    def fail(self, retry_after_s=-1):
        """Record a failure; returns the delay chosen (ms)."""
        self.failures += 1
        if retry_after_s is not None and retry_after_s >= 0:
            d = min(int(retry_after_s * 1000), 86400000)
        else:
            d = self.base_ms << min(self.failures - 1, 20)
            if d > self.cap_ms:
                d = self.cap_ms
            h = d // 2
            d = h + (random.getrandbits(16) * (d - h) >> 16)
        self._until = time.ticks_add(time.ticks_ms(), d)
        self._pending = True
        return d

    def reset(self):
        self.failures = 0
        self._pending = False

    def wait_ms(self):
        """ms until the next attempt is due (0: now)."""
        if not self._pending:
            return 0
        w = time.ticks_diff(self._until, time.ticks_ms())
        if w <= 0:
            self._pending = False
            return 0
        return w

    def __repr__(self):
        from .reprs import backoff

        return backoff(self)
