"""A CPython stand-in for MicroPython's frozen `requests` (0.10.x), for the host test harness.

Same calling convention and the same observable behaviour as the firmware's client: HTTP/1.0
with `Connection: close`, `Host` inserted into the caller's headers dict, `timeout` applied per
socket operation, `parse_headers` True/False/callable, `Response.raw` as the socket, redirects
followed with the same headers to any host (checked against the firmware's client), a chunked
response refused with ValueError, and -- on purpose -- the same leak: a missing or garbled status line raises ValueError without closing the
socket, so the library's own cleanup is exercised. Written for iotpush's tests.
"""
import json as _json
import socket as _socket
import ssl as _ssl

open_sockets = set()  # every socket opened and not closed yet (tests assert it ends empty)


class _Sock:
    """A MicroPython-style blocking stream socket: write/read/readline/readinto/close."""

    def __init__(self, af, type_, proto):
        self._s = _socket.socket(af, type_, proto)
        self._r = None
        open_sockets.add(self)

    def settimeout(self, t):
        self._s.settimeout(t)

    def connect(self, addr):
        self._s.connect(addr)

    def wrap_tls(self, host):
        ctx = _ssl.SSLContext(_ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = _ssl.CERT_NONE
        self._s = ctx.wrap_socket(self._s, server_hostname=host)

    def _reader(self):
        if self._r is None:
            self._r = self._s.makefile("rb")
        return self._r

    def write(self, b):
        if isinstance(b, str):
            b = b.encode()
        self._s.sendall(b)
        return len(b)

    def readline(self):
        return self._reader().readline()

    def read(self, n=-1):
        return self._reader().read(n) if n is not None and n >= 0 else self._reader().read()

    def readinto(self, buf):
        return self._reader().readinto(buf)

    def close(self):
        open_sockets.discard(self)
        try:
            if self._r is not None:
                self._r.close()
        finally:
            self._s.close()


class _SocketModule:
    SOCK_STREAM = _socket.SOCK_STREAM
    AF_INET = _socket.AF_INET

    @staticmethod
    def getaddrinfo(host, port, af=0, type_=0, proto=0, flags=0):
        return _socket.getaddrinfo(host, port, af, type_, proto, flags)

    @staticmethod
    def socket(af=_socket.AF_INET, type_=_socket.SOCK_STREAM, proto=0):
        return _Sock(af, type_, proto)


socket = _SocketModule()


class Response:
    def __init__(self, f):
        self.raw = f
        self.encoding = "utf-8"
        self._cached = None
        self.status_code = None
        self.reason = b""
        self.headers = None

    def close(self):
        if self.raw:
            self.raw.close()
            self.raw = None
        self._cached = None

    @property
    def content(self):
        if self._cached is None:
            try:
                self._cached = self.raw.read()
            finally:
                self.raw.close()
                self.raw = None
        return self._cached

    @property
    def text(self):
        return str(self.content, self.encoding)

    def json(self):
        return _json.loads(self.content)


def request(method, url, data=None, json=None, headers=None, stream=None, auth=None,
            timeout=None, parse_headers=True):
    if headers is None:
        headers = {}
    try:
        proto, _, host, path = url.split("/", 3)
    except ValueError:
        proto, _, host = url.split("/", 2)
        path = ""
    if proto == "http:":
        port = 80
    elif proto == "https:":
        port = 443
    else:
        raise ValueError("Unsupported protocol: " + proto)
    if ":" in host:
        host, port = host.split(":", 1)
        port = int(port)
    ai = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    resp_d = {} if parse_headers is not False else None
    s = socket.socket(ai[0], socket.SOCK_STREAM, ai[2])
    if timeout is not None:
        s.settimeout(timeout)
    try:
        s.connect(ai[-1])
        if proto == "https:":
            s.wrap_tls(host)
        s.write(b"%s /%s HTTP/1.0\r\n" % (method.encode(), path.encode()))
        if "Host" not in headers:
            headers["Host"] = host
        for k in headers:
            s.write(k)
            s.write(b": ")
            s.write(headers[k])
            s.write(b"\r\n")
        if json is not None:
            data = _json.dumps(json)
            if "Content-Type" not in headers:
                s.write(b"Content-Type: application/json\r\n")
        if data:
            if "Content-Length" not in headers:
                s.write(b"Content-Length: %d\r\n" % len(data))
        s.write(b"Connection: close\r\n\r\n")
        if data:
            s.write(data)
        line = s.readline().split(None, 2)
        if len(line) < 2:
            raise ValueError("HTTP error: BadStatusLine:\n%s" % line)  # socket left open, as on MP
        status = int(line[1])
        reason = line[2].rstrip() if len(line) > 2 else b""
        redirect = None
        while True:
            line = s.readline()
            if not line or line == b"\r\n":
                break
            # as the firmware's client: chunked bodies refused, redirects followed (below)
            if line.startswith(b"Transfer-Encoding:"):
                if b"chunked" in line:
                    raise ValueError("Unsupported " + str(line, "utf-8"))
            elif line.startswith(b"Location:") and not 200 <= status <= 299:
                if status in (301, 302, 303, 307, 308):
                    redirect = str(line[10:-2], "utf-8")
                else:
                    raise NotImplementedError("Redirect %d not yet supported" % status)
            if parse_headers is True:
                k, v = str(line, "utf-8").split(":", 1)
                resp_d[k] = v.strip()
            elif parse_headers is not False:
                parse_headers(line, resp_d)
    except OSError:
        s.close()
        raise
    if redirect:  # followed with the same headers and body, as the firmware's client does
        s.close()
        if status in (301, 302, 303):
            return request("GET", redirect, None, None, headers, stream)
        return request(method, redirect, data, json, headers, stream)
    resp = Response(s)
    resp.status_code = status
    resp.reason = reason
    if resp_d is not None:
        resp.headers = resp_d
    return resp


def head(url, **kw):
    return request("HEAD", url, **kw)


def get(url, **kw):
    return request("GET", url, **kw)


def post(url, **kw):
    return request("POST", url, **kw)


def put(url, **kw):
    return request("PUT", url, **kw)


def patch(url, **kw):
    return request("PATCH", url, **kw)


def delete(url, **kw):
    return request("DELETE", url, **kw)
