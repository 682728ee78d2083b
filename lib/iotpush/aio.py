# aio.py: asyncio drivers for Streamer: aflush() and the background task run().
#
# Loaded on first use of Streamer.aflush()/run(). The flush logic itself is Streamer's
# (_start/_next/_settle/_end); only the wait differs: with a transport that has arequest()
# (sockhttp.KeepAlive) the event loop keeps running while a request is under way, so a sensor
# loop in another task never waits on the network. A transport without arequest() (the default
# requests one) blocks the loop for each request, as flush() would.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import asyncio
import time

from micropython import const

from .errors import PushError
from .streamer import NET_ERRORS

_POLL_MS = const(500)  # run(): how often at most it looks whether a batch filled up
_MIN_MS = const(10)  # run(): shortest sleep, so it never spins


async def aflush(st):
    """Send what may be sent now, awaiting each request; returns the events delivered. Raises
    PushError like flush(); returns 0 at once while a backoff, the rate limit or another
    aflush() of the same Streamer is under way."""
    if not st._start():
        return 0
    st._busy = True
    try:
        svc = st.service
        sent = 0
        while True:
            n = st._next()
            if not n:
                return sent
            t = svc.transport
            data = st._body.data()
            status = None
            err = None
            areq = getattr(t, "arequest", None)
            try:
                if areq is not None:
                    status = await areq(
                        svc.method, svc.url, data if svc.has_body else None, svc.headers, 0, 256)
                else:
                    status = t.request(
                        svc.method, svc.url, data if svc.has_body else None, svc.headers, 0, 256)
            except NET_ERRORS as e:
                err = e
            sent += st._settle(n, data, status, err)
    finally:
        st._busy = False
        st._end()


async def run(st, interval_ms=None):
    """Background sender: every interval_ms (and within 0.5 s of a batch filling up) send what
    is buffered, honouring the rate limit and backoff. Never raises PushError (the failure is in
    st.last_error, the events stay buffered); runs until its task is cancelled."""
    iv = st.interval_ms if interval_ms is None else interval_ms
    if not isinstance(iv, int) or iv <= 0:
        raise ValueError("interval_ms must be an int > 0")
    poll = iv if iv < _POLL_MS else _POLL_MS
    ring = st._ring
    while True:
        w = st.wait_ms()
        waited = time.ticks_diff(time.ticks_ms(), st._t0)
        if ring.count and not w and (ring.count >= st.batch or waited >= iv):
            try:
                n = await aflush(st)
            except PushError:
                n = 0  # kept; the backoff says when to try again
            if n and ring.count:
                continue
            w = st.wait_ms()
        if w:
            ms = w
        elif ring.count:
            ms = iv - time.ticks_diff(time.ticks_ms(), st._t0)
        else:
            ms = iv
        if ms > poll:
            ms = poll
        await asyncio.sleep_ms(ms if ms > _MIN_MS else _MIN_MS)
