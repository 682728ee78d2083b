# streamer.py: the public core: buffer events, send them in batches, lose nothing.
import time

from .clock import clock as _default_clock
from .clock import offset
from .encode import Body
from .errors import PushError
from .retry import Backoff
from .ring import F_CONT, F_NOCLOCK, RingBuffer
from .transport import DELIVERED, TRANSIENT

_INF = float("inf")
_NINF = float("-inf")
NET_ERRORS = (OSError, ValueError, IndexError, NotImplementedError)


def text(b):
    """A server's response bytes as a one-line str for an error message (cold path)."""
    try:
        s = str(b, "utf-8")
    except UnicodeError:
        s = repr(b)
    return s.replace("\r", " ").replace("\n", " ").strip()


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
        return "<DeadLetters events=%d batches=%d kept=%d>" % (self.count, self.batches, len(self.items))


class Streamer:
    """Buffers events for one service and sends them in batches.

    log() never touches the network and allocates nothing for a number; flush() sends what it
    may now (rate limit, backoff) and returns the number of events delivered. A transient fault
    keeps every event and raises PushError(retained=True); a permanent rejection moves that one
    batch to `dead` and raises PushError(retained=False). Memory: the ring buffer (~20 B per
    event of `capacity`) plus two request buffers of the service's body size.
    """

    def __init__(self, service, capacity=256, batch=None, keys=32, on_reject=None,
                 interval_ms=10000, dead_letters=2, clock=None, body=None):
        if not hasattr(service, "encode") or not hasattr(service, "transport"):
            raise TypeError("service must be an iotpush service, e.g. InitialState(...)")
        mx = service.max_events
        if batch is None:
            batch = mx
        elif not isinstance(batch, int) or not 1 <= batch <= mx:
            raise ValueError("batch must be an int in 1..%d for %s" % (mx, service.name))
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
        self._backoff = Backoff()
        self._clock = clock or _default_clock
        self._gen = self._clock.gen
        self._prepared = False
        self._t0 = time.ticks_ms()  # when the oldest pending event arrived (roughly)

    # --- counters -----------------------------------------------------------------------------
    @property
    def pending(self):
        return self._ring.count

    @property
    def dropped(self):
        return self._ring.dropped

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
        else:
            raise TypeError(
                "value for %r must be a number, str, bool or None, not %s" % (key, t.__name__)
            )

    def _index(self, key):
        try:
            return self._ring.key_index(key)
        except TypeError:  # unhashable: check_key() will say what is wrong
            return -1

    def _stamp(self, ts):
        if ts is None:
            c = self._clock
            c.stamp()
            return c.s, c.ms, 0 if c.synced else F_NOCLOCK
        s, ms = offset(ts)
        return s, ms, 0

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
        if ts is None:
            c = self._clock
            c.stamp()
            ring.push(ki, value, c.s, c.ms, 0 if c.synced else F_NOCLOCK)
        else:
            ring.push(ki, value, s, ms, 0)

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
        s, m, flags = self._stamp(ts)
        if ms:
            m = ms
        if new:
            ring.ensure_keys(new)
            for k in fields:
                if ring.key_index(k) < 0:
                    ring.add_key(k)
        if not ring.count:
            self._t0 = time.ticks_ms()
        for k in fields:
            ring.push(ring.key_index(k), fields[k], s, m, flags)
            flags |= F_CONT

    # --- sending ------------------------------------------------------------------------------
    def _sync_clock(self):
        c = self._clock
        if not c.synced:
            c.resync()  # someone may have set the RTC without telling us
        if c.gen != self._gen:
            self._ring.retime(c.fix_s, c.fix_ms)
            self._gen = c.gen

    def _transient(self, what, status):
        t = self.service.transport
        d = self._backoff.fail(t.retry_after)
        msg = "%s: %s; %d events kept, next try in %d s" % (
            self.service.name, what, self._ring.count, (d + 999) // 1000)
        self.last_error = self.service.redact(msg)
        return PushError(self.last_error, status, True)

    def flush(self):
        """Send what may be sent now; returns the number of events delivered.

        Returns 0 at once while a backoff is pending or the rate limit says wait. Blocks at most
        the transport timeout per request. Raises PushError on a failed request (see class doc).
        """
        if self._backoff.wait_ms():
            return 0
        self._sync_clock()
        ring = self._ring
        svc = self.service
        body = self._body
        t = svc.transport
        sent = 0
        while ring.count:
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
                break
            body.reset()
            n = svc.encode(ring, self.batch, body)
            ev = ring.evictions
            data = body.data()
            status = None
            err = None
            try:
                status = t.request(
                    svc.method, svc.url, data if svc.has_body else None, svc.headers, 0, 256)
            except NET_ERRORS as e:
                err = e
            self.last_status = status
            outcome = svc.outcome(status)
            if outcome == DELIVERED:
                ring.ack(n, ev)
                sent += n
                self.delivered += n
                self._backoff.reset()
                self.last_error = None
                self._t0 = time.ticks_ms()
                continue
            if outcome == TRANSIENT:
                what = "HTTP %d" % status if status is not None else "network error %r" % (err,)
                raise self._transient(what, status)
            # permanent: this batch will never be accepted; move it out of the way
            self.dead.add(status, data, n)
            ring.ack(n, ev)
            self._backoff.reset()
            msg = "%s: HTTP %s rejected %d events (moved to dead letters)" % (svc.name, status, n)
            if t.body:
                msg += ": " + text(t.body[:120])
            self.last_error = svc.redact(msg)
            if self.on_reject:
                self.on_reject(status, n, self.dead.items[-1][1] if self.dead.items else b"")
            raise PushError(self.last_error, status, False)
        return sent

    def poll(self):
        """flush() if it is due: a full batch waits, or events waited interval_ms. For main
        loops: never raises PushError (the failure is in last_error) and returns at once while
        a backoff is pending. Returns the number of events delivered."""
        ring = self._ring
        if not ring.count or self._backoff.wait_ms():
            return 0
        if ring.count < self.batch and time.ticks_diff(time.ticks_ms(), self._t0) < self.interval_ms:
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
        be sent stays pending (see last_error). Rejected batches go to `dead` as in flush()."""
        start = time.ticks_ms()
        before = self.delivered
        while self._ring.count:
            left = timeout_ms - time.ticks_diff(time.ticks_ms(), start)
            if left <= 0:
                break
            w = self.wait_ms()
            if w:
                time.sleep_ms(min(w, left))
                continue
            try:
                self.flush()
            except PushError:
                pass
        return self.delivered - before

    def close(self, timeout_ms=None):
        """Send what can be sent (drain, by default for up to twice the request timeout).
        Returns the number of events delivered."""
        if timeout_ms is None:
            timeout_ms = int(self.service.transport.timeout * 2000)
        return self.drain(timeout_ms)

    def __repr__(self):
        return "<Streamer %s pending=%d dropped=%d rejected=%d delivered=%d last=%s retry_in=%dms>" % (
            self.service.name, self._ring.count, self._ring.dropped, self.dead.count,
            self.delivered, self.last_status, self._backoff.wait_ms())
