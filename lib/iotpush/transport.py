# transport.py: HTTP through the firmware's frozen `requests` (or `urequests`), bounded and tidy.
#
# Every request has a timeout (per socket operation: connect, send, each receive; DNS lookups
# cannot be bounded by the frozen client), every response is closed in `finally`, and the socket
# a failed request leaves behind is closed too: the frozen client raises ValueError on a missing
# or garbled status line without closing its socket (micropython-lib#649), which leaks a socket
# (and 20-40 KB of TLS buffers) per fault. We hand `requests` a thin stand-in for its `socket`
# module that remembers the last socket it opened, so we can close it on any error path.
try:
    import requests
except ImportError:
    import urequests as requests  # type: ignore

from micropython import const

DELIVERED = const(0)
TRANSIENT = const(1)
PERMANENT = const(2)


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
    """Stands in for the `socket` module inside `requests`; remembers the socket last opened."""

    def __init__(self, mod):
        self._mod = mod
        self.last = None

    def socket(self, *args):
        s = self._mod.socket(*args)
        self.last = s
        return s

    def __getattr__(self, name):
        return getattr(self._mod, name)


_tracker = None
if hasattr(requests, "socket"):
    if isinstance(requests.socket, _SocketTracker):  # module reloaded
        _tracker = requests.socket
    else:
        _tracker = _SocketTracker(requests.socket)
        requests.socket = _tracker


class Transport:
    """Sends one HTTP request at a time. Blocks for at most about `timeout` seconds per socket
    operation (connect, send, each read); DNS resolution is not bounded by the frozen client.

    After request(): .status (int), .retry_after (seconds, -1 if absent), .body (bytes read when
    asked for with `read=`). Raises OSError/ValueError on network faults (after cleaning up).
    """

    def __init__(self, timeout=10):
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not timeout > 0:
            raise ValueError("timeout must be a number of seconds > 0")
        self.timeout = timeout
        self.status = None
        self.retry_after = -1
        self.body = None
        self.requests = 0  # count, for stats and tests
        self._hdr = self._header  # bound once: passed to requests on every call

    def _header(self, line, d):
        if line[:12] in (b"Retry-After:", b"retry-after:", b"Retry-after:", b"RETRY-AFTER:"):
            try:
                self.retry_after = int(line[12:])
            except ValueError:
                pass  # an HTTP-date: ignored, our own backoff applies

    def request(self, method, url, data=None, headers=None, read=0, err_read=0):
        """Send one request; returns the status. `read`: 0 = ignore the body, n = keep up to n
        bytes of it in .body, or a callable given the response stream to consume incrementally.
        `err_read`: keep up to that many bytes of the body when the status is not 2xx.
        """
        self.status = None
        self.retry_after = -1
        self.body = None
        self.requests += 1
        r = None
        if _tracker is not None:
            _tracker.last = None
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
        return self.status

    def __repr__(self):
        return "<Transport requests timeout=%ss last=%s>" % (self.timeout, self.status)
