"""Initial State: golden requests against the official client's capture, the emulator end to
end over HTTP, URL mode, the ISStreamer-style facade, and error paths."""
import json
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from tests.host.captures import api_headers, scenario

KEY = "ist_FAKEACCESSKEY0000000000000000"
EMU_KEY = "ist_TESTACCESSKEY0000000000000000"


def _svc(**kw):
    from iotpush.services.initialstate import InitialState

    kw.setdefault("base_url", "https://groker.init.st/api")
    return InitialState(kw.pop("access_key", KEY), kw.pop("bucket_key", "iotpush_bucket"), **kw)


def _emu_svc(hub, **kw):
    kw.setdefault("rate", 1000)
    kw.setdefault("burst", 1000)
    return _svc(access_key=EMU_KEY, base_url=hub.base("initialstate") + "/api", **kw)


# --- golden ---------------------------------------------------------------------------------
def test_golden_events_match_the_official_client(http):
    from iotpush import Streamer

    cap = scenario("initialstate", "log_flush")["requests"][0]
    st = Streamer(_svc())
    st.log("temperature", 21.5)
    st.log("status message", "hello world \u00fcn\u00efc\u00f8d\u00e9 \u2713")
    st.log("count", 7)
    st.log("door_open", True)
    st.log("location", "44.5013406,-88.0644023")
    st.log("fixed_epoch", 3.25, ts=1700000000.123456)
    assert st.flush() == 6
    sent = http.sent[0]
    assert sent.method == cap["method"]
    assert urllib.parse.urlsplit(sent.url).path == cap["path"]
    assert api_headers(sent.headers) == api_headers(cap["headers"])
    ours, theirs = sent.json(), cap["body_json"]
    assert [list(e) for e in ours] == [list(e) for e in theirs]  # key, value, epoch: same order
    for a, b in zip(ours, theirs):
        assert (a["key"], a["value"], type(a["value"])) == (b["key"], b["value"], type(b["value"]))
    assert abs(ours[-1]["epoch"] - theirs[-1]["epoch"]) < 0.001  # ms precision
    assert all(abs(e["epoch"] - ours[0]["epoch"]) < 5 for e in ours[:-1])


@pytest.mark.parametrize("status,created", [(201, True), (204, False)])
def test_golden_bucket_creation(http, status, created):
    cap = scenario("initialstate", "create_bucket")["requests"][0]
    http.answer(status)
    svc = _svc(bucket_name="iotpush test bucket")
    assert svc.create_bucket() is created
    sent = http.sent[0]
    assert (sent.method, urllib.parse.urlsplit(sent.url).path) == (cap["method"], cap["path"])
    assert api_headers(sent.headers) == api_headers(cap["headers"])
    assert sent.json() == cap["body_json"]


def test_bucket_is_created_before_the_first_events(http):
    from iotpush import Streamer

    http.answer(201, 204)
    st = Streamer(_svc(bucket_name="Garden"))
    st.log("t", 1)
    st.flush()
    assert [urllib.parse.urlsplit(s.url).path for s in http.sent] == ["/api/buckets", "/api/events"]
    st.log("t", 2)
    st.flush()
    assert len(http.sent) == 3  # only once


def test_timeout_is_passed_on_every_request(http):
    from iotpush import Streamer

    st = Streamer(_svc(timeout=3))
    st.log("t", 1)
    st.flush()
    assert http.timeouts == [3]


# --- against the emulator over HTTP ---------------------------------------------------------
def test_end_to_end_through_the_emulator(hub):
    from iotpush import Streamer

    emu = hub["initialstate"]
    st = Streamer(_emu_svc(hub, bucket_name="Garden"), capacity=64)
    values = [i * 0.37 + 1 / 3 for i in range(40)] + ["x", True, False, -7, 2 ** 40]
    for i, v in enumerate(values):
        st.log("s%d" % (i % 3), v)
    assert st.flush() == len(values)
    assert emu.buckets == {"iotpush_bucket": "Garden"}
    assert [e["value"] for e in emu.events] == values
    assert [type(e["value"]) for e in emu.events] == [type(v) for v in values]
    assert len(emu.requests_to("/api/events")) == 5  # 10 events per request


def test_429_retry_after_from_the_emulator_is_honoured(hub, mp):
    from iotpush import PushError, Streamer

    emu = hub["initialstate"]
    emu.inject(("status", 429, {"Retry-After": "7"}))
    st = Streamer(_emu_svc(hub), capacity=8)
    st.log("x", 1)
    with pytest.raises(PushError) as e:
        st.flush()
    assert e.value.status == 429 and e.value.retained
    assert 6000 < st.next_retry_ms <= 7000 and st.flush() == 0
    mp.clock.advance(7000)
    assert st.flush() == 1 and [ev["value"] for ev in emu.events] == [1]


def test_emulator_rate_limit_answers_429_and_nothing_is_lost(hub, mp):
    from iotpush import Streamer

    emu = hub["initialstate"]
    emu.rate_limit = 3
    emu.now = lambda: mp.clock.ms / 1000  # the emulator's window runs on the test's fake time
    st = Streamer(_emu_svc(hub), capacity=128)
    for i in range(50):
        st.log("n", i)
    sent = st.drain(timeout_ms=10 ** 6)  # fake time: sleeps advance the clock
    assert sent == 50 and [e["value"] for e in emu.events] == list(range(50))
    assert any(r == "fault" or getattr(r, "status", 0) == 429 for _, r in emu.log)


def test_wrong_access_key_is_permanent_and_kept_in_dead_letters(hub):
    from iotpush import PushError, Streamer

    st = Streamer(_svc(access_key="ist_WRONG", base_url=hub.base("initialstate") + "/api",
                       rate=100, burst=100), capacity=16)
    st.log("x", 1)
    with pytest.raises(PushError) as e:
        st.flush()
    assert e.value.status == 401 and not e.value.retained
    assert st.rejected == 1 and st.pending == 0 and st.dead.items[0][0] == 401
    assert "ist_WRONG" not in str(e.value) and "ist_WRONG" not in repr(st)


def test_server_down_is_transient(mp):
    from iotpush import PushError, Streamer

    st = Streamer(_svc(base_url="http://127.0.0.1:9/api"), capacity=8)  # port 9: refused
    st.log("x", 1)
    with pytest.raises(PushError) as e:
        st.flush()
    assert e.value.retained and e.value.status is None and st.pending == 1


def test_url_mode_end_to_end(hub):
    from iotpush import Streamer

    emu = hub["initialstate"]
    st = Streamer(_emu_svc(hub, mode="url"), capacity=16)
    st.log("temperature", 25.4)
    st.log("door", "open & shut = 50%+")
    st.log("temperature", 25.5)  # same key again: next request
    st.log("ok", True)
    assert st.flush() == 4
    assert [(e["key"], e["value"]) for e in emu.events] == [
        ("temperature", "25.4"), ("door", "open & shut = 50%+"), ("temperature", "25.5"), ("ok", "true")]
    assert all(e["epoch"] is None for e in emu.events)
    assert len(emu.requests_to("/api/events", "GET")) == 2


def test_url_mode_bucket_creation(hub):
    svc = _emu_svc(hub, mode="url", bucket_name="My Bucket")
    assert svc.create_bucket() is True
    assert hub["initialstate"].buckets == {"iotpush_bucket": "My Bucket"}
    assert svc.create_bucket() is False


@settings(max_examples=200, deadline=None)
@given(hs.lists(hs.tuples(hs.text(min_size=1, max_size=100).filter(lambda k: all(c >= " " for c in k)),
                          hs.one_of(hs.text(max_size=200), hs.integers(-2 ** 62, 2 ** 62),
                                    hs.floats(allow_nan=False, allow_infinity=False), hs.booleans())),
                min_size=1, max_size=10))
def test_url_query_parses_back_exactly(pairs):
    from iotpush.ring import RingBuffer
    from iotpush.encode import Body

    svc = _svc(mode="url")
    ring = RingBuffer(16, 16)
    for k, v in pairs:
        ki = ring.key_index(k)
        ring.push(ki if ki >= 0 else ring.add_key(k), v, 0, 0, 0)
    body = Body(64)
    n = svc.encode(ring, 10, body)
    q = urllib.parse.urlsplit(svc.url).query
    got = urllib.parse.parse_qsl(q, keep_blank_values=True)
    assert got[:2] == [("accessKey", KEY), ("bucketKey", "iotpush_bucket")]
    want = [(k, v if isinstance(v, str) else ("true" if v is True else "false" if v is False else str(v)))
            for k, v in pairs[:n]]
    assert got[2:] == want
    assert len({k for k, _ in pairs[:n]}) == n  # one value per key per request


@settings(max_examples=200, deadline=None)
@given(hs.lists(hs.tuples(hs.text(min_size=1, max_size=100),
                          hs.one_of(hs.text(max_size=300), hs.integers(-2 ** 62, 2 ** 62),
                                    hs.floats(allow_nan=False, allow_infinity=False), hs.booleans()),
                          hs.integers(0, 3747483646), hs.integers(0, 999)),
                min_size=1, max_size=10))
def test_json_body_parses_back_exactly(events):
    from iotpush.clock import REF
    from iotpush.encode import Body
    from iotpush.ring import RingBuffer

    ring = RingBuffer(16, 16)
    for k, v, s, ms in events:
        ki = ring.key_index(k)
        ring.push(ki if ki >= 0 else ring.add_key(k), v, s - REF, ms, 0)
    body = Body(64)
    n = _svc().encode(ring, 10, body)
    got = json.loads(bytes(body.data()))
    assert n == len(events)
    assert [(e["key"], e["value"]) for e in got] == [(k, v) for k, v, _, _ in events]
    assert [round(e["epoch"] * 1000) for e in got] == [s * 1000 + ms for _, _, s, ms in events]


# --- facade -----------------------------------------------------------------------------------
def test_facade_ships_ten_on_the_eleventh_log_like_isstreamer(http):
    from iotpush.services.initialstate import Streamer

    cap = scenario("initialstate", "buffer_rollover_12_logs")
    http.answer(201)
    s = Streamer(bucket_name="b", bucket_key="iotpush_bucket", access_key=KEY)
    for i in range(12):
        s.log("loop_counter", i)
    assert len(http.sent) == 2  # bucket + the first ten (as requests_before_flush == 1)
    assert cap["client_outcome"]["returned"]["requests_before_flush"] == 1
    assert [e["value"] for e in http.sent[1].json()] == list(range(10))
    s.flush()
    assert [e["value"] for e in http.sent[2].json()] == [10, 11]
    assert [len(r["body_json"]) for r in cap["requests"]] == [10, 2]


def test_facade_log_does_not_raise_for_the_network(http):
    from iotpush.services.initialstate import Streamer

    http.answer(OSError(113), *[503] * 20)
    s = Streamer(bucket_key="k", access_key=KEY, buffer_size=2)
    for i in range(5):
        s.log("x", i)
    assert s.pending == 5 and "503" in s.last_error


def test_facade_log_object_and_repr_hide_keys(http):
    from iotpush.services.initialstate import Streamer

    s = Streamer(bucket_name="Garden", bucket_key="secret_bucket", access_key=KEY)
    s.log_object({"a": 1, "b": "x"}, key_prefix="p")
    s.log_object([5, 6])
    assert [s.streamer.ring.keys[i] for i in range(4)] == ["p_a", "p_b", "list_0", "list_1"]
    for text in (repr(s), repr(s.service), repr(s.streamer), str(s.__dict__.get("last_error"))):
        assert KEY not in text and "secret_bucket" not in text


# --- bad configuration ------------------------------------------------------------------------
@pytest.mark.parametrize("kw,exc", [
    (dict(access_key=""), ValueError),
    (dict(access_key=5), TypeError),
    (dict(access_key="ist_ x"), ValueError),
    (dict(bucket_key="a:b"), ValueError),
    (dict(bucket_key=""), ValueError),
    (dict(bucket_key="x" * 251), ValueError),
    (dict(mode="xml"), ValueError),
    (dict(base_url="ftp://x/api"), ValueError),
    (dict(base_url="https:///api"), ValueError),
    (dict(base_url="http://h:99999/api"), ValueError),
    (dict(timeout=0), ValueError),
    (dict(timeout="5"), ValueError),
    (dict(bucket_name="n" * 251), ValueError),
])
def test_bad_configuration_is_refused(kw, exc):
    with pytest.raises(exc) as e:
        _svc(**kw)
    assert KEY not in str(e.value)


def test_secret_is_not_echoed_in_config_errors():
    with pytest.raises(ValueError) as e:
        _svc(access_key="ist_SECRET with space")
    assert "SECRET" not in str(e.value)


def test_values_the_service_refuses(http):
    from iotpush import Streamer

    st = Streamer(_svc())
    with pytest.raises(ValueError):
        st.log("x", None)  # Initial State has no null values
    with pytest.raises(ValueError):
        st.log("x", "v" * 2001)
    with pytest.raises(ValueError):
        st.log("k" * 101, 1)
    st.log("x", "v" * 2000)
    assert st.pending == 1
