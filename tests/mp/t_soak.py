# Fault soak on MicroPython: N events through a Streamer to the Initial State emulator while the
# hub injects faults (500/503, 429 + Retry-After, resets, stalls beyond the timeout, truncated
# replies, late acks, garbage, refused connections). Run by tests/test_reliability_mp.py, which
# checks what arrived. Asserted here: all delivered, none dropped or rejected, heap after
# gc.collect() back within 1 KB of where it started, the watchdog fed in time. Then it prints
# CHECK-FDS and waits for a line on stdin, so the pytest side can count our open sockets.
# Everything lives in main()'s locals: a 64K heap on the 64-bit unix port has little to spare
# (every global name is a permanent qstr).
import gc
import os
import sys
import time


def main():
    from iotpush import PushError, Streamer
    from iotpush.retry import Backoff
    from iotpush.services.initialstate import InitialState

    n = int(os.getenv("N", "5000"))
    cap = int(os.getenv("CAPACITY", "64"))
    wdt_ms = int(os.getenv("WDT_MS", "2000"))
    keys = ("k0", "k1", "k2", "k3")
    wdt = [time.ticks_ms(), 0, 0]  # a fake watchdog: last feed, worst gap between feeds, feeds

    def feed():
        now = time.ticks_ms()
        gap = time.ticks_diff(now, wdt[0])
        if gap > wdt[1]:
            wdt[1] = gap
        wdt[0] = now
        wdt[2] += 1

    svc = InitialState("ist_TESTACCESSKEY0000000000000000", "soak", "Soak",
                       base_url=os.getenv("IS_URL"), rate=1000, burst=1000,
                       timeout=float(os.getenv("TIMEOUT", "1")))
    st = Streamer(svc, capacity=cap, backoff=Backoff(5, 100), feed=feed, interval_ms=0)
    longest = [0]  # the longest single flush()/drain(): what one feed per call would have to span

    def call(fn, *a):
        t0 = time.ticks_ms()
        try:
            fn(*a)
        except PushError:
            pass
        d = time.ticks_diff(time.ticks_ms(), t0)
        if d > longest[0]:
            longest[0] = d

    st.log(keys[0], 0)  # warm up: the first request sets up what every later one reuses
    while st.pending:
        call(st.drain, 5000)
    gc.collect()
    heap0 = gc.mem_free()
    wdt[0] = t0 = time.ticks_ms()
    for i in range(1, n):
        while st.pending >= cap - 1:  # back-pressure: never overflow the RAM buffer
            call(st.drain, 300)
        st.log(keys[i % 4], i)
        call(st.poll)
    end = time.ticks_add(time.ticks_ms(), 120000)
    while st.pending and time.ticks_diff(end, time.ticks_ms()) > 0:
        call(st.drain, 2000)
    secs = time.ticks_diff(time.ticks_ms(), t0) // 1000
    gc.collect()
    heap1 = gc.mem_free()
    print("delivered", st.delivered, "pending", st.pending, "dropped", st.dropped, "rejected",
          st.rejected, "requests", svc.transport.requests, "seconds", secs)
    print("heap free", heap0, "->", heap1, "delta", heap1 - heap0)
    print("wdt worst gap ms", wdt[1], "feeds", wdt[2], "longest call ms", longest[0])
    assert st.delivered == n and st.pending == 0 and st.dropped == 0 and st.rejected == 0
    assert abs(heap1 - heap0) <= 1024, (heap0, heap1)
    assert wdt[1] < wdt_ms, wdt[1]


main()
gc.collect()
print("CHECK-FDS")
sys.stdin.readline()
print("OK")
