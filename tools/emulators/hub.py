"""The emulator hub: one HTTP server on 127.0.0.1 hosting every service emulator.

Each emulator is mounted under its own prefix: http://127.0.0.1:<port>/<name>/..., so a service's
base URL for tests is e.g. http://127.0.0.1:<port>/initialstate/api. The hub records every
request, injects faults on demand (scripted or random, for the reliability tests), and stops by
itself after `lifetime` seconds so a forgotten server never outlives a test run.
"""
import json
import random
import socket
import ssl
import struct
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 4 * 1024 * 1024


class Request:
    """One received request: method, path (below the emulator's prefix), query pairs, headers
    (name, value) in wire order, body bytes, and the raw head as sent."""

    def __init__(self, method, target, path, query, headers, body, head):
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.head = head
        self.t = time.time()

    def header(self, name, default=None):
        n = name.lower()
        for k, v in self.headers:
            if k.lower() == n:
                return v
        return default

    def header_count(self, name):
        n = name.lower()
        return sum(1 for k, _ in self.headers if k.lower() == n)

    def arg(self, name, default=None):
        for k, v in self.query:
            if k == name:
                return v
        return default

    def json(self):
        """The body parsed as JSON; raises Reject(400) if it is not valid UTF-8 JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise Reject(400, {"message": "body is not valid JSON"})

    def __repr__(self):
        return "<Request %s %s %d bytes>" % (self.method, self.target, len(self.body))


class Reply:
    def __init__(self, status, body=b"", headers=None):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
            headers = dict(headers or {})
            headers.setdefault("Content-Type", "application/json")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    def __repr__(self):
        return "<Reply %d>" % self.status


class Reject(Exception):
    """Raised inside an emulator to answer with an error (strict validation failed)."""

    def __init__(self, status, body=b"", headers=None):
        super().__init__(status, body)
        self.reply = Reply(status, body, headers)


class Emulator:
    """Base class: subclasses implement handle(req) -> Reply (raise Reject for errors)."""

    name = "emulator"

    def __init__(self):
        self.lock = threading.RLock()
        self.log = []  # (Request, Reply or fault name)
        self.faults = []  # scripted faults for the next requests
        self.chaos = None  # (random.Random, [(probability, fault), ...])
        self.accepted_requests = 0
        self.acks_cut = []  # (Request, fault name, delay s): accepted, but the reply was cut or late
        self.late_after = None  # seconds: a 2xx reply sent later than this counts in acks_cut too

    # --- fault injection ----------------------------------------------------------------------
    def inject(self, *faults):
        """Queue faults for the next requests, one per request, e.g.
        ("status", 503), ("status", 429, {"Retry-After": "1"}), ("reset",), ("stall", 3.0),
        ("truncate",) -- processed, then the reply is cut (the ack is lost) --, ("stall_ack", 3.0)
        -- processed, reply sent after a delay --, ("garbage",), ("refuse", 0.5) -- this
        connection reset, then the hub's listener closed (connections refused) for 0.5 s.
        Accepted requests whose reply was cut or delayed are listed in `acks_cut`."""
        with self.lock:
            self.faults.extend(faults)

    def set_chaos(self, seed, table):
        """Random faults: table = [(probability, fault tuple), ...]; None turns it off."""
        with self.lock:
            self.chaos = None if table is None else (random.Random(seed), list(table))

    def _next_fault(self):
        with self.lock:
            if self.faults:
                return self.faults.pop(0)
            if self.chaos:
                rng, table = self.chaos
                x = rng.random()
                for p, fault in table:
                    if x < p:
                        return fault
                    x -= p
        return None

    # --- hooks ----------------------------------------------------------------------------------
    def handle(self, req):
        raise Reject(404, {"message": "no such route"})

    def reset(self):
        with self.lock:
            self.log.clear()
            self.faults.clear()
            self.chaos = None
            self.acks_cut.clear()

    def streams(self):
        """{stream name: [[unix seconds or None, value], ...]} of what arrived (dashboard)."""
        return {}

    def requests_to(self, path=None, method=None):
        with self.lock:
            return [r for r, _ in self.log
                    if (path is None or r.path == path) and (method is None or r.method == method)]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "iotpush-emulator"

    def log_message(self, fmt, *args):  # quiet
        pass

    def setup(self):
        self.timeout = self.server.idle_timeout  # None: connections may idle as long as they like
        super().setup()

    def _read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
                if len(out) > MAX_BODY:
                    raise Reject(413, {"message": "body too large"})
        n = self.headers.get("Content-Length")
        if n is None:
            return b""
        n = int(n)
        if n > MAX_BODY:
            raise Reject(413, {"message": "body too large"})
        return self.rfile.read(n)

    def _dispatch(self):
        hub = self.server.hub
        parsed = urllib.parse.urlsplit(self.path)
        parts = parsed.path.split("/", 2)
        name = parts[1] if len(parts) > 1 else ""
        sub = "/" + parts[2] if len(parts) > 2 else "/"
        query = urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)
        head = self.requestline + "\r\n" + "".join("%s: %s\r\n" % kv for kv in self.headers.items())
        try:
            body = self._read_body()
        except Reject as r:
            return self._send(r.reply)
        req = Request(self.command, self.path, sub, query, list(self.headers.items()), body, head)
        if name == "_hub":
            return self._send(hub.control(req))
        emu = hub.emulators.get(name)
        if emu is None:
            return self._send(Reply(404, {"message": "no emulator named %r" % name}))
        fault = emu._next_fault()
        kind = fault[0] if fault else None
        if kind == "status":
            reply = Reply(fault[1], fault[3] if len(fault) > 3 else b"",
                          fault[2] if len(fault) > 2 else None)
            with emu.lock:
                emu.log.append((req, "fault:status %d" % fault[1]))
            return self._send(reply)
        if kind in ("reset", "stall", "garbage", "refuse"):
            with emu.lock:
                emu.log.append((req, "fault:" + kind))
            if kind == "stall":
                time.sleep(fault[1])
            elif kind == "garbage":
                self.wfile.write(b"\x00\x17garbage\r\n\r\n")
            elif kind == "refuse":
                hub.refuse_for(fault[1])
            return self._abort()
        try:
            with emu.lock:
                reply = emu.handle(req)
        except Reject as r:
            reply = r.reply
        with emu.lock:
            emu.log.append((req, reply))
            if 200 <= reply.status < 300:
                emu.accepted_requests += 1
                if kind in ("truncate", "stall_ack"):
                    emu.acks_cut.append((req, kind, fault[1] if kind == "stall_ack" else 0))
        if kind == "truncate":
            raw = self._raw(reply)
            self.wfile.write(raw[: max(1, len(raw) // 3)] if len(raw) > 20 else b"HT")
            return self._abort()
        if kind == "stall_ack":
            time.sleep(fault[1])
        self._send(reply)
        late = time.time() - req.t
        if emu.late_after is not None and kind is None and late > emu.late_after and \
                200 <= reply.status < 300:
            with emu.lock:  # a busy host: the client may have given up waiting
                emu.acks_cut.append((req, "late", late))

    def _raw(self, reply):
        lines = ["HTTP/1.1 %d %s" % (reply.status, self.responses.get(reply.status, ("",))[0])]
        for k, v in reply.headers.items():
            lines.append("%s: %s" % (k, v))
        lines.append("Content-Length: %d" % len(reply.body))
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + reply.body

    def _send(self, reply):
        try:
            self.wfile.write(self._raw(reply))
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _abort(self):
        """Drop the connection with a TCP reset (no HTTP reply)."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    tls = None  # ssl.SSLContext: serve HTTPS (the handshake runs in the connection's thread)
    idle_timeout = None  # seconds a kept-alive connection may idle before the server closes it
    connections = 0  # connections accepted

    def process_request(self, request, client_address):
        self.connections += 1
        super().process_request(request, client_address)

    def finish_request(self, request, client_address):
        if self.tls is not None:
            request.settimeout(10)
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (OSError, ValueError):  # failed handshake (e.g. the client refused our cert)
                request.close()
                return
            request.settimeout(None)
        super().finish_request(request, client_address)


class Hub:
    """Serves emulators on 127.0.0.1 (or `host`). Use as a context manager or start()/stop()."""

    def __init__(self, emulators=None, host="127.0.0.1", port=0, lifetime=600, tls=None,
                 idle_timeout=None):
        """tls: an ssl.SSLContext (server side) or a (certfile, keyfile) pair to serve HTTPS;
        idle_timeout: seconds after which the server drops an idle keep-alive connection."""
        if emulators is None:
            from . import all_emulators

            emulators = all_emulators()
        self.emulators = {e.name: e for e in emulators}
        self.host = host
        self.port = port
        self.lifetime = lifetime
        self._server = None
        self._timer = None
        self._lock = threading.Lock()
        self._stopped = False
        self._paused = False
        self.refusals = 0  # times the listener was closed by pause() / a "refuse" fault
        self.extra_routes = {}  # "/_hub/<name>" -> callable(req) -> Reply (dashboard pages)
        if tls is not None and not isinstance(tls, ssl.SSLContext):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            tls = ctx
        self.tls = tls
        self.idle_timeout = idle_timeout

    def __getitem__(self, name):
        return self.emulators[name]

    def _listen(self):
        srv = _Server((self.host, self.port), _Handler)
        srv.hub = self
        srv.tls = self.tls
        srv.idle_timeout = self.idle_timeout
        self.port = srv.server_address[1]
        threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
        return srv

    def start(self):
        self._stopped = False
        self._server = self._listen()
        if self.lifetime:
            self._timer = threading.Timer(self.lifetime, self.stop)
            self._timer.daemon = True
            self._timer.start()
        return self

    def stop(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        with self._lock:
            self._stopped = True
            srv, self._server = self._server, None
        if srv is not None:
            srv.shutdown()
            srv.server_close()

    def pause(self):
        """Close the listening socket: new connections are refused (ECONNREFUSED) until
        resume(). Requests already accepted are answered. Returns False if already paused."""
        with self._lock:
            if self._paused or self._stopped or self._server is None:
                return False
            self._paused = True
            srv = self._server
            self.refusals += 1
        srv.shutdown()
        srv.server_close()
        return True

    def resume(self):
        """Listen again on the same port."""
        with self._lock:
            if self._paused and not self._stopped:
                self._server = self._listen()
            self._paused = False

    def refuse_for(self, seconds):
        """pause() now and resume() after `seconds`, from a thread of its own."""
        def run():
            if self.pause():
                time.sleep(seconds)
                self.resume()

        threading.Thread(target=run, daemon=True).start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def connections(self):
        """TCP connections accepted so far (keep-alive tests count them)."""
        return self._server.connections if self._server is not None else 0

    @property
    def url(self):
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return "%s://%s:%d" % ("https" if self.tls else "http", host, self.port)

    def base(self, name):
        """The URL under which emulator `name` answers, e.g. http://127.0.0.1:5000/initialstate"""
        return "%s/%s" % (self.url, name)

    def reset(self):
        for e in self.emulators.values():
            e.reset()

    def control(self, req):
        route = req.path.strip("/")
        if route in self.extra_routes:
            return self.extra_routes[route](req)
        if route == "received":
            out = {}
            for name, e in self.emulators.items():
                with e.lock:
                    out[name] = {"requests": len(e.log), "streams": e.streams()}
            return Reply(200, out)
        return Reply(404, {"message": "unknown hub route"})
