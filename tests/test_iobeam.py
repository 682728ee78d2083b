"""iobeam: golden requests against the official client's capture, every error class of the spec,
the refreshed token used everywhere after, saveToDisk, bad input, the emulator end to end over
HTTP, and the library on MicroPython (64K heap) pushing 500 rows to the emulator."""
import json
import re
import time
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from tests.host.captures import api_headers, scenario

_REFRESH = scenario("iobeam", "token_refresh_then_register")["requests"][0]
TOKEN_OLD = _REFRESH["body_json"]["refresh_token"]
TOKEN_REG = scenario("iobeam", "register_server_generated_id")["requests"][0]["headers"]
TOKEN_REG = dict(TOKEN_REG)["Authorization"][7:]
CAPTURE_NOW = 1795303148  # when the capture was taken: TOKEN_OLD had expired an hour before
BACKEND = "https://api.iobeam.com/v1/"


SHARED_HUB = True  # one emulator hub for this module, reset before each test (conftest)


@pytest.fixture
def http(http):
    """The scripted fake HTTP of conftest; unscripted requests get iobeam's success, a 200."""
    http.default = 200
    return http


@pytest.fixture
def wall(monkeypatch):
    """Pin the wall clock (time.time and the library's clock) to Unix seconds t: wall(t)."""
    def pin(t):
        from iotpush.clock import clock

        monkeypatch.setattr(time, "time", lambda: float(t))
        clock.resync()
    return pin


def _answer(capture_request):
    r = capture_request["response"]
    return r["status"], r["headers"], r["body"].encode()


def _path(sent):
    return urllib.parse.urlsplit(sent.url).path


def _builder(token=TOKEN_REG, **kw):
    from iotpush.services.iobeam import ClientBuilder

    b = ClientBuilder(4242, token).setBackend(kw.pop("backend", BACKEND))
    for k, v in kw.items():
        getattr(b, k)(*v) if isinstance(v, tuple) else getattr(b, k)(v)
    return b


# --- golden: the official client's requests -------------------------------------------------------
def test_golden_refresh_then_register_and_the_new_token_everywhere_after(http, wall):
    from iotpush.services.iobeam import Timestamp

    cap = scenario("iobeam", "token_refresh_then_register")
    refresh, register = cap["requests"]
    new = json.loads(refresh["response"]["body"])["token"]
    wall(CAPTURE_NOW)
    http.answer(_answer(refresh), _answer(register), 200)
    c = _builder(TOKEN_OLD).registerDevice(deviceId="iotpush-dev-1",
                                           deviceName="iotpush device 1").build()
    assert c.getDeviceId() == "iotpush-dev-1"
    ours = http.sent
    assert (ours[0].method, _path(ours[0])) == (refresh["method"], refresh["path"])
    assert api_headers(ours[0].headers) == api_headers(refresh["headers"])  # no Authorization
    assert "authorization" not in api_headers(ours[0].headers)
    assert ours[0].json() == refresh["body_json"]
    assert (ours[1].method, _path(ours[1])) == (register["method"], register["path"])
    assert ours[1].json() == register["body_json"]
    # The official client sends the expired token after refreshing it; we send the new one.
    assert cap["client_outcome"]["returned"]["device_service_still_uses_expired_token"]
    assert dict(register["headers"])["Authorization"] == "Bearer " + TOKEN_OLD
    theirs = api_headers(register["headers"])
    theirs["authorization"] = "Bearer " + new
    assert api_headers(ours[1].headers) == theirs
    # ... and for imports (the capture's imports carry the expired token too)
    s = c.createDataStore(["temperature"])
    s.add(Timestamp(1700000000000), {"temperature": 1})
    assert c.send() is True
    assert ours[2].headers["Authorization"] == "Bearer " + new and len(ours) == 3


def test_golden_register_with_a_server_generated_id(http, wall):
    req = scenario("iobeam", "register_server_generated_id")["requests"][0]
    wall(CAPTURE_NOW)
    http.answer(_answer(req))
    c = _builder().registerDevice().build()
    assert c.getDeviceId() == "gen-7f3a9c2e" and c.isRegistered()
    sent = http.sent[0]
    assert (sent.method, _path(sent)) == (req["method"], req["path"])
    assert api_headers(sent.headers) == api_headers(req["headers"])
    assert sent.body == req["body_text"].encode()  # {"project_id": 4242}, byte for byte


def test_golden_duplicate_id_adopted_by_register_or_set_id(http, wall):
    req = scenario("iobeam", "register_duplicate_id_or_set")["requests"][0]
    wall(CAPTURE_NOW)
    http.answer(_answer(req))
    c = _builder().registerOrSetId("iotpush-dev-1").build()
    assert c.getDeviceId() == "iotpush-dev-1"
    sent = http.sent[0]
    assert api_headers(sent.headers) == api_headers(req["headers"])
    assert sent.body == req["body_text"].encode()


def test_golden_duplicate_id_raises_with_register_device(http, wall):
    from iotpush import PushError
    from iotpush.services.iobeam import DuplicateIdError

    cap = scenario("iobeam", "register_duplicate_id_strict")
    req = cap["requests"][0]
    wall(CAPTURE_NOW)
    http.answer(_answer(req))
    with pytest.raises(DuplicateIdError) as e:
        _builder().registerDevice(deviceId="iotpush-dev-1").build()
    assert cap["client_outcome"]["exception"].endswith("DuplicateIdError")
    assert "already registered" in str(e.value) and e.value.status == 422
    assert isinstance(e.value, PushError)
    assert http.sent[0].json() == req["body_json"]


def test_golden_table_import(http, wall):
    from iotpush.services.iobeam import Timestamp, TimeUnit

    req = scenario("iobeam", "datastore_two_streams_send")["requests"][0]
    wall(1795200000)  # TOKEN_OLD was still good for more than a day: no refresh, same header
    http.answer(_answer(req))
    c = _builder(TOKEN_OLD, setDeviceId="iotpush-dev-1").build()
    s = c.createDataStore(["temperature", "humidity"])
    s.add(Timestamp(1700000000000), {"temperature": 21.5, "humidity": 40})
    s.add(Timestamp(1700000001, unit=TimeUnit.SECONDS), {"temperature": 21.75})
    s.add(Timestamp(1700000002500000, unit=TimeUnit.MICROSECONDS), {"humidity": 41.25})
    assert c.send() is True and s.pending == 0
    sent = http.sent[0]
    assert (sent.method, _path(sent)) == (req["method"], req["path"])
    assert urllib.parse.parse_qsl(urllib.parse.urlsplit(sent.url).query) == [("fmt", "table")]
    assert api_headers(sent.headers) == api_headers(req["headers"])
    assert sent.json() == req["body_json"]
    assert sent.body == req["body_text"].encode()  # even byte for byte


def test_golden_one_column_table(http, wall):
    req = scenario("iobeam", "legacy_datapoint_int_send")["requests"][0]
    wall(1795200000)
    http.answer(_answer(req))
    c = _builder(TOKEN_OLD, setDeviceId="iotpush-dev-1").build()
    c.createDataStore(["pressure"]).add(1700000003000, {"pressure": 1013})
    assert c.send() is True
    assert http.sent[0].json() == req["body_json"]


def test_400_goes_to_dead_letters_instead_of_being_resent_forever(http, wall):
    """The official client keeps a refused batch and resends it on every send() (capture
    send_again_after_error); a 4xx means the service will never take it, so it moves to the
    store's dead letters (body kept, counted) and send() raises PushError(retained=False)."""
    from iotpush import PushError
    from iotpush.services.iobeam import Timestamp

    bad = scenario("iobeam", "send_400_error")
    req = bad["requests"][0]
    wall(1795200000)
    http.answer(_answer(req))
    c = _builder(TOKEN_OLD, setDeviceId="iotpush-dev-1").build()
    s = c.createDataStore(["temperature", "humidity"])
    s.add(Timestamp(1700000004000), {"temperature": 22.0})
    with pytest.raises(PushError) as e:
        c.send()
    assert e.value.status == 400 and e.value.retained is False
    assert "invalid request" in str(e.value) and "invalid request" in bad["client_outcome"]["message"]
    assert http.sent[0].json() == req["body_json"]
    assert s.pending == 0 and s.rejected == 1 and s.dead.batches == 1
    assert json.loads(s.dead.items[0][1]) == req["body_json"]  # kept, not silently gone
    assert c.send() is True and len(http.sent) == 1  # not resent


# --- error paths (scripted HTTP) ------------------------------------------------------------------
def _client(http, **kw):
    return _builder(setDeviceId="dev-1", **kw).build()


def _rows(store, n, t0=1700000000000):
    col = store.columns()[0]
    for i in range(n):
        store.add(t0 + i, {col: i * 0.5})


@pytest.mark.parametrize("fault", [503, 500, 429, 408, OSError(110), OSError(104), 201, 204, 302])
def test_transient_failures_keep_the_rows_and_back_off(http, mp, fault):
    from iotpush import PushError

    c = _client(http)
    s = c.createDataStore(["t"])
    _rows(s, 3)
    http.answer(fault)
    with pytest.raises(PushError) as e:
        c.send()
    assert e.value.retained is True and s.pending == 3 and s.rejected == 0
    assert e.value.status == (None if isinstance(fault, OSError) else fault)
    first = http.sent[0].body
    wait = c.wait_ms()
    assert wait > 0
    with pytest.raises(PushError) as e2:  # backoff pending: no request at all
        c.send()
    assert e2.value.retained and "next try" in str(e2.value) and len(http.sent) == 1
    mp.clock.advance(wait)
    http.answer(200)
    assert c.send() is True and s.pending == 0
    assert http.sent[1].body == first  # the same rows went out again


def test_retry_after_is_honoured(http, mp):
    from iotpush import PushError

    c = _client(http)
    s = c.createDataStore(["t"])
    _rows(s, 1)
    http.answer((429, {"Retry-After": "7"}, b""))
    with pytest.raises(PushError):
        c.send()
    assert 6000 < c.wait_ms() <= 7000


@pytest.mark.parametrize("status", [400, 404, 413, 422])
def test_other_4xx_moves_that_request_to_dead_letters_and_later_stores_wait(http, status):
    from iotpush import PushError

    c = _client(http)
    a = c.createDataStore(["a"])
    b = c.createDataStore(["b"])
    _rows(a, 2)
    _rows(b, 2)
    http.answer((status, {}, b'{"errors": [{"code": 100, "message": "no"}]}'))
    with pytest.raises(PushError) as e:
        c.send()
    assert e.value.status == status and not e.value.retained
    assert a.rejected == 2 and a.pending == 0 and b.pending == 2 and len(http.sent) == 1
    assert c.send() is True and b.pending == 0 and len(http.sent) == 2


@pytest.mark.parametrize("status", [401, 403])
def test_refused_token_keeps_the_rows_and_is_refreshed_before_the_next_try(http, mp, status):
    from iotpush import PushError

    c = _client(http)
    s = c.createDataStore(["t"])
    _rows(s, 2)
    http.answer(status)
    with pytest.raises(PushError) as e:
        c.send()
    assert e.value.status == status and e.value.retained and s.pending == 2
    mp.clock.advance(c.wait_ms())
    new = _token(exp=time.time() + 30 * 86400)
    http.answer((200, {}, json.dumps({"token": new}).encode()), 200)
    assert c.send() is True
    refresh, again = http.sent[1:]
    assert _path(refresh) == "/v1/tokens/project" and "Authorization" not in refresh.headers
    assert refresh.json() == {"refresh_token": TOKEN_REG}
    assert again.headers["Authorization"] == "Bearer " + new and again.body == http.sent[0].body


def _token(exp, **claims):
    import base64

    claims["exp"] = int(exp)
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return "eyJhbGciOiJIUzI1NiJ9." + body + ".c2lnbmF0dXJl"


def test_token_is_refreshed_when_it_nears_expiry_while_running(http, mp):
    tok_exp = time.time() + 2 * 86400
    c2 = _builder(_token(tok_exp), setDeviceId="dev-1").build()
    s = c2.createDataStore(["t"])
    _rows(s, 1)
    assert c2.send() is True and len(http.sent) == 1  # more than 24 h left: no refresh
    mp.clock.advance(int(1.01 * 86400 * 1000))  # now less than 24 h before exp
    new = _token(time.time() + 30 * 86400, n=2)
    http.answer((200, {}, json.dumps({"token": new}).encode()), 200)
    _rows(s, 1, 1700000001000)
    assert c2.send() is True
    assert [_path(r) for r in http.sent] == ["/v1/imports", "/v1/tokens/project", "/v1/imports"]
    assert http.sent[2].headers["Authorization"] == "Bearer " + new


@pytest.mark.parametrize("answer", [500, OSError(113), 403, (200, {}, b"not json"),
                                    (200, {}, b'{"token": "not-a-jwt"}'), 201])
def test_failed_refresh_keeps_the_rows_and_backs_off(http, mp, wall, answer):
    from iotpush import PushError

    wall(CAPTURE_NOW)
    c = _builder(TOKEN_OLD, setDeviceId="dev-1").build()  # expired: refreshed before sending
    s = c.createDataStore(["t"])
    _rows(s, 2)
    http.answer(answer)
    with pytest.raises(PushError) as e:
        c.send()
    assert e.value.retained and s.pending == 2 and len(http.sent) == 1
    assert _path(http.sent[0]) == "/v1/tokens/project"
    assert TOKEN_OLD not in str(e.value) and TOKEN_OLD not in (s.last_error or "")
    with pytest.raises(PushError):  # backing off: nothing sent
        c.send()
    assert len(http.sent) == 1
    mp.clock.advance(c.wait_ms())
    new = _token(CAPTURE_NOW + 30 * 86400)
    http.answer((200, {}, json.dumps({"token": new}).encode()), 200)
    assert c.send() is True and s.pending == 0
    assert http.sent[-1].headers["Authorization"] == "Bearer " + new


def test_registration_errors(http, wall):
    from iotpush import PushError
    from iotpush.services.iobeam import UnauthorizedError, UnknownCodeError

    wall(CAPTURE_NOW)
    http.answer((500, {}, b'{"errors": [{"code": 1, "message": "down"}]}'))
    with pytest.raises(UnknownCodeError) as e:
        _builder().registerDevice().build()
    assert e.value.status == 500 and "down" in str(e.value)
    http.answer((422, {}, b'{"errors": [{"code": 151, "message": "Device name already in use"}]}'))
    with pytest.raises(UnknownCodeError) as e:
        _builder().registerDevice(deviceName="taken").build()
    assert "151" in str(e.value)
    http.answer(OSError(111))
    with pytest.raises(PushError) as e:
        _builder().registerDevice().build()
    assert e.value.status is None
    http.answer((201, {}, b'{"device_name": "x"}'))
    with pytest.raises(UnknownCodeError):
        _builder().registerDevice().build()
    # 403: the token is refreshed once and the registration repeated; refused again: Unauthorized
    http.answer(403, (200, {}, json.dumps({"token": _token(CAPTURE_NOW + 9e5)}).encode()), 403)
    n = len(http.sent)
    with pytest.raises(UnauthorizedError) as e:
        _builder().registerDevice().build()
    assert [_path(r) for r in http.sent[n:]] == ["/v1/devices", "/v1/tokens/project", "/v1/devices"]
    assert e.value.status == 403
    http.answer(403, 403)
    with pytest.raises(UnauthorizedError) as e:
        _builder().registerDevice().build()
    assert "refresh" in str(e.value)


def test_registration_403_then_refresh_then_201(http, wall):
    """A board whose clock was never set cannot see that its token expired: the service's 403
    makes the client refresh and register again."""
    wall(946684800 + 3600)  # 2000-01-01: an ESP32 that never got the time
    new = _token(CAPTURE_NOW + 30 * 86400)
    http.answer(403, (200, {}, json.dumps({"token": new}).encode()),
                (201, {}, b'{"device_id": "d-7", "device_name": "n"}'))
    c = _builder(TOKEN_OLD).registerDevice().build()
    assert c.getDeviceId() == "d-7"
    assert http.sent[2].headers["Authorization"] == "Bearer " + new


def test_secrets_never_appear_in_messages_or_reprs(http):
    from iotpush import PushError

    leak = ('{"errors": [{"code": 7, "message": "bad token %s"}]}' % TOKEN_REG).encode()
    http.answer((500, {}, leak))
    with pytest.raises(PushError) as e:
        _builder().registerDevice().build()
    assert TOKEN_REG not in str(e.value) and "***" in str(e.value)
    b = _builder()
    c = _client(http)
    s = c.createDataStore(["t"])
    _rows(s, 1)
    http.answer((400, {}, leak))
    with pytest.raises(PushError) as e:
        c.send()
    for text in (str(e.value), s.last_error, repr(b), repr(c), repr(s), repr(s.dead)):
        assert TOKEN_REG not in text and TOKEN_REG[40:80] not in text


def test_every_request_has_the_timeout_and_every_response_is_closed(http, wall):
    wall(CAPTURE_NOW)
    http.answer((200, {}, json.dumps({"token": _token(CAPTURE_NOW + 9e5)}).encode()),
                (201, {}, b'{"device_id": "d1", "device_name": "n"}'), 200)
    c = _builder(TOKEN_OLD, setTimeout=3).registerDevice().build()
    s = c.createDataStore(["t"])
    _rows(s, 1)
    c.send()
    assert http.timeouts == [3, 3, 3] and http.opened == http.closed == 3


# --- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("pid", ["4242", 0, -1, True, 4.2, None])
def test_bad_project_id(pid):
    from iotpush.services.iobeam import ClientBuilder

    with pytest.raises(ValueError):
        ClientBuilder(pid, TOKEN_REG)


@pytest.mark.parametrize("token,exc", [
    (None, TypeError), (42, TypeError), ("", ValueError), ("abc", ValueError),
    ("a.b", ValueError), (TOKEN_REG + " ", ValueError), (TOKEN_REG + "\r\nX: y", ValueError),
    ("e30.e30.sig", ValueError), ("e30.eyJleHAiOiJzb29uIn0.sig", ValueError),
    ("x" * 5000, ValueError)])
def test_bad_project_token(token, exc):
    from iotpush.services.iobeam import ClientBuilder

    with pytest.raises(exc) as e:
        ClientBuilder(4242, token)
    if isinstance(token, str) and len(token) > 10:
        assert token[:30] not in str(e.value)


@pytest.mark.parametrize("did,exc", [("", ValueError), ("a b", ValueError), ("caf\u00e9", ValueError),
                                     ("a/b", ValueError), ("x" * 129, ValueError), (5, TypeError),
                                     (None, TypeError)])
def test_bad_device_ids_are_refused_at_the_call(did, exc):
    b = _builder()
    with pytest.raises(exc):
        b.setDeviceId(did)
    if did is not None:
        with pytest.raises(exc):
            b.registerDevice(deviceId=did)
    with pytest.raises(exc):
        b.registerOrSetId(did)


def test_good_device_ids_and_names():
    b = _builder()
    for did in ("a", "A-z_0:9", "x" * 128):
        b.setDeviceId(did)
        b.registerDevice(deviceId=did, deviceName="any name \u00fc")
    with pytest.raises(ValueError):
        b.registerDevice(deviceName=5)
    with pytest.raises(ValueError):
        b.registerDevice(deviceName="")


@pytest.mark.parametrize("call,arg", [
    ("setBackend", "ftp://api.iobeam.com/v1/"), ("setBackend", "https:///v1/"),
    ("setBackend", "http://h:99999/v1/"), ("setBackend", "http://h:x/"), ("setBackend", 5),
    ("setBackend", "http://a b/"), ("setTimeout", 0), ("setTimeout", "5"), ("setTimeout", True),
    ("setTimeout", 601), ("setTimeout", float("nan")), ("setBodySize", 100), ("setBodySize", 10 ** 6),
    ("setBodySize", "4096"), ("saveToDisk", 5)])
def test_bad_configuration(call, arg):
    b = _builder()
    with pytest.raises((ValueError, TypeError)):
        getattr(b, call)(arg)


def test_backend_gets_its_final_slash(http):
    c = _builder(backend="http://127.0.0.1:9/iobeam/v1", setDeviceId="d").build()
    assert c.url == "http://127.0.0.1:9/iobeam/v1/imports?fmt=table"


@pytest.mark.parametrize("columns,capacity,exc", [
    ([], 10, TypeError), ("temperature", 10, TypeError), (("a",), 10, TypeError),
    (["time"], 10, ValueError), (["TIME"], 10, ValueError), (["Time_Offset"], 10, ValueError),
    (["ALL"], 10, ValueError), (["a", "a"], 10, ValueError), ([""], 10, ValueError),
    ([5], 10, ValueError), (["x" * 101], 10, ValueError), (["a\nb"], 10, ValueError),
    (["a"], 0, ValueError), (["a"], "10", ValueError), (["a", "b"], 40000, ValueError),
    (["c%d" % i for i in range(255)], 1, ValueError)])
def test_bad_stores(http, columns, capacity, exc):
    c = _client(http)
    with pytest.raises(exc):
        c.createDataStore(columns, capacity)


def test_a_store_that_cannot_fit_a_request_is_refused(http):
    c = _builder(setDeviceId="d", setBodySize=512).build()
    with pytest.raises(ValueError) as e:
        c.createDataStore(["column_%02d" % i for i in range(20)])
    assert "setBodySize" in str(e.value)


def test_same_columns_give_the_same_store(http):
    c = _client(http)
    a = c.createDataStore(["x", "y"])
    assert c.createDataStore(["y", "x"]) is a and c.createDataStore(["x"]) is not a
    assert a.columns() == ["x", "y"] and a.hasSameColumns(["y", "x"])


def test_send_without_a_device_id_says_so(http):
    c = _builder().build()
    s = c.createDataStore(["t"])
    assert c.send() is True  # nothing to send
    _rows(s, 1)
    with pytest.raises(ValueError) as e:
        c.send()
    assert "registerDevice" in str(e.value) and s.pending == 1 and not http.sent


def test_overflow_drops_the_oldest_and_counts_them(http):
    c = _client(http)
    s = c.createDataStore(["a", "b"], capacity=3)
    for i in range(5):
        s.add(1700000000000 + i, {"a": i, "b": -i})
    assert s.pending == 6 and s.dropped == 4 and len(s) == 6
    c.send()
    assert [r[0] for r in http.sent[0].json()["sources"]["data"]] == [
        1700000000002000, 1700000000003000, 1700000000004000]


def test_clear_and_rows(http):
    from iotpush.services.iobeam import Timestamp, TimeUnit

    c = _client(http)
    s = c.createDataStore(["a", "b"], capacity=4)
    s.add(Timestamp(1700000000123456, unit=TimeUnit.MICROSECONDS), {"b": 2})
    assert s.rows() == [{"time": 1700000000123456, "a": None, "b": 2}]
    s.clear()
    assert s.pending == 0 and s.dropped == 0 and s.rows() == [] and len(s) == 0


def test_importing_iotpush_does_not_load_iobeam():
    import sys

    import iotpush  # noqa: F401

    assert not [m for m in sys.modules if m.startswith("iotpush.services.iobeam")]


def test_cold_modules_are_forgotten_after_use(http):
    import sys

    c = _client(http)
    c.createDataStore(["t"])
    loaded = sorted(m for m in sys.modules if m.startswith("iotpush.services.iobeam."))
    assert loaded == ["iotpush.services.iobeam.base", "iotpush.services.iobeam.client",
                      "iotpush.services.iobeam.stamp", "iotpush.services.iobeam.store"]


# --- properties -----------------------------------------------------------------------------------
_value = hs.one_of(hs.none(), hs.booleans(), hs.integers(-2 ** 63, 2 ** 63 - 1),
                   hs.floats(allow_nan=False, allow_infinity=False))


@settings(max_examples=150, deadline=None)
@given(hs.lists(hs.tuples(hs.integers(0, 3747483646 * 10 ** 6 + 999999),
                          hs.dictionaries(hs.sampled_from(["a", "b", "c"]), _value, min_size=1)),
                min_size=1, max_size=40),
       hs.sampled_from([512, 1024, 4096]))
def test_table_requests_parse_back_exactly(rows, body):
    """Any rows, any buffer size: the requests hold every row once, in order, times and values
    exact, never more than 1000 points or the buffer's size."""
    from iotpush.services.iobeam import ClientBuilder, Timestamp, TimeUnit

    c = (ClientBuilder(4242, TOKEN_REG).setBackend("http://127.0.0.1:9/v1/").setBodySize(body)
         .setDeviceId("d").build())
    s = c.createDataStore(["a", "b", "c"], capacity=60)  # 40 rows, each 3 values + microseconds
    for t, d in rows:
        s.add(Timestamp(t, unit=TimeUnit.MICROSECONDS), d)
    got = []
    ring = s.ring
    while ring.count:
        b = c._body
        b.reset()
        n = c.encode(ring, c.max_events, b)
        assert n >= 1 and b.tell() <= body
        req = json.loads(bytes(b.data()))
        assert req["sources"]["fields"] == ["time", "a", "b", "c"]
        assert len(req["sources"]["data"]) * 3 <= 1000
        got += req["sources"]["data"]
        ring.discard(n)
    want = [[t] + [(int(v) if isinstance(v, bool) else v) for v in (d.get("a"), d.get("b"), d.get("c"))]
            for t, d in rows]
    assert got == want
    assert [type(x) for r in got for x in r] == [type(x) for r in want for x in r]


# --- against the emulator over HTTP ---------------------------------------------------------------
def _emu(hub, **kw):
    from iotpush.services.iobeam import ClientBuilder

    emu = hub["iobeam"]
    token = kw.pop("token", None) or emu.make_token()
    b = ClientBuilder(4242, token).setBackend(hub.base("iobeam") + "/v1/").setTimeout(5)
    for k, v in kw.items():
        getattr(b, k)(*v) if isinstance(v, tuple) else getattr(b, k)(v)
    return emu, b


def test_an_expired_token_is_refreshed_and_only_the_new_one_is_used(hub):
    """With the official client's bug the expired token would go out for the registration and
    every import, and this emulator (like the service) would refuse them with 403."""
    from iotpush.services.iobeam import Timestamp

    old = hub["iobeam"].make_token(exp=time.time() - 3600)
    emu, b = _emu(hub, token=old, registerDevice=("dev-e",))
    c = b.build()
    s = c.createDataStore(["temperature", "humidity"], capacity=50)
    for i in range(30):
        s.add(Timestamp(1700000000000 + i * 1000), {"temperature": 20 + i / 4, "humidity": i})
    assert c.send() is True
    (new,) = emu.issued
    assert [(r.method, r.path) for r, _ in emu.log] == [
        ("POST", "/v1/tokens/project"), ("POST", "/v1/devices"), ("POST", "/v1/imports")]
    assert json.loads(emu.log[0][0].body) == {"refresh_token": old}
    for r, reply in emu.log[1:]:
        assert r.header("Authorization") == "Bearer " + new and reply.status in (200, 201)
    assert [(r["time"], r["temperature"], r["humidity"]) for r in emu.rows] == [
        (1700000000000000 + i * 1000000, 20 + i / 4, i) for i in range(30)]
    assert {r["token"] for r in emu.rows} == {new}


def test_a_token_the_service_stopped_taking_is_refreshed_and_the_rows_resent(hub, mp):
    from iotpush import PushError

    emu, b = _emu(hub, registerDevice=("dev-r",))
    c = b.build()
    s = c.createDataStore(["t"], capacity=10)
    _rows(s, 3)
    real = emu.now
    emu.now = lambda: real() + 40 * 86400  # the service's clock: our token expired 10 days ago
    with pytest.raises(PushError) as e:
        c.send()
    assert e.value.status == 403 and s.pending == 3 and not emu.rows
    mp.clock.advance(c.wait_ms())
    assert c.send() is True
    assert [r["t"] for r in emu.rows] == [0, 0.5, 1.0]
    assert emu.log[-2][0].path == "/v1/tokens/project" and emu.rows[0]["token"] == emu.issued[-1]


def test_unset_clock_registers_after_the_service_refuses_the_token(hub, wall):
    wall(946684800 + 60)  # the board's RTC was never set: the token looks valid to it
    old = hub["iobeam"].make_token(exp=time.time() - 60)
    emu, b = _emu(hub, token=old, registerDevice=())
    c = b.build()
    assert c.getDeviceId() in emu.devices
    assert [r.path for r, _ in emu.log] == ["/v1/devices", "/v1/tokens/project", "/v1/devices"]


def test_duplicates_on_the_emulator(hub):
    from iotpush.services.iobeam import DuplicateIdError

    emu, b = _emu(hub, registerDevice=("taken",))
    b.build()
    emu, b = _emu(hub, registerOrSetId=("taken",))
    assert b.build().getDeviceId() == "taken"
    emu, b = _emu(hub, registerDevice=("taken",))
    with pytest.raises(DuplicateIdError):
        b.build()
    assert [reply.status for _, reply in emu.log] == [201, 422, 422]


def test_large_stores_are_split_at_1000_points(hub):
    emu, b = _emu(hub, registerDevice=("big",), setBodySize=65536)
    c = b.build()
    one = c.createDataStore(["x"], capacity=2500)
    three = c.createDataStore(["p", "q", "r"], capacity=700)
    for i in range(2500):
        one.add(1700000000000 + i, {"x": i})
    for i in range(700):
        three.add(1700000000000 + i, {"p": i, "q": -i, "r": i / 8})
    assert c.send() is True
    sizes = [len(json.loads(r.body)["sources"]["data"]) for r in emu.requests_to("/v1/imports")]
    assert sizes == [1000, 1000, 500, 333, 333, 34]
    assert [r["x"] for r in emu.rows if "x" in r] == list(range(2500))
    assert [(r["p"], r["q"], r["r"]) for r in emu.rows if "p" in r] == [
        (i, -i, i / 8) for i in range(700)]


def test_requests_stay_within_the_buffer(hub):
    emu, b = _emu(hub, registerDevice=("buf",), setBodySize=1024)
    c = b.build()
    s = c.createDataStore(["temperature", "humidity"], capacity=300)
    for i in range(300):
        s.add(1700000000000 + i, {"temperature": -1.2345678901234567e-300 * i, "humidity": 2 ** 62 + i})
    assert c.send() is True
    bodies = [r.body for r in emu.requests_to("/v1/imports")]
    assert len(bodies) > 10 and max(len(x) for x in bodies) <= 1024
    assert [(r["temperature"], r["humidity"]) for r in emu.rows] == [
        (-1.2345678901234567e-300 * i, 2 ** 62 + i) for i in range(300)]


def test_faults_from_the_emulator_lose_nothing(hub, mp):
    from iotpush import PushError

    emu, b = _emu(hub, registerDevice=("faulty",), setBodySize=1024)
    c = b.build()
    s = c.createDataStore(["n"], capacity=400)
    for i in range(400):
        s.add(1700000000000 + i, {"n": i})
    emu.inject(("status", 503), ("reset",), ("status", 500), ("garbage",),
               ("status", 429, {"Retry-After": "2"}))
    failures = 0
    while s.pending:
        try:
            c.send()
        except PushError as e:
            assert e.retained
            failures += 1
            mp.clock.advance(c.wait_ms())
    assert failures == 5 and [r["n"] for r in emu.rows] == list(range(400))


def test_an_unregistered_device_is_refused_for_good(hub):
    from iotpush import PushError

    emu, b = _emu(hub, setDeviceId="never-registered")
    c = b.build()
    s = c.createDataStore(["n"], capacity=4)
    _rows(s, 2)
    with pytest.raises(PushError) as e:
        c.send()
    assert e.value.status == 400 and not e.value.retained and s.rejected == 2
    assert "not registered" in str(e.value)


def test_save_to_disk_round_trip(hub, tmp_path):
    where = str(tmp_path)
    f = tmp_path / "iobeam_device_id"
    emu, b = _emu(hub, saveToDisk=where, registerDevice=())
    first = b.build().getDeviceId()
    assert f.read_text() == first and first in emu.devices
    emu, b = _emu(hub, saveToDisk=where, registerDevice=())  # next boot: read back, no request
    assert b.build().getDeviceId() == first and len(emu.requests_to("/v1/devices")) == 1
    emu, b = _emu(hub, saveToDisk=where, registerDevice=("chosen-1",))  # another id replaces it
    assert b.build().getDeviceId() == "chosen-1" and f.read_text() == "chosen-1"
    emu, b = _emu(hub, saveToDisk=where, setDeviceId="made-elsewhere")
    assert b.build().getDeviceId() == "made-elsewhere" and f.read_text() == "made-elsewhere"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["iobeam_device_id"]  # no .tmp left
    f.write_text("not a valid id!\n")
    emu, b = _emu(hub, saveToDisk=where, registerDevice=())
    again = b.build().getDeviceId()
    assert again not in (first, "made-elsewhere") and f.read_text() == again
    emu, b = _emu(hub, saveToDisk=where)  # no registration asked: the saved id is used
    assert b.build().getDeviceId() == again


def test_save_to_disk_writes_only_when_the_id_changes(hub, tmp_path, monkeypatch):
    import os as os_

    emu, b = _emu(hub, saveToDisk=str(tmp_path), setDeviceId="same")
    b.build()
    renames = []
    real = os_.rename
    monkeypatch.setattr(os_, "rename", lambda a, z: (renames.append(z), real(a, z)))
    emu, b = _emu(hub, saveToDisk=str(tmp_path), setDeviceId="same")
    b.build()
    assert renames == []


def test_dashboard_streams(hub):
    emu, b = _emu(hub, registerDevice=("dash",))
    c = b.build()
    s = c.createDataStore(["t", "h"], capacity=4)
    s.add(1700000000000, {"t": 1.5})
    s.add(1700000001000, {"h": 2})
    c.send()
    assert emu.streams() == {"t": [[1700000000.0, 1.5]], "h": [[1700000001.0, 2]]}


# --- the emulator is strict -----------------------------------------------------------------------
def _raw(hub, method, path, body=None, headers=None):
    import http.client

    u = urllib.parse.urlsplit(hub.base("iobeam"))
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    try:
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        conn.request(method, u.path + path, data, headers or {})
        r = conn.getresponse()
        raw = r.read()
        return r.status, (json.loads(raw) if raw else None)
    finally:
        conn.close()


def test_emulator_refuses_what_the_spec_does_not_allow(hub):
    emu = hub["iobeam"]
    good = emu.make_token()
    auth = {"Authorization": "Bearer " + good, "Content-Type": "application/json"}
    emu.devices["d"] = "n"

    def imp(body, query="?fmt=table", headers=auth):
        return _raw(hub, "POST", "/v1/imports" + query, body, headers)[0]

    table = {"project_id": 4242, "device_id": "d", "timefmt": "usec",
             "sources": {"fields": ["time", "v"], "data": [[1700000000000000, 1]]}}
    assert imp(table) == 200

    def variant(**changes):
        t = json.loads(json.dumps(table))
        for k, v in changes.items():
            if k in ("fields", "data"):
                t["sources"][k] = v
            else:
                t[k] = v
        return t

    assert imp(table, query="") == 400
    assert imp(table, headers={"Content-Type": "application/json"}) == 403
    assert imp(table, headers={"Authorization": "Bearer " + emu.make_token(exp=time.time() - 1),
                               "Content-Type": "application/json"}) == 403
    assert imp(table, headers={"Authorization": "Bearer " + emu.make_token(project_id=1),
                               "Content-Type": "application/json"}) == 403
    assert imp(table, headers={"Authorization": "Bearer " + good[:-2] + "xx",
                               "Content-Type": "application/json"}) == 403
    assert imp(table, headers={"Authorization": "Bearer " + good}) == 400  # no Content-Type
    for bad in (variant(timefmt="msec"), variant(project_id=1), variant(project_id="4242"),
                variant(device_id="other"), variant(fields=["v", "time"]), variant(fields=["time"]),
                variant(fields=["time", "TIME"]), variant(fields=["time", "v", "v"]),
                variant(data=[]), variant(data=[[1700000000000000]]),
                variant(data=[[1700000000000000.0, 1]]), variant(data=[[True, 1]]),
                variant(data=[[1700000000000000, "1"]]), variant(data=[[1700000000000000, True]]),
                variant(fields=["time"] + ["c%d" % i for i in range(11)],
                        data=[[1] + [0] * 11] * 91),  # 1001 points
                dict(table, extra=1)):
        assert imp(bad) == 400, bad
    assert imp(variant(fields=["time"] + ["c%d" % i for i in range(10)],
                       data=[[1] + [0] * 10] * 100)) == 200  # 1000 points
    # refresh: no Authorization, a token of this project that may be refreshed
    assert _raw(hub, "POST", "/v1/tokens/project", {"refresh_token": good},
                {"Content-Type": "application/json"})[0] == 200
    assert _raw(hub, "POST", "/v1/tokens/project", {"refresh_token": good}, auth)[0] == 400
    assert _raw(hub, "POST", "/v1/tokens/project", {"refresh_token": emu.make_token(refreshable=False)},
                {"Content-Type": "application/json"})[0] == 403
    # devices
    assert _raw(hub, "POST", "/v1/devices", {"project_id": 4242, "device_id": "bad id"}, auth)[0] == 400
    st, ans = _raw(hub, "POST", "/v1/devices", {"project_id": 4242, "device_id": "d"}, auth)
    assert (st, ans["errors"][0]["code"]) == (422, 150)
    assert _raw(hub, "GET", "/v1/devices/timestamp", None, auth)[0] == 200


# --- on MicroPython (64K heap) --------------------------------------------------------------------
def test_micropython_500_rows_to_the_emulator_with_nothing_lost(mp_tests, hub, tmp_path):
    emu = hub["iobeam"]
    token = emu.make_token(exp=time.time() + 3600)  # within 24 h: the board refreshes it first
    env = {"IOBEAM_URL": hub.base("iobeam") + "/v1/", "IOBEAM_TOKEN": token,
           "IOBEAM_DIR": str(tmp_path)}
    r = mp_tests("t_iobeam_reg", env=env)
    assert r.returncode == 0 and "OK" in r.output, r.output
    (device,) = emu.devices
    assert (tmp_path / "iobeam_device_id").read_text() == device
    first = emu.issued[0]
    auth = {q.header("Authorization") for q, _ in emu.log if q.path == "/v1/devices"}
    assert auth == {"Bearer " + first}
    n0 = len(emu.log)
    # next boot: faults on the way (deterministic), every row must arrive exactly once
    emu.set_chaos(66, [(0.04, ("status", 503)), (0.03, ("reset",)), (0.03, ("status", 500))])
    r = mp_tests("t_iobeam_500", env=env)
    assert r.returncode == 0 and "OK" in r.output, r.output
    boot2 = [q for q, _ in emu.log[n0:]]
    assert not [q for q in boot2 if q.path == "/v1/devices"]  # the saved id was read back
    faults = [x for _, x in emu.log[n0:] if isinstance(x, str)]
    assert faults and "retry:" in r.output
    want = []
    for i in range(500):
        m, t = i % 5, 1700000000 + i
        if m == 0:
            want.append((t * 10 ** 6, i * 0.37 + 1 / 3, i))
        elif m == 1:
            want.append((t * 10 ** 6 + 250000, -i * 0.5, None))
        elif m == 2:
            want.append((t * 10 ** 6 + 123456, None, i + 0.25))
        elif m == 3:
            want.append((t * 10 ** 6, None, -i))
        else:
            want.append((t * 10 ** 6, 1e-3 * i, 1))  # True is sent as 1
    got = [(x["time"], x["temperature"], x["humidity"]) for x in emu.rows]
    assert got == want  # all, once, in order, times and values exact (floats bit for bit)
    assert [type(v) for row in got for v in row] == [type(v) for row in want for v in row]
    assert {x["device_id"] for x in emu.rows} == {device}
    tokens = {x["token"] for x in emu.rows}
    assert token not in tokens and tokens <= set(emu.issued[1:])  # this boot's refreshed token


def test_micropython_memory_figures(mp_tests):
    r = mp_tests("t_iobeam_mem", heap="128K")
    assert r.returncode == 0 and "OK" in r.output, r.output
    fig = {k: int(v) for k, v in re.findall(r"^(\w[\w -]*\w): (\d+)$", r.output, re.M)}
    assert fig["bytes per 2-value row"] <= 50, r.output  # 2 x 24 B on this 64-bit port
    assert fig["bytes per store besides its rows"] <= 2048, r.output
    assert fig["bytes per add"] <= 256, r.output
