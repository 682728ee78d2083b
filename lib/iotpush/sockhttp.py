# sockhttp.py: HTTP/1.1 keep-alive transport over socket (+ tls), a drop-in for Transport.
#
# One connection is kept open and reused across requests and flushes (a TLS handshake costs a
# board seconds and tens of KB; the frozen `requests` pays it on every request). A connection the
# server closed while idle is noticed before use, or when the request meets EOF/reset before any
# response byte, and the request then goes out once more on a fresh connection. The request head
# is written from a preallocated buffer, the body straight from the caller's buffer, the response
# read into a preallocated buffer. DNS is looked up once per host and again after a failure.
#
# Sockets are always non-blocking. The exchange is one generator that yields when it must wait
# for the socket: request() waits with select.poll for at most `timeout` seconds per step
# (connect, TLS handshake, each send, each receive); arequest() waits in the asyncio loop, the
# whole request bounded by `timeout`. Any error closes the socket before it propagates.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import errno
import select
import socket

from micropython import const

from .encode import Body
from .transport import classify  # noqa: F401  # same classification as the default transport

_IPPROTO_TCP = const(6)
_TCP_NODELAY = const(1)
_IN = const(1)  # select.POLLIN: wait until readable
_OUT = const(4)  # select.POLLOUT: wait until writable
_EMPTY = b""


def _str_ok():
    # MicroPython's BytesIO takes str; CPython's (host tests) wants bytes.
    try:
        Body(8).write("")
        return True
    except TypeError:
        return False


_STR = _str_ok()


def _der(cadata):
    """DER bytes of a CA certificate given as DER or PEM (mbedTLS takes DER here)."""
    if cadata[:5] != b"-----":
        return cadata
    import binascii

    lines = bytes(cadata).split(b"\n")
    b64 = b"".join(ln.strip() for ln in lines if ln and ln[:5] != b"-----")
    return binascii.a2b_base64(b64)


def _lower_is(buf, p, e, name):
    """True when buf[p:e] starts with `name` (lowercase bytes), compared case-insensitively."""
    n = len(name)
    if e - p < n:
        return False
    for i in range(n):
        c = buf[p + i]
        if 65 <= c <= 90:
            c += 32
        if c != name[i]:
            return False
    return True


def _skip_ws(buf, p, e):
    while p < e and buf[p] in (32, 9):
        p += 1
    return p


def _int(buf, p, e, base=10):
    """Non-negative int at buf[p:e] (after blanks); -1 if there is none."""
    p = _skip_ws(buf, p, e)
    v = -1
    while p < e:
        c = buf[p]
        if 48 <= c <= 57:
            d = c - 48
        elif base == 16 and 97 <= (c | 32) <= 102:
            d = (c | 32) - 87
        else:
            break
        v = d if v < 0 else v * base + d
        p += 1
    return v


class KeepAlive:
    """HTTP/1.1 with a reused connection; same request() contract as transport.Transport.

    KeepAlive(timeout=10, cadata=None, server_hostname=None, bufsize=256)
      timeout         seconds per step (connect, handshake, each send and receive); > 0
      cadata          CA certificate (DER or PEM bytes): https then verifies the server's
                      certificate chain and host name (CERT_REQUIRED); None: not verified
      server_hostname name to check in the certificate when the URL holds an IP address
    Memory: about 2 x 256 B of request-head buffers and a `bufsize` response buffer, the socket
    (and TLS session, tens of KB on a board) while a connection is open. Allocates little per
    request once connected. DNS lookups (once per host) block and cannot be bounded.
    After request(): .status, .retry_after (seconds, -1 if absent), .body (bytes read when asked).
    Raises OSError (ETIMEDOUT on a timeout) or ValueError on network faults, after closing.
    """

    def __init__(self, timeout=10, cadata=None, server_hostname=None, bufsize=256):
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not timeout > 0:
            raise ValueError("timeout must be a number of seconds > 0")
        if cadata is not None and not isinstance(cadata, (bytes, bytearray)):
            raise TypeError("cadata must be the CA certificate as DER or PEM bytes")
        if not isinstance(bufsize, int) or bufsize < 64:
            raise ValueError("bufsize must be an int >= 64")
        self.timeout = timeout
        self.cadata = cadata
        self.server_hostname = server_hostname
        self.status = None
        self.retry_after = -1
        self.body = None
        self.requests = 0  # requests sent (a resend on a fresh connection counts once)
        self.connects = 0  # connections opened
        self.sent_bytes = 0  # bytes written / read on the wire (HTTP level, before TLS)
        self.recv_bytes = 0
        self._ms = int(timeout * 1000)
        self._buf = bytearray(bufsize)
        self._mv = memoryview(self._buf)
        self._n = 0  # valid bytes in _buf
        self._p = 0  # parse position in _buf
        self._head = Body(256)
        self._sock = None
        self._raw = None  # the TCP socket under a TLS one
        self._poll = None
        self._conn = None  # host:port and tls of the open connection
        self._ctls = False
        self._url = None  # last URL parsed and its parts
        self._tls = False
        self._host = ""
        self._port = 0
        self._path = _EMPTY
        self._hosthdr = _EMPTY
        self._dns = {}  # b"host:port" -> getaddrinfo entry
        self._ctx = None
        self._close_after = False
        self._clen = -1
        self._chunked = False
        self._ioq = None

    def __repr__(self):
        return "<KeepAlive timeout=%ss %s requests=%d connects=%d last=%s>" % (
            self.timeout, "open" if self._sock else "closed", self.requests, self.connects,
            self.status)

    # --- public -------------------------------------------------------------------------------
    def request(self, method, url, data=None, headers=None, read=0, err_read=0):
        """Send one request and return the status; blocks at most `timeout` s per step. `read`:
        0 = ignore the body, n = keep up to n bytes in .body, a callable = given a stream of the
        body; `err_read`: keep up to that many bytes of the body when the status is not 2xx."""
        g = self._exchange(method, url, data, headers, read, err_read)
        try:
            while True:
                self._wait(g.send(None))
        except StopIteration as e:
            return e.value
        except BaseException:
            self.close()
            raise

    async def arequest(self, method, url, data=None, headers=None, read=0, err_read=0):
        """request() for MicroPython's asyncio: waits in the event loop instead of blocking it.
        The whole request is bounded by `timeout` (a lookup of a new host still blocks)."""
        import asyncio

        try:
            return await asyncio.wait_for_ms(
                self._aexchange(method, url, data, headers, read, err_read), self._ms)
        except asyncio.TimeoutError:
            self.close()
            raise OSError(errno.ETIMEDOUT)

    def close(self):
        """Close the connection (the next request opens a new one). Safe to call any time."""
        s = self._sock
        r = self._raw
        self._sock = self._raw = self._poll = self._conn = None
        for x in (s, r):
            if x is not None:
                try:
                    x.close()
                except OSError:
                    pass

    # --- drivers ------------------------------------------------------------------------------
    def _wait(self, ev):
        p = self._poll
        p.modify(self._sock, ev)  # type: ignore[union-attr]
        for _ in p.ipoll(self._ms):  # type: ignore[union-attr]
            return
        raise OSError(errno.ETIMEDOUT)

    def _aexchange(self, method, url, data, headers, read, err_read):
        # A generator awaited by asyncio (like asyncio's own Stream methods).
        q = self._ioq
        if q is None:
            from asyncio import core  # type: ignore[attr-defined]

            q = self._ioq = core._io_queue
        g = self._exchange(method, url, data, headers, read, err_read)
        try:
            while True:
                if g.send(None) == _IN:
                    yield q.queue_read(self._sock)
                else:
                    yield q.queue_write(self._sock)
        except StopIteration as e:
            return e.value
        except BaseException:  # includes the CancelledError of a timeout
            self.close()
            raise

    # --- the exchange (one generator for both drivers) -------------------------------------------
    # Helpers below never wait: they do what the socket allows now and say when to wait, so the
    # only generator per request is _exchange itself (a generator per step costs ~128 B each).
    def _exchange(self, method, url, data, headers, read, err_read):
        self.status = None
        self.retry_after = -1
        self.body = None
        self.requests += 1
        self._target(url)
        if self._sock is not None and (self._conn != self._hosthdr or self._ctls != self._tls
                                       or self._idle_closed()):
            self.close()
        hmv = self._compose(method, data, headers)
        retried = False
        while True:
            reused = self._sock is not None
            try:
                if not reused:
                    if self._connect():
                        yield _OUT
                    self._connected()
                off = self._wr(hmv, 0)
                while off < len(hmv):
                    yield _OUT
                    off = self._wr(hmv, off)
                if data:
                    off = self._wr(data, 0)
                    while off < len(data):
                        yield _OUT
                        off = self._wr(data, off)
                self.sent_bytes += len(hmv) + (len(data) if data else 0)
                self._n = self._p = 0
                r = self._fill()
                while r is None:
                    yield _IN
                    r = self._fill()
                if not r:
                    raise OSError(errno.ECONNRESET)
                break
            except OSError:
                self.close()
                if reused and not retried:  # the server had dropped the idle connection
                    retried = True
                    continue
                if not reused:  # a fresh connection failed: look the host up again next time
                    self._dns.pop(self._hosthdr, None)
                raise
        # status line and headers (a 1xx interim response is skipped)
        buf = self._buf
        status = 0
        while status < 200:
            e = self._line()
            while e < 0:
                yield _IN
                e = self._line()
            status = self._status_line(e)
            while True:
                e = self._line()
                while e < 0:
                    yield _IN
                    e = self._line()
                p = self._p
                self._p = e + 2
                if e == p:
                    break
                self._header(buf, p, e)
            if status == 101:
                break
        if method == "HEAD" or status in (204, 304) or status == 101:
            self._clen = 0
            self._chunked = False
            if status == 101:
                self._close_after = True
        elif self._clen < 0 and not self._chunked:
            self._close_after = True  # the body runs to EOF
        # body: drained so the connection can be reused; kept when asked for
        keep = err_read if err_read and not 200 <= status < 300 else read
        out = None
        limit = 0
        if keep:
            out = bytearray()
            limit = 4096 if callable(keep) else keep
        n = self._clen
        while True:
            if self._chunked:  # chunk-size line; 0 = last chunk, then trailers up to a blank line
                e = self._line()
                while e < 0:
                    yield _IN
                    e = self._line()
                n = _int(buf, self._p, e, 16)
                self._p = e + 2
                if n < 0:
                    raise ValueError("HTTP: bad chunk size")
                if not n:
                    while True:
                        e = self._line()
                        while e < 0:
                            yield _IN
                            e = self._line()
                        p = self._p
                        self._p = e + 2
                        if e == p:
                            break
                    break
            while n:
                n = self._take(n, out, limit)
                if n:
                    r = self._fill()
                    while r is None:
                        yield _IN
                        r = self._fill()
                    if not r:
                        if n < 0:
                            break
                        raise ValueError("HTTP: connection closed in the response body")
            if not self._chunked:
                break
            e = self._line()  # the CRLF after the chunk's data
            while e < 0:
                yield _IN
                e = self._line()
            self._p = e + 2
        if out is not None:
            if callable(keep):
                import io

                keep(io.BytesIO(bytes(out)))
            else:
                self.body = bytes(out)
        if self._close_after:
            self.close()
        self.status = status
        return status

    def _target(self, url):
        if url is self._url or url == self._url:
            return
        if url.startswith("https://"):
            tls, rest = True, url[8:]
        elif url.startswith("http://"):
            tls, rest = False, url[7:]
        else:
            raise ValueError("URL must start with http:// or https://")
        i = rest.find("/")
        hostport, path = (rest, "/") if i < 0 else (rest[:i], rest[i:])
        host, port = hostport, 443 if tls else 80
        if ":" in hostport:
            host, p = hostport.rsplit(":", 1)
            port = int(p)
        self._tls, self._host, self._port = tls, host, port
        self._path = path.encode()
        self._hosthdr = hostport.encode()
        self._url = url

    def _idle_closed(self):
        # An idle keep-alive connection that is readable was closed (or spoken to) by the server.
        p = self._poll
        p.modify(self._sock, _IN)  # type: ignore[union-attr]
        for _ in p.ipoll(0):  # type: ignore[union-attr]
            return True
        return False

    def _context(self):
        ctx = self._ctx
        if ctx is None:
            import tls  # MicroPython >= 1.23

            ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
            if self.cadata:
                ctx.load_verify_locations(_der(self.cadata))
                ctx.verify_mode = tls.CERT_REQUIRED  # type: ignore[attr-defined]
            else:
                ctx.verify_mode = tls.CERT_NONE  # type: ignore[attr-defined]
            self._ctx = ctx
        return ctx

    def _connect(self):
        """Start connecting (non-blocking); True: wait until writable before going on."""
        ai = self._dns.get(self._hosthdr)
        if ai is None:
            ai = socket.getaddrinfo(self._host, self._port, 0, socket.SOCK_STREAM)[0]
            self._dns[self._hosthdr] = ai
        s = socket.socket(ai[0], socket.SOCK_STREAM, ai[2])
        self._sock = self._raw = s
        try:  # head and body go as two writes: without TCP_NODELAY, Nagle + delayed ACK stall
            s.setsockopt(_IPPROTO_TCP, _TCP_NODELAY, 1)
        except (OSError, AttributeError):
            pass  # a port without it (rp2's lwIP sockets may refuse it)
        self._poll = select.poll()
        self._poll.register(s, _OUT)
        s.setblocking(False)
        try:
            s.connect(ai[-1])
        except OSError as e:
            if e.errno != errno.EINPROGRESS:
                raise
        return True

    def _connected(self):
        if self._tls:
            s = self._context().wrap_socket(
                self._raw, server_hostname=self.server_hostname or self._host,
                do_handshake_on_connect=False)
            self._sock = s
            s.setblocking(False)
            self._poll = select.poll()  # the handshake happens in the first writes
            self._poll.register(s, _OUT)
        self._conn = self._hosthdr
        self._ctls = self._tls
        self.connects += 1

    def _compose(self, method, data, headers):
        h = self._head
        h.reset()
        w = h.write
        w(method if _STR else method.encode())
        w(b" ")
        w(self._path)
        w(b" HTTP/1.1\r\nHost: ")
        w(self._hosthdr)
        w(b"\r\n")
        if headers:
            for k in headers:
                if k != "Host":
                    v = headers[k]
                    w(k if _STR else k.encode())
                    w(b": ")
                    w(v if _STR else v.encode())
                    w(b"\r\n")
        if data is not None and not (headers and "Content-Length" in headers):
            w(b"Content-Length: ")
            h.digits(len(data))
            w(b"\r\n")
        w(b"\r\n")
        return h.data()

    def _wr(self, mv, off):
        """Write from mv[off:] as far as the socket takes it now; returns the new offset."""
        n = len(mv)
        while off < n:
            r = self._sock.write(mv[off:] if off else mv)  # type: ignore[union-attr]
            if r is None:
                break
            off += r
        return off

    # --- response -----------------------------------------------------------------------------
    def _fill(self):
        """Read what is there after the unparsed bytes: count, 0 (peer closed) or None (wait)."""
        p = self._p
        n = self._n
        if p:
            if p < n:
                self._mv[: n - p] = self._mv[p:n]
            n -= p
            self._n = n
            self._p = 0
        r = self._sock.readinto(self._mv[n:] if n else self._mv)  # type: ignore[union-attr]
        if r:
            self._n = n + r
            self.recv_bytes += r
        return r

    def _line(self):
        """Index of the CR ending the line at _p, or -1 to wait for more bytes. A line longer
        than the buffer is cut (its start dropped). Raises ValueError if the peer closed."""
        buf = self._buf
        while True:
            e = buf.find(b"\r\n", self._p, self._n)
            if e >= 0:
                return e
            if self._p == 0 and self._n == len(buf):
                self._p = self._n - 1
            r = self._fill()
            if r is None:
                return -1
            if not r:
                raise ValueError("HTTP: connection closed in the response head")

    def _status_line(self, e):
        buf = self._buf
        p = self._p
        if e - p < 12 or not _lower_is(buf, p, e, b"http/1."):
            raise ValueError("HTTP: bad status line")
        status = _int(buf, p + 9, p + 12)
        if status < 100:
            raise ValueError("HTTP: bad status line")
        self._close_after = buf[p + 7] == 48  # HTTP/1.0 closes unless it says keep-alive
        self._clen = -1
        self._chunked = False
        self._p = e + 2
        return status

    def _header(self, buf, p, e):
        if _lower_is(buf, p, e, b"content-length:"):
            self._clen = _int(buf, p + 15, e)
        elif _lower_is(buf, p, e, b"transfer-encoding:"):
            self._chunked = _lower_is(buf, _skip_ws(buf, p + 18, e), e, b"chunked")
        elif _lower_is(buf, p, e, b"connection:"):
            v = _skip_ws(buf, p + 11, e)
            if _lower_is(buf, v, e, b"close"):
                self._close_after = True
            elif _lower_is(buf, v, e, b"keep-alive"):
                self._close_after = False
        elif _lower_is(buf, p, e, b"retry-after:"):
            self.retry_after = _int(buf, p + 12, e)

    def _take(self, n, out, limit):
        """Consume up to n body bytes from the buffer (n < 0: all there is, up to EOF), adding
        up to `limit` in all to out; returns how many are still to come."""
        k = self._n - self._p
        if n >= 0 and k > n:
            k = n
        if k and out is not None and len(out) < limit:
            m = limit - len(out)
            out.extend(self._mv[self._p:self._p + (k if k < m else m)])
        self._p += k
        return n - k if n > 0 else n
