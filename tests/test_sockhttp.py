"""iotpush.sockhttp.KeepAlive on CPython (through MicroPython-style socket/select/tls stand-ins,
tests/host/mp_socket.py): keep-alive reuse, the server closing idle connections, timeouts,
resets, garbage, the response parser on scripted raw responses, DNS caching, HTTPS with and
without certificate verification, and that every socket is closed on every error path.
The same transport runs on the real MicroPython interpreter in tests/test_keepalive_mp.py."""
import socket
import sys
import threading
import time

import pytest

from tests.host import mp_socket

EMU_KEY = "ist_TESTACCESSKEY0000000000000000"


@pytest.fixture
def ka(monkeypatch):
    """The sockhttp module wired to the MicroPython-style stand-ins."""
    import iotpush.sockhttp as sh

    monkeypatch.setattr(sh, "socket", mp_socket.socket_module)
    monkeypatch.setattr(sh, "select", mp_socket.select_module)
    monkeypatch.setitem(sys.modules, "tls", mp_socket.tls_module)
    mp_socket.stats.reset()
    yield sh
    mp_socket.stats.reset()


def _streamer(base, transport, **kw):
    from iotpush import Streamer
    from iotpush.services.initialstate import InitialState

    svc = InitialState(EMU_KEY, kw.pop("bucket", "ka"), base_url=base + "/api", rate=1000,
                       burst=1000, timeout=kw.pop("timeout", 5))
    svc.transport = transport
    return Streamer(svc, capacity=kw.pop("capacity", 64), **kw)


def _values(emu):
    return [e["value"] for e in emu.events]


def test_connection_is_reused_across_flushes(ka, hub):
    t = ka.KeepAlive(5)
    st = _streamer(hub.base("initialstate"), t)
    for r in range(4):
        for i in range(15):
            st.log("k", r * 100 + i)
        assert st.flush() == 15
    assert _values(hub["initialstate"]) == [r * 100 + i for r in range(4) for i in range(15)]
    assert t.requests == 8 and t.connects == 1 and hub.connections == 1
    assert mp_socket.stats.lookups == 1  # DNS once per host
    st.close()
    assert not mp_socket.stats.open


def test_server_closed_idle_connection_is_reopened_transparently(ka):
    from tools.emulators import Hub

    with Hub(lifetime=60, idle_timeout=0.2) as hub:
        t = ka.KeepAlive(5)
        st = _streamer(hub.base("initialstate"), t)
        st.log("k", 1)
        assert st.flush() == 1
        time.sleep(0.6)  # the server drops the idle connection meanwhile
        st.log("k", 2)
        assert st.flush() == 2 - 1
        assert _values(hub["initialstate"]) == [1, 2]  # once each
        assert t.connects == 2 and hub.connections == 2
        st.close()
    assert not mp_socket.stats.open


def test_stale_connection_detected_only_after_sending_is_resent_once(ka, hub):
    t = ka.KeepAlive(5)
    st = _streamer(hub.base("initialstate"), t)
    st.log("k", 1)
    st.flush()
    t._idle_closed = lambda: False  # miss the early check: the request meets a closed socket
    t._sock._s.shutdown(socket.SHUT_RDWR)  # as if the server had dropped it
    st.log("k", 2)
    assert st.flush() == 1
    assert _values(hub["initialstate"]) == [1, 2] and t.connects == 2
    st.close()
    assert not mp_socket.stats.open


@pytest.mark.parametrize("fault", [("stall", 2.0), ("reset",), ("garbage",), ("truncate",)])
def test_network_faults_keep_the_data_and_close_the_socket(ka, hub, mp, fault):
    from iotpush import PushError

    emu = hub["initialstate"]
    t = ka.KeepAlive(0.5)
    st = _streamer(hub.base("initialstate"), t)
    st.log("k", 1)
    st.flush()
    # A reset before any answer on a reused connection looks like a server that dropped it
    # while idle: the request goes once more on a fresh connection, where it is reset again.
    emu.inject(*([fault] * (2 if fault[0] == "reset" else 1)))
    st.log("k", 2)
    with pytest.raises(PushError) as e:
        st.flush()
    assert e.value.retained and e.value.status is None and st.pending == 1
    assert t.connects == (3 if fault[0] == "reset" else 2) - 1
    assert not mp_socket.stats.open  # the failed connection is closed
    if fault[0] == "stall":
        assert "110" in str(e.value)  # ETIMEDOUT
    mp.clock.advance(st.next_retry_ms)
    assert st.flush() == 1
    got = _values(emu)
    if fault[0] == "truncate":  # processed, the answer lost: sent again (at least once)
        assert got == [1, 2, 2]
    else:
        assert got == [1, 2]
    st.close()
    assert not mp_socket.stats.open


def test_refused_connection_is_transient_and_dns_is_looked_up_again(ka, mp):
    from iotpush import PushError

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    t = ka.KeepAlive(2)
    st = _streamer("http://127.0.0.1:%d/initialstate" % port, t)
    st.log("k", 1)
    for n in (1, 2):
        with pytest.raises(PushError) as e:
            st.flush()
        assert e.value.retained and st.pending == 1
        assert mp_socket.stats.lookups == n  # refreshed after the failure
        mp.clock.advance(st.next_retry_ms)
    assert not mp_socket.stats.open


def test_4xx_goes_to_dead_letters_and_the_connection_stays_usable(ka, hub):
    from iotpush import PushError

    emu = hub["initialstate"]
    t = ka.KeepAlive(5)
    st = _streamer(hub.base("initialstate"), t)
    emu.inject(("status", 400, {}, b'{"message": "bad"}'))
    st.log("k", 1)
    with pytest.raises(PushError) as e:
        st.flush()
    assert not e.value.retained and st.rejected == 1 and 'bad' in str(e.value)
    emu.inject(("status", 429, {"Retry-After": "7"}))
    st.log("k", 2)
    with pytest.raises(PushError) as e:
        st.flush()
    assert e.value.retained and t.retry_after == 7
    assert t.connects == 1  # error answers did not cost the connection


def test_https_verifies_the_certificate_when_given_cadata(ka, tmp_path):
    from iotpush import PushError
    from tools import selfsigned
    from tools.emulators import Hub

    if not selfsigned.available():
        pytest.skip("needs the openssl command to make a test certificate")
    good = selfsigned.make(str(tmp_path))
    other = selfsigned.make(str(tmp_path), "other")
    with Hub(lifetime=60, tls=(good["cert"], good["key"])) as hub:
        base = hub.base("initialstate")
        assert base.startswith("https://")
        t = ka.KeepAlive(5, cadata=good["der"])
        st = _streamer(base, t)
        for i in range(25):
            st.log("k", i)
        assert st.flush() == 25 and t.connects == 1
        st.close()
        bad = _streamer(base, ka.KeepAlive(5, cadata=other["der"]))
        bad.log("k", 99)
        with pytest.raises(PushError) as e:
            bad.flush()
        assert e.value.retained and bad.pending == 1
        unverified = _streamer(base, ka.KeepAlive(5))  # no cadata: encrypted, not verified
        unverified.log("k", 100)
        assert unverified.flush() == 1
        unverified.close()
        assert _values(hub["initialstate"]) == list(range(25)) + [100]
    assert not mp_socket.stats.open


def test_pem_cadata_is_taken_too(ka, tmp_path):
    from tools import selfsigned

    if not selfsigned.available():
        pytest.skip("needs the openssl command to make a test certificate")
    good = selfsigned.make(str(tmp_path))
    with open(good["cert"], "rb") as f:
        pem = f.read()
    assert ka._der(pem) == good["der"]
    assert ka._der(good["der"]) == good["der"]


def test_secrets_stay_out_of_repr_and_errors(ka, hub):
    from iotpush import PushError

    t = ka.KeepAlive(0.5)
    st = _streamer(hub.base("initialstate"), t, bucket="secretbucket123")
    st.log("k", 1)
    st.flush()
    hub["initialstate"].inject(("stall", 1.5))
    st.log("k", 2)
    with pytest.raises(PushError) as e:
        st.flush()
    for text in (repr(t), str(t), repr(st), str(e.value), st.last_error):
        assert EMU_KEY not in text and "secretbucket123" not in text


def test_bad_configuration_is_refused(ka):
    for bad in (0, -1, "5", True):
        with pytest.raises(ValueError):
            ka.KeepAlive(bad)
    with pytest.raises(TypeError):
        ka.KeepAlive(5, cadata="not bytes")
    with pytest.raises(ValueError):
        ka.KeepAlive(5).request("GET", "ftp://x/y")


# --- the response parser, on raw scripted answers ---------------------------------------------
class RawServer:
    """Answers each request on 127.0.0.1 with the next scripted raw response: (pieces, close)."""

    def __init__(self, *script):
        self.script = list(script)
        self.requests = []
        self.connections = 0
        self._ls = socket.socket()
        self._ls.bind(("127.0.0.1", 0))
        self._ls.listen(4)
        self._ls.settimeout(0.2)
        self.port = self._ls.getsockname()[1]
        self._stop = time.time() + 30
        self._t = threading.Thread(target=self._serve, daemon=True)
        self._t.start()

    def _serve(self):
        while time.time() < self._stop:
            try:
                c, _ = self._ls.accept()
            except OSError:
                continue
            self.connections += 1
            c.settimeout(5)
            with c:
                data = b""
                while self.script and time.time() < self._stop:
                    while b"\r\n\r\n" not in data:
                        more = c.recv(4096)
                        if not more:
                            break
                        data += more
                    if b"\r\n\r\n" not in data:
                        break
                    head, data = data.split(b"\r\n\r\n", 1)
                    n = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            n = int(line.split(b":")[1])
                    while len(data) < n:
                        data += c.recv(4096)
                    self.requests.append((head, data[:n]))
                    data = data[n:]
                    pieces, close = self.script.pop(0)
                    for p in pieces:
                        c.sendall(p)
                        time.sleep(0.01)
                    if close:
                        break
        self._ls.close()

    def stop(self):
        self._stop = 0
        self._t.join(2)


@pytest.fixture
def raw():
    servers = []

    def make(*script):
        servers.append(RawServer(*script))
        return servers[-1]

    yield make
    for s in servers:
        s.stop()


def test_parser_handles_chunked_split_long_headers_and_close(ka, raw):
    long_hdr = b"X-Long: " + b"a" * 700 + b"\r\n"
    srv = raw(
        ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;x=1\r\nefg\r\n0\r\n\r\n"], False),
        ([b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n", long_hdr,
          b"Content-Length: 5\r\nRetry-After: 3\r\n\r\nhel", b"lo"], False),
        ([b"HT", b"TP/1.1 503 Busy\r\nconnection: Close\r\ncontent-length: 4\r\n\r\nnope"], True),
        ([b"HTTP/1.0 200 OK\r\n\r\nto the end"], True),
    )
    t = ka.KeepAlive(2, bufsize=64)
    url = "http://127.0.0.1:%d/x" % srv.port
    assert t.request("POST", url, b"[1]", {"A": "b"}, 100) == 200 and t.body == b"abcdefg"
    assert t.request("GET", url, None, None, 3) == 201 and t.body == b"hel"
    assert t.retry_after == 3 and t.connects == 1
    assert t.request("GET", url, None, None, 0, 10) == 503 and t.body == b"nope"
    assert t._sock is None  # Connection: close honoured
    seen = []
    assert t.request("GET", url, None, None, seen.append) == 200
    assert seen[0].read() == b"to the end" and t._sock is None  # HTTP/1.0 body to EOF
    assert t.connects == 2 and srv.connections == 2
    head, body = srv.requests[0]
    assert head.startswith(b"POST /x HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % srv.port)
    assert b"\r\nA: b\r\nContent-Length: 3" in head and body == b"[1]"
    assert not mp_socket.stats.open


@pytest.mark.parametrize("answer", [b"garbage\r\n\r\n", b"HTTP/1.1 20", b"",
                                    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"])
def test_parser_refuses_bad_answers_and_closes(ka, raw, answer):
    srv = raw(([answer], True))
    t = ka.KeepAlive(2)
    with pytest.raises((ValueError, OSError)):
        t.request("GET", "http://127.0.0.1:%d/x" % srv.port)
    assert t._sock is None and not mp_socket.stats.open
