"""MicroPython-style `socket`, `select` and `tls` modules over CPython's, for host tests of
iotpush.sockhttp (which uses the firmware's non-blocking stream API: write()/readinto() return
None when they would block, connect() raises EINPROGRESS, select.poll().ipoll()).

`stats` counts getaddrinfo() calls and keeps the set of sockets not closed yet.
"""
import errno
import select as _select
import socket as _socket
import ssl as _ssl


class _Stats:
    def __init__(self):
        self.lookups = 0
        self.open = set()

    def reset(self):
        self.lookups = 0
        self.open.clear()


stats = _Stats()


class _Sock:
    def __init__(self, s):
        self._s = s
        stats.open.add(self)

    def fileno(self):
        return self._s.fileno()

    def setsockopt(self, level, opt, value):
        self._s.setsockopt(level, opt, value)

    def setblocking(self, flag):
        self._s.setblocking(flag)

    def settimeout(self, t):
        self._s.settimeout(t)

    def connect(self, addr):
        try:
            self._s.connect(addr)
        except BlockingIOError:
            raise OSError(errno.EINPROGRESS, "in progress")

    def write(self, b):
        try:
            return self._s.send(b)
        except (BlockingIOError, _ssl.SSLWantReadError, _ssl.SSLWantWriteError):
            return None

    def readinto(self, b):
        try:
            return self._s.recv_into(b)
        except (BlockingIOError, _ssl.SSLWantReadError, _ssl.SSLWantWriteError):
            return None
        except _ssl.SSLZeroReturnError:
            return 0

    def pending(self):
        return self._s.pending() if isinstance(self._s, _ssl.SSLSocket) else 0

    def close(self):
        stats.open.discard(self)
        self._s.close()


class socket_module:
    AF_INET = _socket.AF_INET
    SOCK_STREAM = _socket.SOCK_STREAM

    @staticmethod
    def getaddrinfo(host, port, af=0, type_=0, proto=0, flags=0):
        stats.lookups += 1
        return _socket.getaddrinfo(host, port, _socket.AF_INET, type_, proto, flags)

    @staticmethod
    def socket(af=_socket.AF_INET, type_=_socket.SOCK_STREAM, proto=0):
        return _Sock(_socket.socket(af, type_, proto))


class _Poll:
    def __init__(self):
        self._p = _select.poll()
        self._obj = None
        self._ev = 0

    def register(self, obj, ev=_select.POLLIN | _select.POLLOUT):
        self._obj, self._ev = obj, ev
        self._p.register(obj.fileno(), ev)

    def modify(self, obj, ev):
        self._obj, self._ev = obj, ev
        self._p.modify(obj.fileno(), ev)

    def ipoll(self, timeout=-1):
        if self._ev & _select.POLLIN and self._obj.pending():
            return iter([(self._obj, _select.POLLIN)])
        return iter([(self._obj, ev) for _, ev in self._p.poll(timeout)])


class select_module:
    POLLIN = _select.POLLIN
    POLLOUT = _select.POLLOUT
    POLLHUP = _select.POLLHUP
    POLLERR = _select.POLLERR

    @staticmethod
    def poll():
        return _Poll()


class _Context:
    def __init__(self, protocol):
        self.verify_mode = tls_module.CERT_NONE
        self._ca = None

    def load_verify_locations(self, cadata):
        self._ca = bytes(cadata)  # DER, as the firmware takes it

    def wrap_socket(self, sock, server_hostname=None, do_handshake_on_connect=True):
        ctx = _ssl.SSLContext(_ssl.PROTOCOL_TLS_CLIENT)
        if self.verify_mode == tls_module.CERT_REQUIRED:
            ctx.load_verify_locations(cadata=self._ca)
            ctx.check_hostname = True
        else:
            ctx.check_hostname = False
            ctx.verify_mode = _ssl.CERT_NONE
        stats.open.discard(sock)
        s = _Sock(ctx.wrap_socket(sock._s, server_hostname=server_hostname,
                                  do_handshake_on_connect=do_handshake_on_connect))
        return s


class tls_module:
    PROTOCOL_TLS_CLIENT = 0
    CERT_NONE = 0
    CERT_REQUIRED = 2
    SSLContext = _Context
