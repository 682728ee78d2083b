# transport.py: HTTP through the firmware's frozen `requests` (or `urequests`), bounded and tidy.
#
# Every request has a timeout (per socket operation: connect, send, each receive; DNS lookups
# cannot be bounded by the frozen client), every response is closed in `finally`, and the socket
# a failed request leaves behind is closed too: the frozen client raises ValueError on a missing
# or garbled status line without closing its socket (micropython-lib#649), which leaks a socket
# (and 20-40 KB of TLS buffers) per fault. We hand `requests` a thin stand-in for its `socket`
# module that remembers the last socket it opened, so we can close it on any error path.
# The same stand-in caches DNS answers (see _SocketTracker): a lookup, which nothing can bound,
# happens at most once per 5 minutes per host, and a failed one falls back to the last answer.
# Response headers: Retry-After is read (any case), at most _MAX_HEADERS lines are accepted, and
# a Location header naming another origin is refused: the frozen client would follow it and
# resend our headers (credentials) and body there. It follows a same-origin redirect without
# the timeout and without our header callback, so the stand-in gives every socket it opens the
# request's timeout, and refuses a fourth connection in one request (a redirect loop).
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

try:
    import requests
except ImportError:
    import urequests as requests  # type: ignore

import time

from micropython import const

DELIVERED = const(0)
TRANSIENT = const(1)
PERMANENT = const(2)
_DNS_TTL_MS = const(300000)  # how long a DNS answer is reused
_MAX_HEADERS = const(64)


# What a request through the frozen client raises on a network fault or a garbled answer.
NET_ERRORS = (OSError, ValueError, IndexError, NotImplementedError)


def text(b):
    """A server's response bytes as a one-line str for an error message (cold path)."""
    try:
        s = str(b, "utf-8")
    except UnicodeError:
        s = repr(b)
    return s.replace("\r", " ").replace("\n", " ").strip()


def classify(status):
    """DELIVERED (2xx), TRANSIENT (None = network fault, 408, 425, 429, 5xx, unexpected 1xx/3xx:
    keep the data, try later) or PERMANENT (other 4xx: the service will never take this batch).
    """
    if status is None:
        return TRANSIENT
    if 200 <= status < 300:
        return DELIVERED
    if 400 <= status < 500 and status not in (408, 425, 429):
        return PERMANENT
    return TRANSIENT


class _SocketTracker:
    """Stands in for the `socket` module inside `requests`; remembers the socket last opened and
    caches getaddrinfo() answers (a few hosts, 5 minutes each)."""

    def __init__(self, mod):
        self._mod = mod
        self.SOCK_STREAM = mod.SOCK_STREAM  # what requests reads on every call: no __getattr__
        self.last = None
        self.timeout = None  # given to every socket opened (requests drops it on a redirect)
        self.opened = 0  # sockets opened by the current request
        self.active = False  # one of our requests is under way (others pass through untouched)
        self.dns: dict = {}  # host -> (answer, port, ticks_ms when resolved)

    def socket(self, *args):
        if not self.active:  # somebody else's use of `requests`
            return self._mod.socket(*args)
        self.opened += 1
        if self.opened > 3:
            raise OSError("too many redirects")
        s = self._mod.socket(*args)
        self.last = s
        s.settimeout(self.timeout)
        return s

    def getaddrinfo(self, h, p, *a):
        e = self.dns.get(h) or (None, -1, 0)
        if e[1] == p and time.ticks_diff(time.ticks_ms(), e[2]) < _DNS_TTL_MS:
            return e[0]
        try:
            ai = self._mod.getaddrinfo(h, p, *a)
        except OSError:
            if e[1] == p:
                return e[0]  # the resolver failed: the last answer beats no answer
            raise
        if len(self.dns) >= 4:
            self.dns.clear()
        self.dns[h] = (ai, p, time.ticks_ms())
        return ai

    def __getattr__(self, name):
        return getattr(self._mod, name)


_tracker = None
if hasattr(requests, "socket"):
    _s = requests.socket
    if type(_s).__name__ == "_SocketTracker":  # this module was loaded again: wrap the original
        _s = _s._mod
    _tracker = _SocketTracker(_s)
    requests.socket = _tracker


class Transport:
    """Sends one HTTP request at a time. Blocks for at most about `timeout` seconds per socket
    operation (connect, send, each read); DNS resolution is not bounded by the frozen client.

    After request(): .status (int), .retry_after (seconds, -1 if absent), .body (bytes read when
    asked for with `read=`). Raises OSError/ValueError on network faults (after cleaning up).
    """

    def __init__(self, timeout=10):
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not (
                0 < timeout <= 3600):
            raise ValueError("timeout must be a number of seconds in (0, 3600]")
        self.timeout = timeout
        self.status = None
        self.retry_after = -1
        self.body = None
        self.requests = 0  # count, for stats and tests
        self._url = ""
        self._hdr = self._header  # bound once: passed to requests on every call

    def _header(self, line, d):
        # called by requests for each response header line (bytes, with its CRLF) and the
        # dict it returns as .headers (kept empty: we count the lines in it)
        if d is not None:
            n = d[0] = d.get(0, 0) + 1
            if n > _MAX_HEADERS:
                raise ValueError("more than %d header lines" % _MAX_HEADERS)
        c = line[0] | 32  # look closer only at lines that start with r / l
        if c == 114 and line[:12].lower() == b"retry-after:":
            v = line[12:].strip()
            if v.isdigit() and len(v) < 10:
                self.retry_after = int(v)  # an HTTP-date is ignored: our backoff applies
        elif c == 108 and line[:9] == b"Location:":  # what the frozen client follows
            v = line[9:].strip().split(b"/", 3)
            if len(v) > 2 and v[:3] != self._url.encode().split(b"/", 3)[:3]:
                raise ValueError("redirect to another origin refused")

    def request(self, method, url, data=None, headers=None, read=0, err_read=0):
        """Send one request; returns the status. `read`: 0 = ignore the body, n = keep up to n
        bytes of it in .body, or a callable given the response stream to consume incrementally.
        `err_read`: keep up to that many bytes of the body when the status is not 2xx.
        """
        self.status = None
        self.retry_after = -1
        self.body = None
        self.requests += 1
        self._url = url
        r = None
        if _tracker is not None:
            _tracker.last = None
            _tracker.opened = 0
            _tracker.timeout = self.timeout
            _tracker.active = True
        try:
            r = requests.request(
                method, url, data=data, headers=headers, timeout=self.timeout,
                parse_headers=self._hdr,  # type: ignore[arg-type]  # a callable is allowed
            )
            self.status = r.status_code
            if err_read and not 200 <= self.status < 300:
                self.body = r.raw.read(err_read)
            elif read:
                if callable(read):
                    read(r.raw)
                else:
                    self.body = r.raw.read(read)
        except BaseException:
            if r is None and _tracker is not None and _tracker.last is not None:
                try:
                    _tracker.last.close()
                except OSError:
                    pass
            raise
        finally:
            if r is not None:
                r.close()
            if _tracker is not None:
                _tracker.last = None
                _tracker.active = False
        return self.status

    def __repr__(self):
        from .reprs import transport

        return transport(self)
