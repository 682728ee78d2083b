# reprs.py: the REPL's view of iotpush objects, loaded the first time one is printed. Short,
# with the state a user wants to see, and never a key or token.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads


def streamer(st):
    r = "<Streamer %s pending=%d dropped=%d rejected=%d delivered=%d last=%s retry_in=%dms" % (
        st.service.name, st.pending, st.dropped, st.rejected,
        st.delivered, st.last_status, st._backoff.wait_ms())
    if not st._clock.synced:
        r += " clock=NOT SET (call iotpush.sync_time())"
    if st._err is not None and st.last_error:
        from .hints import fault_hint

        h = fault_hint(st._err)
        if h:
            r += " hint: " + h
    return r + ">"


def dead(d):
    return "<DeadLetters events=%d batches=%d kept=%d>" % (d.count, d.batches, len(d.items))


def ring(r):
    return "<RingBuffer %d/%d events keys=%d dropped=%d>" % (
        r.count, r.capacity, len(r.keys), r.dropped)


def clock(c):
    from .timefmt import isoformat

    c.stamp()
    return "<Clock %s %s>" % (isoformat(c.s, c.ms), "synced" if c.synced else "NOT SET")


def transport(t):
    return "<Transport requests timeout=%ss last=%s>" % (t.timeout, t.status)


def bucket(b):
    return "<TokenBucket %d ms/token burst=%d>" % (b.interval, b.burst)


def backoff(b):
    return "<Backoff failures=%d retry_in=%dms>" % (b.failures, b.wait_ms())
