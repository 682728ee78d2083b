"""Power BI: golden requests against the seed-article capture (Push URL kept byte for byte),
typed columns refused at the call, limits (bytes and rows a request, requests a second, 429
Retry-After), every status class, the emulator over HTTP, and MicroPython at 64K."""
import http.client
import json
import time
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from tests.host.captures import api_headers, scenario

TENANT = "00000000-1111-2222-3333-444444444444"
DATASET = "55555555-6666-7777-8888-999999999999"
KEY_IN_URL = "FAKEkey%2Bwith%2Fslash%3D%3D"
PATH = "/beta/%s/datasets/%s/rows" % (TENANT, DATASET)
URL = "https://api.powerbi.com" + PATH + "?key=" + KEY_IN_URL
SEED = {"string_value": "Text", "number_value": "Number", "datetime_value": "DateTime"}
COLS = {"temp": "Number", "room": "Text", "ts": "DateTime", "door": "Boolean", "n": "Number"}
T0 = 1592238756  # 2020-06-15T16:32:36Z, the seed's time (which it wrote as local time)


SHARED_HUB = True  # one emulator hub for this module, reset before each test (conftest)


def _pb(url=URL, **kw):
    from iotpush.services.powerbi import PowerBI

    return PowerBI(url, **kw)


def _emu_url(hub, key=KEY_IN_URL, path=PATH):
    return hub.base("powerbi") + path + "?key=" + key


def _target(url):
    p = urllib.parse.urlsplit(url)
    return p.path + "?" + p.query


def _iso_seconds(v):
    import datetime

    return datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()


# --- golden -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["seed_single_row", "seed_multi_row", "seed_partial_row"])
def test_golden_rows_match_the_seed_capture(http, name):
    cap = scenario("powerbi", name)["requests"][0]
    rows = []
    for r in cap["body_json"]:  # the same rows, DateTime as our Unix seconds
        rows.append({k: (T0 if k == "datetime_value" else v) for k, v in r.items()})
    http.answer(200)
    pb = _pb(columns=SEED)
    assert pb.push_rows(rows) == len(rows)
    sent = http.sent[0]
    assert sent.method == cap["method"] == "POST"
    assert _target(sent.url) == cap["target"]  # path and ?key= byte for byte
    assert api_headers(sent.headers) == api_headers(cap["headers"])
    ours = sent.json()
    assert isinstance(ours, list) and len(ours) == len(cap["body_json"])
    for a, b in zip(ours, cap["body_json"]):
        assert set(a) == set(b)
        for k in b:
            if k == "datetime_value":  # ISO-8601 UTC; the seed wrote the same instant locally
                assert a[k] == "2020-06-15T16:32:36.000Z" and b[k] == "2020-06-15T16:32:36"
            else:
                assert (a[k], type(a[k])) == (b[k], type(b[k]))


def test_golden_bare_object_is_refused_before_sending(http):
    cap = scenario("powerbi", "seed_bare_object_rejected")
    assert cap["requests"][0]["response"]["status"] == 400  # what the service does with it
    pb = _pb(columns=SEED)
    with pytest.raises(TypeError, match="JSON array"):
        pb.push_rows(cap["requests"][0]["body_json"])
    assert http.sent == [] and pb.streamer.pending == 0


def test_golden_rest_api_url_is_refused_clearly():
    cap = scenario("powerbi", "docs_postrows_rest_api")["requests"][0]
    with pytest.raises(ValueError, match="Push URL"):
        _pb("https://api.powerbi.com" + cap["target"])


def test_url_with_extra_query_parameters_is_kept_exactly(http):
    url = URL.replace("?key=", "?experience=power-bi&key=") + "&ctid=abc%20d"
    http.answer(200)
    _pb(url).push_rows([{"n": 1}])
    assert http.sent[0].url == url


def test_streamer_rows_with_the_timestamp_column_filled_from_the_rows_time(http):
    from iotpush import Streamer

    http.answer(200)
    st = Streamer(_pb(columns=COLS, timestamp_column="ts"), capacity=32)
    st.log_row({"temp": 21.5, "room": "hall"})
    st.log_row({"temp": 22.0, "door": True}, ts=1795303148.25)
    st.log("n", 3)  # one event: a one-column row
    st.log_row({"n": 4, "ts": 1700000000})  # the row gives its own time: kept, not doubled
    st.log_row({"n": 5, "ts": "2026-01-02T03:04:05+01:00"})
    now = time.time()
    assert st.flush() == 9
    rows = http.sent[0].json()
    assert [{k: v for k, v in r.items() if k != "ts"} for r in rows] == [
        {"temp": 21.5, "room": "hall"}, {"temp": 22.0, "door": True}, {"n": 3}, {"n": 4}, {"n": 5}]
    assert abs(_iso_seconds(rows[0]["ts"]) - now) < 5
    assert rows[1]["ts"] == "2026-11-21T23:19:08.250Z"
    assert rows[3]["ts"] == "2023-11-14T22:13:20.000Z"
    assert rows[4]["ts"] == "2026-01-02T03:04:05+01:00"
    assert http.sent[0].body.count(b'"ts"') == 5


def test_without_columns_anything_goes_and_the_service_decides(http):
    http.answer(200)
    pb = _pb(timestamp_column="when")
    pb.push_rows([{"a": 1, "b": "x", "c": True, "when": T0}])
    assert http.sent[0].json() == [{"a": 1, "b": "x", "c": True,
                                    "when": "2020-06-15T16:32:36.000Z"}]


# --- limits -------------------------------------------------------------------------------------
def test_requests_stay_under_the_byte_limit_and_rows_arrive_once_in_order(http):
    http.default = 200
    pb = _pb(columns=COLS, timestamp_column="ts", body_size=15000, capacity=4000, rate=1000)
    rows = [{"temp": i / 3, "n": i, "room": "room \u00b0C %d" % i} for i in range(1000)]
    assert pb.push_rows(rows) == 1000
    got = [r for s in http.sent for r in s.json()]
    assert [r["n"] for r in got] == list(range(1000))
    assert [r["temp"] for r in got] == [i / 3 for i in range(1000)]
    assert all(len(s.body) <= 15000 for s in http.sent)
    assert len(http.sent) == -(-sum(len(s.body) for s in http.sent) // 15000)  # full requests


def test_one_request_per_second_by_default_and_five_when_streaming_only(http, mp):
    http.default = 200
    pb = _pb(columns=COLS, body_size=512, capacity=512)
    rows = [{"room": "x" * 100, "n": i} for i in range(20)]  # ~4 rows a request
    pb.push_rows(rows)
    assert len(http.sent) >= 5
    assert mp.clock.sleeps and sum(mp.clock.sleeps) >= 1000 * (len(http.sent) - 1) - 5
    n = len(http.sent)
    mp.clock.sleeps.clear()
    fast = _pb(columns=COLS, body_size=512, capacity=512, streaming_only=True)
    fast.push_rows(rows)
    assert len(http.sent) - n >= 5
    assert 200 * (len(http.sent) - n - 1) - 5 <= sum(mp.clock.sleeps) <= 200 * (len(http.sent) - n)


def test_429_retry_after_is_honoured_and_nothing_is_lost(http, mp):
    from iotpush import PushError

    http.answer((429, {"Retry-After": "7"}, b""), 200)
    pb = _pb(columns=COLS)
    with pytest.raises(PushError) as e:
        pb.push_rows([{"n": 1}])
    assert e.value.retained and e.value.status == 429
    assert 6000 < pb.streamer.next_retry_ms <= 7000
    with pytest.raises(PushError, match="2 rows kept, next try in 7 s"):
        pb.push_rows([{"n": 2}])  # still waiting: kept, no request
    assert len(http.sent) == 1
    mp.clock.advance(7000)
    assert pb.push_rows([]) == 2
    assert http.sent[1].json() == [{"n": 1}, {"n": 2}]


@pytest.mark.parametrize("answer,status", [
    (503, 503), (500, 500), (OSError(110), None), (OSError(104), None), (ValueError("bad"), None),
])
def test_transient_failures_keep_the_rows(http, mp, answer, status):
    from iotpush import PushError

    http.answer(answer, 200)
    pb = _pb(columns=COLS)
    with pytest.raises(PushError) as e:
        pb.push_rows([{"n": 1, "room": "a"}])
    assert e.value.retained and e.value.status == status and pb.streamer.pending == 2
    mp.clock.advance(pb.streamer.next_retry_ms)
    assert pb.push_rows([]) == 1 and http.sent[1].json() == [{"n": 1, "room": "a"}]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413])
def test_permanent_rejections_go_to_dead_letters_not_in_a_loop(http, status):
    from iotpush import PushError

    http.answer((status, {}, b'{"error": {"code": "X", "message": "m"}}'), 200)
    pb = _pb(columns=COLS)
    with pytest.raises(PushError) as e:
        pb.push_rows([{"n": 1}])
    assert not e.value.retained and e.value.status == status
    st = pb.streamer
    assert st.rejected == 1 and st.pending == 0 and json.loads(st.dead.items[0][1]) == [{"n": 1}]
    assert pb.push_rows([{"n": 2}]) == 1 and len(http.sent) == 2  # no backoff, no resend


def test_key_never_in_repr_or_errors(http):
    from iotpush import PushError

    http.answer((400, {}, b'{"error": {"message": "bad key FAKEkey+with/slash== or '
                          b'FAKEkey%2Bwith%2Fslash%3D%3D"}}'))
    pb = _pb(columns=COLS)
    with pytest.raises(PushError) as e:
        pb.push_rows([{"n": 1}])
    for text in (str(e.value), repr(pb), repr(pb.streamer), str(pb.streamer.last_error)):
        assert "FAKEkey" not in text
    assert "key=hidden" in repr(pb) and PATH in repr(pb)


def test_timeout_and_content_type_on_every_request(http):
    http.answer(200)
    _pb(columns=COLS, timeout=4).push_rows([{"n": 1}])
    assert http.timeouts == [4]
    assert http.sent[0].headers["Content-Type"] == "application/json"
    assert "Authorization" not in http.sent[0].headers
    assert http.closed == http.opened == 1


# --- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize("row,exc,match", [
    ({"nope": 1}, ValueError, "not a column"),
    ({"temp": "21.5"}, TypeError, "temp.*Number"),
    ({"temp": True}, TypeError, "Number"),
    ({"room": 5}, TypeError, "Text"),
    ({"door": 1}, TypeError, "Boolean"),
    ({"door": "true"}, TypeError, "Boolean"),
    ({"ts": 1.5e9}, TypeError, "DateTime"),
    ({"ts": "yesterday"}, ValueError, "DateTime"),
    ({"ts": "2026-11-21 23:59:02"}, ValueError, "DateTime"),
    ({"ts": "2026-11-21T23:59:02.Z"}, ValueError, "DateTime"),
    ({"ts": True}, TypeError, "DateTime"),
    ({"ts": -5}, ValueError, "1970"),
    ({"temp": float("nan")}, ValueError, "finite"),
    ({"temp": float("-inf")}, ValueError, "finite"),
    ({"temp": None}, ValueError, "leave the column out"),
    ({"temp": [1]}, TypeError, "list"),
    ({"room": "x" * 4001}, ValueError, "4000"),
    ({}, ValueError, "fields"),
])
def test_bad_rows_are_refused_at_the_call_on_every_path(http, row, exc, match):
    from iotpush import Streamer

    pb = _pb(columns=COLS, timestamp_column="ts")
    st = Streamer(pb, capacity=16)
    with pytest.raises(exc, match=match):
        st.log_row(row)
    if len(row) == 1:
        (k, v), = row.items()
        with pytest.raises(exc, match=match):
            st.log(k, v)  # a one-column row: checked too, numbers included
    with pytest.raises((exc, TypeError)):
        pb.push_rows([{"n": 1}, row])  # one bad row: nothing of the call is buffered
    assert st.pending == 0 and pb.streamer.pending == 0 and http.sent == []


def test_good_edge_values_pass(http):
    http.answer(200)
    pb = _pb(columns=COLS, timestamp_column="ts", body_size=15000)
    pb.push_rows([{"room": "x" * 4000, "temp": -1e300, "n": 2 ** 40, "door": False,
                   "ts": "2026-11-21T23:59:02.123456Z"}])
    assert http.sent[0].json()[0]["room"] == "x" * 4000


def test_a_row_too_big_for_one_request_is_refused():
    from iotpush import Streamer

    pb = _pb(body_size=1024)
    with pytest.raises(ValueError, match="1024"):
        pb.push_rows([{"a": "\u00e9" * 900}])
    with pytest.raises(ValueError, match="1024"):
        Streamer(pb).log("a", "x" * 1100)
    with pytest.raises(ValueError, match="75"):
        pb.push_rows([{"c%d" % i: i for i in range(76)}])
    st = Streamer(pb)
    st.log("a", "x" * 900)  # fits
    assert st.pending == 1


def test_push_rows_needs_a_list_and_room():
    pb = _pb(columns=COLS, capacity=8)
    for bad in ({"n": 1}, "rows", 5, [[("n", 1)]], [None]):
        with pytest.raises(TypeError):
            pb.push_rows(bad)
    with pytest.raises(ValueError, match="capacity"):
        pb.push_rows([{"n": i, "temp": 1.0} for i in range(5)])
    assert pb.streamer.pending == 0


@pytest.mark.parametrize("args,kw,exc", [
    (("https://api.powerbi.com/beta/t/datasets/d/rows",), {}, ValueError),  # no key
    (("https://api.powerbi.com/beta/t/datasets/d/rows?key=",), {}, ValueError),
    (("https://api.powerbi.com/beta/t/datasets/d?key=k",), {}, ValueError),
    ((URL + "\n",), {}, ValueError),
    ((" " + URL,), {}, ValueError),
    ((URL + "#frag",), {}, ValueError),
    ((URL.replace("https", "ftp"),), {}, ValueError),
    ((5,), {}, TypeError),
    ((URL,), {"columns": ["temp"]}, TypeError),
    ((URL,), {"columns": {}}, ValueError),
    ((URL,), {"columns": {"temp": "Float"}}, ValueError),
    ((URL,), {"columns": {"temp": 1}}, ValueError),
    ((URL,), {"columns": {"": "Number"}}, ValueError),
    ((URL,), {"columns": {"c%d" % i: "Number" for i in range(76)}}, ValueError),
    ((URL,), {"columns": COLS, "timestamp_column": "temp"}, ValueError),
    ((URL,), {"columns": COLS, "timestamp_column": "nope"}, ValueError),
    ((URL,), {"timestamp_column": ""}, ValueError),
    ((URL,), {"body_size": 16000}, ValueError),
    ((URL,), {"body_size": 100}, ValueError),
    ((URL,), {"timeout": 0}, ValueError),
    ((URL,), {"rate": 0}, ValueError),
])
def test_bad_configuration_is_refused_without_echoing_the_key(args, kw, exc):
    from iotpush.services.powerbi import PowerBI

    with pytest.raises(exc) as e:
        PowerBI(*args, **kw)
    assert "FAKEkey" not in str(e.value)


def test_column_types_are_case_insensitive():
    pb = _pb(columns={"a": "number", "b": "TEXT", "c": "datetime", "d": "Boolean"},
             timestamp_column="c")
    with pytest.raises(TypeError, match="Number"):
        pb.check_value("a", "x")
    with pytest.raises(TypeError, match="Text"):
        pb.check_value("b", 5)
    with pytest.raises(TypeError, match="Boolean"):
        pb.check_value("d", 0)
    pb.check_value("c", 1700000000)


@settings(max_examples=150, deadline=None)
@given(hs.lists(hs.fixed_dictionaries({}, optional={
    "temp": hs.floats(allow_nan=False, allow_infinity=False),
    "n": hs.integers(-2 ** 53, 2 ** 53),
    "room": hs.text(max_size=300),
    "door": hs.booleans(),
    "ts": hs.integers(0, 3747483646)}).filter(bool), min_size=1, max_size=40),
    hs.sampled_from([512, 1024, 4096]))
def test_rows_encode_and_parse_back_exactly_within_the_byte_limit(rows, size):
    from iotpush.encode import Body
    from iotpush.ring import F_CONT, RingBuffer

    pb = _pb(columns=COLS, body_size=size)
    ring = RingBuffer(512, 16)
    ok = []
    for r in rows:
        try:
            pb.check_row(r)
        except ValueError:
            continue  # too big for this body_size: refused at the call, never encoded
        ok.append(r)
        fl = 0
        for k, v in r.items():
            ki = ring.key_index(k)
            ring.push(ki if ki >= 0 else ring.add_key(k), v, 0, 0, fl)
            fl = F_CONT
    got = []
    body = Body(pb.body_size)
    while ring.count:
        body.reset()
        n = pb.encode(ring, 10000, body)
        data = bytes(body.data())
        assert n >= 1 and (len(data) <= size or n == ring.row_len(0))
        got.extend(json.loads(data))
        ring.discard(n)
    want = [{k: (_iso(v) if k == "ts" else v) for k, v in r.items()} for r in ok]
    assert got == want


def _iso(unix):
    import datetime

    return datetime.datetime.fromtimestamp(unix, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z")


# --- the emulator over HTTP -------------------------------------------------------------------
def test_end_to_end_through_the_emulator(hub):
    from iotpush import Streamer

    emu = hub["powerbi"]
    pb = _pb(_emu_url(hub), columns=COLS, timestamp_column="ts", rate=1000)
    st = Streamer(pb, capacity=64)
    for i in range(10):
        st.log_row({"temp": i / 4, "room": "r\u00e9%d" % i, "door": i % 2 == 0})
    assert st.flush() == 30
    assert pb.push_rows([{"n": 7, "ts": T0}]) == 1
    rows = [r["row"] for r in emu.rows]
    assert [{k: v for k, v in r.items() if k != "ts"} for r in rows[:10]] == [
        {"temp": i / 4, "room": "r\u00e9%d" % i, "door": i % 2 == 0} for i in range(10)]
    assert rows[10] == {"n": 7, "ts": "2020-06-15T16:32:36.000Z"}
    assert emu.streams()["n"] == [[T0, 7]]


@pytest.mark.parametrize("key,status", [("WRONG", 403), ("FAKEkey+with/slash==", 403)])
def test_wrong_or_unescaped_key_is_403_and_dead_lettered(hub, key, status):
    from iotpush import PushError

    pb = _pb(_emu_url(hub, key), columns=COLS, rate=1000)
    with pytest.raises(PushError) as e:
        pb.push_rows([{"n": 1}])
    assert e.value.status == status and not e.value.retained and pb.streamer.rejected == 1
    assert hub["powerbi"].rows == []


def test_unknown_column_without_a_schema_is_404_from_the_service(hub):
    from iotpush import PushError

    pb = _pb(_emu_url(hub), rate=1000)  # no columns: we cannot know
    with pytest.raises(PushError) as e:
        pb.push_rows([{"n": 1, "another_number_value": 2}])
    assert e.value.status == 404 and not e.value.retained
    assert "not in the schema" in str(e.value)
    assert pb.push_rows([{"n": 2}]) == 1  # the next batch is not poisoned


def test_unknown_dataset_is_404(hub):
    from iotpush import PushError

    pb = _pb(_emu_url(hub, path=PATH.replace("5555", "6666")), rate=1000)
    with pytest.raises(PushError) as e:
        pb.push_rows([{"n": 1}])
    assert e.value.status == 404


def test_emulator_rate_limit_429_and_nothing_is_lost(hub, mp):
    from iotpush import Streamer

    emu = hub["powerbi"]
    emu.rate_per_s = 1
    emu.now = lambda: mp.clock.ms / 1000  # the emulator's window runs on the test's fake time
    pb = _pb(_emu_url(hub), columns=COLS, rate=5, body_size=512)
    st = Streamer(pb, capacity=256)
    for i in range(60):
        st.log_row({"n": i, "room": "x" * 40})
    assert st.drain(timeout_ms=10 ** 6) == 120
    assert [r["row"]["n"] for r in emu.rows] == list(range(60))
    assert any(getattr(r, "status", 0) == 429 for _, r in emu.log)


@pytest.mark.parametrize("fault", [("reset",), ("garbage",), ("stall", 1.5), ("status", 502)])
def test_network_faults_keep_the_rows(hub, mp, fault):
    from iotpush import PushError

    emu = hub["powerbi"]
    emu.inject(fault)
    pb = _pb(_emu_url(hub), columns=COLS, rate=1000, timeout=0.5)
    with pytest.raises(PushError) as e:
        pb.push_rows([{"n": 1}])
    assert e.value.retained
    mp.clock.advance(pb.streamer.next_retry_ms)
    assert pb.push_rows([]) == 1 and [r["row"] for r in emu.rows] == [{"n": 1}]


def _raw(hub, body, key=KEY_IN_URL, ctype="application/json", method="POST", path=PATH):
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=5)
    try:
        c.request(method, "/powerbi" + path + "?key=" + key, body=body,
                  headers={"Content-Type": ctype})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


@pytest.mark.parametrize("body,status", [
    ([{"n": 1}], 200),
    ([{"ts": "2020-06-15T16:32:36"}, {"ts": "2020-06-15T16:32:36.5+02:00"}], 200),
    ({"n": 1}, 400),  # the seed's bare object
    ([], 400),
    ([5], 400),
    ([{"n": "1"}], 400),
    ([{"n": True}], 400),
    ([{"door": 1}], 400),
    ([{"room": 1}], 400),
    ([{"room": "x" * 4001}], 400),
    ([{"ts": "15/06/2020"}], 400),
    ([{"ts": 1592238756}], 400),
    ([{"another_number_value": 1}], 404),
    ([{"n": 1}] * 10001, 413),  # over 15 KB before anything else
    ([{"room": "x" * 3900}] * 4, 413),
    (b"[not json", 400),
])
def test_the_emulator_is_strict(hub, body, status):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    got, reply = _raw(hub, raw)
    assert got == status, reply
    if status != 200:
        assert "error" in json.loads(reply) or "message" in json.loads(reply)


def test_the_emulator_checks_key_method_type_and_size(hub):
    emu = hub["powerbi"]
    assert _raw(hub, b"[]", key="nope")[0] == 403
    assert _raw(hub, b'[{"n": 1}]', ctype="text/plain")[0] == 400
    assert _raw(hub, b"", method="GET")[0] == 405
    assert _raw(hub, b'[{"n": 1}]', path="/beta/x/rows")[0] == 404
    emu.max_bytes = 15 * 1024
    ok = json.dumps([{"room": "x" * 3000}] * 5).encode()
    assert len(ok) <= 15 * 1024 and _raw(hub, ok)[0] == 200
    emu.max_bytes = 10 ** 6
    assert _raw(hub, json.dumps([{}] * 10001).encode())[0] == 400  # 10,000 rows a request
    assert _raw(hub, json.dumps([{}] * 10000).encode())[0] == 200
    emu.rate_per_s = 1
    assert [_raw(hub, b'[{"n": 1}]')[0] for _ in range(2)] == [200, 429]


# --- MicroPython, 64K heap, real HTTP ------------------------------------------------------------
def _mp_row(i):
    r = {"temp": i * 0.37 + 1 / 3, "n": i}
    if i % 3 == 0:
        r["room"] = "r%d \u00b0C" % i
    if i % 4 == 0:
        r["door"] = i % 8 == 0
    return r


def test_micropython_500_rows_through_a_streamer_nothing_lost(mp_tests, hub):
    emu = hub["powerbi"]
    emu.inject(("status", 429, {"Retry-After": "1"}), ("reset",), None, ("status", 503))
    t0 = time.time()
    r = mp_tests("t_powerbi_500", env={"PBI_URL": _emu_url(hub)})
    t1 = time.time()
    assert r.returncode == 0, r.output
    assert "failures 3 dropped 0 rejected 0" in r.output, r.output
    rows = [x["row"] for x in emu.rows]
    want = [_mp_row(i) for i in range(500)]
    assert [{k: v for k, v in x.items() if k != "ts"} for x in rows] == want  # once, in order
    for x, w in zip(rows, want):
        assert {k: type(v) for k, v in x.items() if k != "ts"} == {k: type(v) for k, v in w.items()}
        assert t0 - 1 <= _iso_seconds(x["ts"]) <= t1 + 1
    assert all(len(q.body) <= 512 for q, _ in emu.log)


def test_micropython_push_rows_direct_path(mp_tests, hub):
    emu = hub["powerbi"]
    emu.inject(None, ("status", 500), None, None, ("reset",))
    r = mp_tests("t_powerbi_rows", env={"PBI_URL": _emu_url(hub)})
    assert r.returncode == 0, r.output
    assert "sent 200 failures 2 dropped 0" in r.output, r.output
    want = [{"temp": i / 7, "n": i, "label": "row %d" % i} if i % 2 else {"n": i}
            for i in range(200)]
    assert [x["row"] for x in emu.rows] == want


def test_micropython_typed_log_of_a_number_allocates_nothing(mp_tests):
    r = mp_tests("t_alloc_services", ["powerbi"])
    assert r.returncode == 0, r.output
    assert "powerbi alloc per typed log(float): 0.0 bytes" in r.output, r.output
    assert "powerbi alloc per typed log(bool): 0.0 bytes" in r.output, r.output
