# streamer.py: the public core: buffer events, send them in batches, lose nothing.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import time

from .clock import clock as _default_clock
from .clock import offset
from .encode import Body
from .errors import PushError
from .retry import Backoff
from .ring import F_CONT, F_NOCLOCK, RingBuffer
from .transport import DELIVERED, NET_ERRORS, TRANSIENT, text  # noqa: F401 (re-exported)

_INF = float("inf")
_NINF = float("-inf")


class DeadLetters:
    """Where batches the service rejected for good (a non-retryable 4xx) go: never resent,
    never silently gone. Keeps the last `keep` request bodies (each cut at `max_bytes`) with
    their status; `count` = events rejected in all, `batches` = requests rejected."""

    def __init__(self, keep=2, max_bytes=2048):
        self.keep = keep
        self.max_bytes = max_bytes
        self.items = []  # (status, body bytes, number of events)
        self.count = 0
        self.batches = 0

    def add(self, status, body, n):
        self.count += n
        self.batches += 1
        if self.keep:
            if len(self.items) >= self.keep:
                self.items.pop(0)
            self.items.append((status, bytes(body[: self.max_bytes]), n))

    def __repr__(self):
        from .reprs import dead

        return dead(self)


class Streamer:
    """Buffers events for one service and sends them in batches.

    log() never touches the network and allocates nothing for a number; flush() sends what it
    may now (rate limit, backoff) and returns the number of events delivered. A transient fault
    keeps every event and raises PushError(retained=True); a permanent rejection moves that one
    batch to `dead` and raises PushError(retained=False). Memory: the ring buffer (~20 B per
    event of `capacity`) plus two request buffers of the service's body size.

    store: a FlashStore / RTCStore that keeps events through outages, reboots and power cuts
    (see commit()); backoff: a retry.Backoff (default 1 s doubling up to 5 min); feed: a
    callable (a watchdog's feed) called before every request and at least every 500 ms while
    drain() sleeps.
    """

    def __init__(self, service, capacity=256, batch=None, keys=32, on_reject=None,
                 interval_ms=10000, dead_letters=2, clock=None, store=None, backoff=None,
                 feed=None, body=None):
        if not hasattr(service, "encode") or not hasattr(service, "transport"):
            raise TypeError("service must be an iotpush service, e.g. InitialState(...)")
        mx = service.max_events
        if batch is None:
            batch = mx
        elif not isinstance(batch, int) or not 1 <= batch <= mx:
            raise ValueError("batch must be an int in 1..%d for %s" % (mx, service.name))
        for f in (on_reject, feed, backoff and getattr(backoff, "fail", 0)):
            if f is not None and not callable(f):
                raise TypeError("on_reject and feed must be callables, backoff a Backoff")
        self.service = service
        self._ring = RingBuffer(capacity, keys)
        self.batch = batch
        self.interval_ms = interval_ms
        self.on_reject = on_reject
        self.dead = DeadLetters(dead_letters)
        self.delivered = 0
        self.last_status = None
        self.last_error = None
        # body: an encode.Body to share with other Streamers that never send at the same time
        self._body = body if body is not None else Body(service.body_size)
        self._backoff = backoff if backoff is not None else Backoff()
        self.feed = feed
        self._clock = clock or _default_clock
        self._gen = self._clock.gen
        self._numchk = getattr(service, "check_numbers", False)  # numbers to check_value() too
        self._prepared = False
        self._busy = False  # an aflush() is under way (a flush() meanwhile returns 0)
        self._fail = False  # the flush under way met a transient fault
        self._err = None  # the last network exception, for the REPL's hint
        self._src = self._ring  # the ring the request under way was encoded from
        self._ev = 0  # its evictions count then
        self._t0 = time.ticks_ms()  # when the oldest pending event arrived (roughly)
        self._p = store  # a persist.Persist when a store is used (that module loads only then)
        if store is not None:
            from .persist import Persist

            self._p = Persist(self, store, keys)

    # --- counters -----------------------------------------------------------------------------
    @property
    def pending(self):
        """Events accepted and not delivered yet (in RAM and, with a store, on flash)."""
        p = self._p
        return self._ring.count + (len(p) if p is not None else 0)

    @property
    def dropped(self):
        """Events lost for lack of room: RAM buffer overflow, or the store's oldest segment."""
        p = self._p
        return self._ring.dropped + (p.store.dropped if p is not None else 0)

    @property
    def rejected(self):
        return self.dead.count

    @property
    def next_retry_ms(self):
        return self._backoff.wait_ms()

    @property
    def ring(self):
        return self._ring

    # --- logging (no network) -----------------------------------------------------------------
    def _check(self, key, value):
        t = type(value)
        if t is float:
            if value != value or value == _INF or value == _NINF:
                raise ValueError("value for %r is not a finite number" % (key,))
        elif t is int or t is bool:
            pass
        elif t is str or value is None:
            self.service.check_value(key, value)
            return
        else:
            raise TypeError(
                "value for %r must be a number, str, bool or None, not %s" % (key, t.__name__))
        if self._numchk:  # typed columns or ranged readings (Power BI, IOTile)
            self.service.check_value(key, value)

    def _index(self, key):
        try:
            return self._ring.key_index(key)
        except TypeError:  # unhashable: check_key() will say what is wrong
            return -1

    def log(self, key, value, ts=None):
        """Buffer one event. ts: Unix seconds (int or float); default now. Raises ValueError /
        TypeError for a bad key, value or ts, before anything is buffered. No network I/O."""
        ring = self._ring
        ki = self._index(key)
        if ki < 0:
            self.service.check_key(key)
        self._check(key, value)
        if ts is not None:
            s, ms = offset(ts)  # checked before anything changes
        if ki < 0:
            ki = ring.add_key(key)
        if not ring.count:
            self._t0 = time.ticks_ms()
        p = self._p
        if p is not None:
            p.room(1)
        if ts is None:
            c = self._clock
            c.stamp()
            ring.push(ki, value, c.s, c.ms, 0 if c.synced else F_NOCLOCK)
        else:
            ring.push(ki, value, s, ms, 0)
        if p is not None:
            p.room(0)

    def log_row(self, fields, ts=None, ms=0):
        """Buffer several fields sharing one timestamp (one row for row-based services).
        All fields are checked first: a bad one raises and nothing of the row is buffered.
        ms: milliseconds 0..999 to add to an int ts (a float ts loses them on 32-bit floats)."""
        if not isinstance(fields, dict):
            raise TypeError("log_row() takes a dict of key: value")
        if ms and (type(ts) is not int or type(ms) is not int or not 0 < ms < 1000):
            raise ValueError("ms must be an int in 0..999 and needs an int ts")
        ring = self._ring
        if not fields or len(fields) > ring.capacity:
            raise ValueError("a row needs 1..%d fields" % ring.capacity)
        new = 0
        for k in fields:
            if self._index(k) < 0:
                self.service.check_key(k)
                new += 1
            self._check(k, fields[k])
        self.service.check_row(fields)
        if ts is None:
            c = self._clock
            c.stamp()
            s, m, flags = c.s, c.ms, 0 if c.synced else F_NOCLOCK
        else:
            s, m = offset(ts)
            flags = 0
        if ms:
            m = ms
        if new:
            ring.ensure_keys(new)
            for k in fields:
                if ring.key_index(k) < 0:
                    ring.add_key(k)
        if not ring.count:
            self._t0 = time.ticks_ms()
        p = self._p
        if p is not None:
            p.room(len(fields))
        for k in fields:
            ring.push(ring.key_index(k), fields[k], s, m, flags)
            flags |= F_CONT
        if p is not None:
            p.room(0)

    # --- sending ------------------------------------------------------------------------------
    def _sync_clock(self):
        c = self._clock
        if not c.synced:
            c.resync()  # someone may have set the RTC without telling us
        if c.gen != self._gen:
            from .ringops import retime

            retime(self._ring, c.fix_s, c.fix_ms)
            self._gen = c.gen

    def _transient(self, what, status):
        self._fail = True
        t = self.service.transport
        d = self._backoff.fail(t.retry_after)
        msg = "%s: %s; %d events kept, next try in %d s" % (
            self.service.name, what, self.pending, (d + 999) // 1000)
        self.last_error = self.service.redact(msg)
        return PushError(self.last_error, status, True)

    def flush(self, max_requests=0):
        """Send what may be sent now; returns the number of events delivered.

        Returns 0 at once while a backoff is pending or the rate limit says wait. Blocks at most
        the transport timeout per request, calling `feed` before each; max_requests > 0 stops
        after that many requests. Raises PushError on a failed request (see class doc). With a
        store, stored events go first, oldest first.
        """
        if not self._start():
            return 0
        svc = self.service
        sent = 0
        reqs = 0
        try:
            while not max_requests or reqs < max_requests:
                n = self._next()
                if not n:
                    break
                reqs += 1
                data = self._body.data()
                status = None
                err = None
                try:
                    status = svc.transport.request(
                        svc.method, svc.url, data if svc.has_body else None, svc.headers, 0, 256)
                except NET_ERRORS as e:
                    err = e
                sent += self._settle(n, data, status, err)
        finally:
            self._end()
        return sent

    # The steps of a flush, shared by flush() and aflush() (iotpush.aio): _start(); then
    # _next() encodes a request, the caller sends it, _settle() accounts for the answer;
    # _end() in a `finally`.
    def _start(self):
        p = self._p
        if p is not None:
            p.room(-1)
        if self._busy or self._backoff.wait_ms():
            return False
        self._sync_clock()
        self._fail = False
        return True

    def _next(self):
        """Encode the next request into the body; its event count, 0 if none may go now."""
        p = self._p
        src = self._ring if p is None else p()
        if src is None or not src.count:
            return 0
        if self.feed is not None:
            self.feed()
        svc = self.service
        if not self._prepared:
            try:
                svc.prepare()
            except PushError as e:
                self.last_status = e.status
                if svc.outcome(e.status) == TRANSIENT:
                    raise self._transient(str(e), e.status)
                self._prepared = True  # refused for good: do not ask again, send anyway
                self.last_error = str(e)
                raise
            self._prepared = True
        if svc.rate.take():
            return 0
        self._body.reset()
        self._src = src
        self._ev = src.evictions
        return svc.encode(src, self.batch, self._body)

    def _settle(self, n, data, status, err):
        """Account for one request: returns n when delivered, else raises PushError."""
        svc = self.service
        src = self._src
        self.last_status = status
        outcome = svc.outcome(status)
        if outcome == TRANSIENT:
            self._err = err  # for the REPL's hint (reprs.streamer): no work on this path
            what = "HTTP %d" % status if status is not None else (
                "network error %r (check Wi-Fi and base_url)" % (err,))
            raise self._transient(what, status)
        src.ack(n, self._ev)
        if self._p is not None:
            self._p.ack(src, n)
        self._backoff.reset()
        if outcome == DELIVERED:
            self.delivered += n
            self.last_error = self._err = None
            self._t0 = time.ticks_ms()
            return n
        # permanent: this batch will never be accepted; it was moved out of the way above
        self.dead.add(status, data, n)
        msg = "%s: HTTP %s rejected %d events (moved to dead letters)" % (svc.name, status, n)
        t = svc.transport
        if t.body:
            msg += ": " + text(t.body[:120])
        self.last_error = svc.redact(msg)
        if self.on_reject:
            self.on_reject(status, n, self.dead.items[-1][1] if self.dead.items else b"")
        raise PushError(self.last_error, status, False)

    def _end(self):
        if self._p is not None:
            self._p.ack(None, self._fail)  # after a transient fault: make RAM events durable

    def aflush(self):
        """flush() for asyncio: `await st.aflush()`. With a transport that has arequest() (e.g.
        iotpush.sockhttp.KeepAlive) the event loop runs on while the request is under way; with
        the default transport each request blocks the loop. See iotpush.aio."""
        from .aio import aflush

        return aflush(self)

    def run(self, interval_ms=None):
        """Coroutine for a background task: asyncio.create_task(st.run(interval_ms=5000)) sends
        what is buffered every interval_ms (default: the Streamer's), and sooner when a batch
        is full; never raises PushError (see last_error). Cancel the task to stop it."""
        from .aio import run

        return run(self, interval_ms)

    def poll(self):
        """flush() if it is due: a full batch waits, or events waited interval_ms. For main
        loops: never raises PushError (the failure is in last_error) and returns at once while
        a backoff is pending. Returns the number of events delivered. With a store it also
        commits events that waited commit_ms."""
        if self._p is not None:
            self._p.room(-1)
        n = self.pending
        if not n or self._backoff.wait_ms():
            return 0
        if n < self.batch and time.ticks_diff(time.ticks_ms(), self._t0) < self.interval_ms:
            return 0
        try:
            return self.flush()
        except PushError:
            return 0

    def wait_ms(self):
        """ms until flush() may send again (backoff or rate limit); 0 when it may now."""
        return self._backoff.wait_ms() or self.service.rate.wait_ms()

    def drain(self, timeout_ms=30000):
        """Send everything, sleeping through rate limits and backoff, for at most timeout_ms
        (plus one request's timeout). Returns the number of events delivered; what could not
        be sent stays pending (see last_error). Rejected batches go to `dead` as in flush().
        With `feed` set it sleeps at most 500 ms at a time and calls feed() after each sleep."""
        from .drain import drain

        return drain(self, timeout_ms)

    def close(self, timeout_ms=None):
        """Send what can be sent (drain, by default for up to twice the request timeout); with a
        store, commit what is left so that it survives a reboot; close a kept-alive connection.
        Returns the number delivered."""
        from .drain import close

        return close(self, timeout_ms)

    def commit(self):
        """Write the events that are only in RAM to the store now, and record deliveries; once
        it returns a power cut or reboot cannot lose them. Returns how many it wrote (0 without
        a store). Raises OSError if the filesystem fails (the events stay in RAM)."""
        return self._p.commit() if self._p is not None else 0

    def __repr__(self):
        from .reprs import streamer

        return streamer(self)
