"""The transport's response handling: Retry-After in any form, header floods, redirects (the
frozen client would follow one to any host with our credentials, without a timeout), the DNS
cache, and a fuzz of the whole response path (frozen-requests-compatible parsing in
tests/host/mp_requests.py + our header callback + the Streamer's outcome)."""
import socket
import threading
import time

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as hs

from tests.host import mp_requests

KEY = "ist_TESTACCESSKEY0000000000000000"


def _svc(base, **kw):
    from iotpush.services.initialstate import InitialState

    return InitialState(KEY, "bk", base_url=base, rate=1000, burst=1000, **kw)


# --- Retry-After ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name,value,wait", [
    ("Retry-After", "7", 7000), ("retry-after", "7", 7000), ("RETRY-AFTER", " 7 ", 7000),
    ("rEtRy-AfTeR", "0", 0),
    ("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT", None),  # an HTTP-date: our backoff applies
    ("Retry-After", "-3", None), ("Retry-After", "1e9", None), ("Retry-After", "", None),
    ("Retry-After", "99999999999999", None),  # absurd: ignored
])
def test_retry_after_in_any_case_and_form(http, name, value, wait):
    from iotpush import PushError, Streamer

    http.answer((429, {name: value}, b""))
    st = Streamer(_svc("https://groker.init.st/api"), capacity=4)
    st.log("x", 1)
    with pytest.raises(PushError):
        st.flush()
    if wait is None:
        assert 500 <= st.next_retry_ms <= 1000  # the first backoff step, with jitter
    else:
        assert st.next_retry_ms == wait or wait - st.next_retry_ms < 5
    assert st.pending == 1


def test_a_flood_of_header_lines_is_cut_short(http):
    from iotpush import PushError, Streamer

    http.answer((204, {"X-%d" % i: "v" for i in range(100)}, b""))
    st = Streamer(_svc("https://groker.init.st/api"), capacity=4)
    st.log("x", 1)
    with pytest.raises(PushError) as e:
        st.flush()
    assert e.value.retained and "header lines" in str(e.value) and st.pending == 1


# --- redirects -----------------------------------------------------------------------------------
class Trap:
    """A listener that records whoever connects (a redirect target that must stay unvisited)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.got = []
        self._stop = False
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        deadline = time.monotonic() + 30
        while not self._stop and time.monotonic() < deadline:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            c.settimeout(1)
            try:
                self.got.append(c.recv(4096))
                c.sendall(b"HTTP/1.0 204 No Content\r\n\r\n")
            except OSError:
                pass
            c.close()

    def close(self):
        self._stop = True
        self._t.join(2)
        self.sock.close()


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/steal", "https://127.0.0.1:{port}/x",
                                    "//127.0.0.1:{port}/x"])
def test_a_redirect_to_another_origin_is_refused_and_leaks_nothing(hub, target):
    from iotpush import PushError, Streamer

    trap = Trap()
    try:
        emu = hub["initialstate"]
        emu.inject(("status", 302, {"Location": target.format(port=trap.port)}),
                   ("status", 307, {"Location": target.format(port=trap.port)}))
        st = Streamer(_svc(hub.base("initialstate") + "/api"), capacity=4)
        st.log("x", 1)
        for _ in range(2):
            with pytest.raises(PushError) as e:
                st.flush()
            st._backoff.reset()
            assert e.value.retained and "refused" in str(e.value)
        assert st.flush() == 1 and [ev["value"] for ev in emu.events] == [1]
    finally:
        trap.close()
    assert trap.got == [] and not mp_requests.open_sockets


def test_a_same_origin_redirect_is_followed_with_a_timeout_and_loops_are_cut(hub, mp):
    from iotpush import PushError, Streamer

    emu = hub["initialstate"]
    base = hub.base("initialstate") + "/api"
    emu.inject(("status", 307, {"Location": base + "/events"}))
    st = Streamer(_svc(base, timeout=2), capacity=4)
    st.log("x", 1)
    assert st.flush() == 1  # followed (same origin), delivered
    emu.inject(*[("status", 307, {"Location": base + "/events"})] * 5)  # a redirect loop
    st.log("x", 2)
    with pytest.raises(PushError) as e:
        st.flush()
    assert "too many redirects" in str(e.value) and e.value.retained
    assert len(emu.log) == 2 + 3  # at most three connections for one request
    assert not mp_requests.open_sockets


def test_every_socket_gets_the_timeout_even_on_a_redirect_hop(hub, monkeypatch):
    import iotpush.transport as tr
    from iotpush import Streamer

    timeouts = []  # per socket opened: the timeouts it was given
    real = tr._tracker._mod

    class Mod:
        def __getattr__(self, n):
            return getattr(real, n)

        def socket(self, *a):
            s = real.socket(*a)
            seen = []
            timeouts.append(seen)
            orig = s.settimeout
            s.settimeout = lambda t: (seen.append(t), orig(t))
            return s

    monkeypatch.setattr(tr._tracker, "_mod", Mod())
    base = hub.base("initialstate") + "/api"
    hub["initialstate"].inject(("status", 307, {"Location": base + "/events"}))
    st = Streamer(_svc(base, timeout=3), capacity=4)
    st.log("x", 1)
    assert st.flush() == 1
    assert len(timeouts) == 2  # the request, then the redirect hop
    assert timeouts[0] == [3, 3]  # ours, then the frozen client's own
    assert timeouts[1] == [3]  # the client passes no timeout on the hop: only ours


# --- DNS -----------------------------------------------------------------------------------------
def test_dns_answers_are_reused_and_a_failed_lookup_falls_back(hub, mp, monkeypatch):
    from iotpush import Streamer
    import iotpush.transport as tr

    calls = []
    real = mp_requests._SocketModule.getaddrinfo
    fail = [False]

    def counting(host, port, *a):
        calls.append(host)
        if fail[0]:
            raise OSError("[addrinfo error -3]")
        return real(host, port, *a)

    monkeypatch.setattr(tr._tracker._mod, "getaddrinfo", counting)
    base = hub.base("initialstate").replace("127.0.0.1", "localhost") + "/api"
    st = Streamer(_svc(base), capacity=4)
    for i in range(3):
        st.log("x", i)
        assert st.flush() == 1
    assert calls == ["localhost"]  # one lookup for three requests
    mp.clock.advance(300001)
    fail[0] = True  # the resolver is down now
    st.log("x", 3)
    assert st.flush() == 1  # the last answer is used
    assert len(calls) == 2
    st.log("x", 4)
    assert st.flush() == 1 and len(calls) == 3  # and the next request tries the resolver again


# --- fuzzing the response path ------------------------------------------------------------------
class FuzzSock:
    """A socket whose peer answers `data` (then EOF or a reset)."""

    opened = []

    def __init__(self, data, reset):
        import io

        self._r = io.BytesIO(data)
        self._reset = reset
        self.closed = False
        FuzzSock.opened.append(self)

    def settimeout(self, t):
        pass

    def connect(self, addr):
        pass

    def write(self, b):
        return len(b)

    def _eof(self, got):
        if not got and self._reset:
            raise OSError(104, "ECONNRESET")
        return got

    def readline(self):
        return self._eof(self._r.readline())

    def read(self, n=-1):
        return self._eof(self._r.read(n))

    def readinto(self, buf):
        return self._r.readinto(buf)

    def close(self):
        self.closed = True


STATUS = hs.sampled_from([b"HTTP/1.1 204 No Content", b"HTTP/1.0 200 OK", b"HTTP/1.1 429 Too",
                          b"HTTP/1.1 503 x", b"HTTP/1.1 401", b"HTTP/1.1 302 Found", b"HTTP/1.1",
                          b"garbage", b"", b"HTTP/1.1 abc", b"HTTP/1.1 99999999999999999999 x",
                          b"\xff\xfe \x00 200"])
HEADER = hs.one_of(
    hs.tuples(hs.sampled_from([b"Retry-After", b"retry-after", b"Location", b"Transfer-Encoding",
                               b"Content-Length", b"X-RateLimit-Reset"]),
              hs.one_of(hs.binary(max_size=30), hs.sampled_from([
                  b"5", b"chunked", b"http://evil.example/x", b"/relative", b"-1"]))
              ).map(lambda kv: kv[0] + b": " + kv[1]),
    hs.binary(max_size=60).filter(lambda b: b"\n" not in b))
RESPONSE = hs.one_of(
    hs.binary(max_size=300),
    hs.tuples(STATUS, hs.lists(HEADER, max_size=80), hs.binary(max_size=100)).map(
        lambda t: t[0] + b"\r\n" + b"".join(h + b"\r\n" for h in t[1]) + b"\r\n" + t[2]))


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RESPONSE, hs.booleans())
def test_fuzzed_responses_never_crash_and_never_lose_an_event(data, reset):
    # runs under the autouse `mp` fixture: the library sees MicroPython's modules
    import iotpush.transport as tr
    from iotpush import PushError, Streamer
    from iotpush.streamer import NET_ERRORS

    class Mod:
        SOCK_STREAM, AF_INET = socket.SOCK_STREAM, socket.AF_INET

        @staticmethod
        def getaddrinfo(host, port, *a):
            return [(2, 1, 0, "", ("127.0.0.1", port))]

        @staticmethod
        def socket(*a):
            return FuzzSock(data, reset)

    FuzzSock.opened.clear()
    saved = tr._tracker._mod
    tr._tracker._mod = Mod()
    try:
        t = tr.Transport(timeout=1)
        try:
            status = t.request("POST", "http://h.example/api/events", b"[]", {}, 64, 256)
            assert isinstance(status, int) and isinstance(t.retry_after, int) and t.retry_after >= -1
            assert t.body is None or len(t.body) <= 256
            event("status %dxx%s" % (status // 100, " retry-after" if t.retry_after >= 0 else ""))
        except NET_ERRORS as e:
            event(type(e).__name__)
        assert FuzzSock.opened and all(s.closed for s in FuzzSock.opened)  # nothing left open

        FuzzSock.opened.clear()
        st = Streamer(_svc("http://h.example/api"), capacity=8)
        for i in range(3):
            st.log("k", i)
        try:
            st.flush()
        except PushError as e:
            assert e.retained == (st.pending == 3)
        assert st.pending + st.delivered + st.rejected == 3  # delivered, kept or dead-lettered
        assert all(s.closed for s in FuzzSock.opened) and len(FuzzSock.opened) <= 3
        assert KEY not in repr(st) and KEY not in str(st.last_error)
    finally:
        tr._tracker._mod = saved


def test_other_users_of_requests_are_not_counted_or_limited(hub):
    """The stand-in `socket` inside `requests` only acts during our own requests: a program
    that also calls requests directly is not refused after three sockets, nor given our
    timeout."""
    import requests

    import iotpush.transport  # noqa: F401  (installs the stand-in)

    for _ in range(5):
        r = requests.get(hub.url + "/_hub/received")
        assert r.status_code == 200
        r.close()
