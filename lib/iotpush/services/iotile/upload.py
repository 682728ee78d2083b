# upload.py: multipart/form-data uploads streamed from flash, over a socket of our own.
#
# The firmware's `requests` needs the whole body as one buffer; a report or log file can be far
# bigger than the heap. This sender computes Content-Length first, then writes the form fields,
# the file in `CHUNK`-byte pieces (one preallocated buffer) and the closing boundary. Body layout
# as the official client (requests) sends it: fields first, then the part named "file" with a
# filename and no part Content-Type, CRLF line ends, a random 32-hex-digit boundary.
#
# Blocking: every socket operation (connect, TLS handshake, each write and read) is bounded by
# the Api's timeout; DNS is not. The socket is closed on every path. Memory: CHUNK bytes plus
# the (small) form fields, whatever the file size. Loaded only when something is uploaded.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import os
import random

from ...transport import requests as _requests
from .errors import RestBaseException

CHUNK = 512  # bytes read from the file and written to the socket at a time
_ERR_READ = 512


def _socket_module():
    m = getattr(_requests, "socket", None)  # what the firmware's requests uses (or a test double)
    if m is None:
        import socket as m  # type: ignore[no-redef]
    return getattr(m, "_mod", m)  # unwrap the core transport's socket tracker


def tls_wrap(sock, host):
    """TLS over a connected socket, as the firmware's requests does it (no certificate check)."""
    try:
        import tls
    except ImportError:  # firmware before 1.23
        import ussl  # type: ignore[import-not-found]

        return ussl.wrap_socket(sock, server_hostname=host)
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = tls.CERT_NONE  # type: ignore[attr-defined]
    return ctx.wrap_socket(sock, server_hostname=host)


def split_url(url):
    """(https?, host, port, Host header, path with query) of an http(s) URL."""
    if url.startswith("https://"):
        https, rest, port = True, url[8:], 443
    elif url.startswith("http://"):
        https, rest, port = False, url[7:], 80
    else:
        raise ValueError("only http:// and https:// URLs can be used")
    i = rest.find("/")
    hostport, path = (rest, "/") if i < 0 else (rest[:i], rest[i:])
    host = hostport
    if ":" in hostport:
        host, p = hostport.rsplit(":", 1)
        port = int(p)
    return https, host, port, hostport, path


def _check(s, what):
    if not isinstance(s, str) or not s or '"' in s or "\r" in s or "\n" in s:
        raise ValueError("%s must be a non-empty str without quotes or line breaks" % what)


def form_parts(boundary, data, filename):
    """The bytes of each form field part and of the file part's header, in order."""
    out = []
    if data:
        items = data.items() if isinstance(data, dict) else data
        for k, v in items:
            _check(k, "form field name")
            for x in v if isinstance(v, (list, tuple)) else (v,):
                if x is None:
                    continue
                if isinstance(x, str):
                    x = x.encode()
                elif not isinstance(x, (bytes, bytearray)):
                    x = str(x).encode()
                head = '--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n' % (boundary, k)
                out.append(head.encode() + x + b"\r\n")
    _check(filename, "file name")
    out.append(('--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n\r\n'
                % (boundary, filename)).encode())
    return out


def send(t, url, headers, parts, fp, size, tail, read, chunk=CHUNK):
    """POST parts + `size` bytes of fp + tail. Sets t.status/.body/.retry_after like
    Transport.request(); `read(stream)` consumes a 2xx body. Returns the status."""
    t.status = None
    t.retry_after = -1
    t.body = None
    t.length = -1
    t.requests += 1
    https, host, port, hostport, path = split_url(url)
    sm = _socket_module()
    ai = sm.getaddrinfo(host, port, 0, sm.SOCK_STREAM)[0]
    s = sm.socket(ai[0], sm.SOCK_STREAM, ai[2])
    try:
        s.settimeout(t.timeout)
        s.connect(ai[-1])
        if https:
            s = tls_wrap(s, host)
        total = size + len(tail)
        for p in parts:
            total += len(p)
        w = s.write
        w(("POST %s HTTP/1.0\r\nHost: %s\r\n" % (path, hostport)).encode())
        for k in headers:
            w(("%s: %s\r\n" % (k, headers[k])).encode())
        w(b"Content-Length: %d\r\nConnection: close\r\n\r\n" % total)
        for p in parts:
            w(p)
        buf = bytearray(chunk)
        mv = memoryview(buf)
        left = size
        while left:
            n = fp.readinto(mv if left >= chunk else mv[:left])
            if not n:
                raise OSError("the file ended %d bytes early" % left)
            w(mv if n == chunk else mv[:n])
            left -= n
        w(tail)
        line = s.readline().split(None, 2)
        if len(line) < 2 or not line[0].startswith(b"HTTP/"):
            raise ValueError("bad HTTP status line")
        status = int(line[1])
        while True:
            h = s.readline()
            if not h or h == b"\r\n":
                break
            t._header(h, None)
        t.status = status
        if 200 <= status < 300:
            read(s)
        else:
            t.body = s.read(_ERR_READ)
    finally:
        s.close()
    return status


def upload(resource, fp, size, filename, data, kwargs):
    """Upload `size` bytes of fp (from its current position) to the resource; returns the
    parsed answer. A 401 refreshes the token once and sends the file again."""
    api = resource._api
    start = fp.tell()
    r = random.getrandbits
    boundary = "%08x%08x%08x%08x" % (r(32), r(32), r(32), r(32))
    parts = form_parts(boundary, data, filename)
    tail = ("\r\n--%s--\r\n" % boundary).encode()
    url = resource.url(kwargs.items())
    refreshed = False
    while True:
        fp.seek(start)
        headers = api._headers(True, False)
        headers["Content-Type"] = "multipart/form-data; boundary=" + boundary
        api._body = None
        try:
            status = send(api.transport, url, headers, parts, fp, size, tail, api._read_body)
        except (ValueError, IndexError) as e:  # a garbled answer: a network fault
            raise OSError("no valid HTTP answer (%r)" % (e,))
        if (status == 401 and not refreshed and api.auto_refresh and api.token
                and api.refresh_token()):
            refreshed = True
            continue
        if status >= 400:
            raise api.error(status, url, api.transport.body)
        return api._result(status)


def upload_file(resource, filename, data, kwargs):
    if not isinstance(filename, str):
        raise TypeError("filename must be a str path")
    size = os.stat(filename)[6]
    f = open(filename, "rb")
    try:
        return upload(resource, f, size, filename.rsplit("/", 1)[-1], data, kwargs)
    finally:
        f.close()


def upload_fp(resource, fp, data, kwargs):
    if not hasattr(fp, "readinto") or not hasattr(fp, "seek"):
        raise TypeError("fp must be a file opened in binary mode")
    start = fp.tell()
    end = fp.seek(0, 2)
    fp.seek(start)
    if end is None or end < start:
        raise RestBaseException("cannot tell the size of fp")
    name = getattr(fp, "name", None)
    name = name.rsplit("/", 1)[-1] if isinstance(name, str) and name else "file"
    return upload(resource, fp, end - start, name, data, kwargs)
