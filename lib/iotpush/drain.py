# drain.py: Streamer.drain() and close(), the blocking "send everything" calls, loaded on first
# use (a board that only calls flush()/poll() does not keep them).
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import time

from .errors import PushError


def drain(st, timeout_ms=30000):
    start = time.ticks_ms()
    before = st.delivered
    while st.pending:
        left = timeout_ms - time.ticks_diff(time.ticks_ms(), start)
        if left <= 0:
            break
        w = st.wait_ms()
        if w:
            w = min(w, left)
            if st.feed is not None:
                w = min(w, 500)
            time.sleep_ms(w)
            if st.feed is not None:
                st.feed()
            continue
        try:
            st.flush()
        except PushError:
            pass
    return st.delivered - before


def close(st, timeout_ms=None):
    if timeout_ms is None:
        timeout_ms = int(st.service.transport.timeout * 2000)
    n = drain(st, timeout_ms) if timeout_ms > 0 else 0
    if st._p is not None:
        st._p.ack(None, True)  # commit what is left
    c = getattr(st.service.transport, "close", None)
    if c is not None:
        c()  # a kept-alive connection (sockhttp.KeepAlive)
    return n
