"""NikDev IoT: golden requests against the nikdev-iot 0.5.5 capture, status handling for every
status class, bad input, per-instance state, the emulator over HTTP, and 500 entries from the
real MicroPython interpreter (64K heap) to the emulator."""
import ast
import http.client
import json
import time
import urllib.parse

import pytest

from tests.host.captures import api_headers, scenario

DEV = "0f8fad5b-d9cb-469f-a165-70867728950e"
KEY = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
OK = (201, {"Content-Type": "application/json"}, b'{"message": "OK"}')


SHARED_HUB = True  # one emulator hub for this module, reset before each test (conftest)


def _api(**cfg):
    from iotpush.services.nikdev import Api

    c = {"deviceId": DEV, "apiKey": KEY, "baseUrl": "https://iot.nik-dev.se/api/v1/"}
    c.update(cfg)
    return Api(c)


def _emu_api(hub, **cfg):
    cfg.setdefault("baseUrl", hub.base("nikdev") + "/api/v1/")
    return _api(**cfg)


def _path(url):
    return urllib.parse.urlsplit(url).path


def _values(body):
    return [[(k, v, type(v)) for d in e["values"] for k, v in d.items()] for e in body["entries"]]


# --- golden ------------------------------------------------------------------------------------
def test_golden_two_commits_one_push(http):
    cap = scenario("nikdev", "add_commit_commit_push")["requests"][0]
    http.answer(OK)
    api = _api()
    t0 = int(time.time())
    api.add_value("temperature", 21.5)
    api.add_value("status message", "hello world \u00fcn\u00efc\u00f8d\u00e9 \u2713")
    api.add_value("count", 7)
    api.add_value("door_open", True)
    api.add_value("count", 8)  # same field again: replaced in place, keeps its position
    api.commit()
    api.add_value("temperature", 21.75)
    api.commit()
    assert api.pending_entries == 2 and api.pending == 5
    api.push()
    t1 = int(time.time())
    assert len(http.sent) == 1 and api.pending_entries == 0
    sent = http.sent[0]
    assert (sent.method, _path(sent.url)) == (cap["method"], cap["path"])
    assert api_headers(sent.headers) == api_headers(cap["headers"])
    ours, theirs = sent.json(), cap["body_json"]
    assert list(ours) == list(theirs) == ["clientTimestamp", "entries"]
    assert [list(e) for e in ours["entries"]] == [list(e) for e in theirs["entries"]]
    assert _values(ours) == _values(theirs)
    stamps = [ours["clientTimestamp"]] + [e["timestamp"] for e in ours["entries"]]
    assert all(type(s) is int and t0 <= s <= t1 for s in stamps)  # whole seconds, now
    assert b'"timestamp": %d,' % stamps[1] in sent.body  # an int on the wire, no fraction


def test_golden_commit_and_push_keeps_the_float_type(http):
    cap = scenario("nikdev", "commit_and_push")["requests"][0]
    http.answer(OK)
    api = _api()
    api.add_value("humidity", 40.0)
    api.commit_and_push()
    sent = http.sent[0]
    assert (sent.method, _path(sent.url)) == (cap["method"], cap["path"])
    assert api_headers(sent.headers) == api_headers(cap["headers"])
    assert _values(sent.json()) == _values(cap["body_json"]) == [[("humidity", 40.0, float)]]


def test_golden_get_values_shifts_timestamps_by_the_clock_difference(http):
    cap = scenario("nikdev", "get_values")["requests"][0]
    http.answer((200, cap["response"]["headers"], cap["response"]["body"].encode()))
    api = _api()
    before = time.time()
    got = api.get(["temperature", "humidity"])
    after = time.time()
    sent = http.sent[0]
    assert (sent.method, _path(sent.url)) == (cap["method"], cap["path"])
    assert api_headers(sent.headers) == api_headers(cap["headers"]) and sent.body == b""
    server = json.loads(cap["response"]["body"])["data"]
    lo, hi = round(before - server["servertime"]), round(after - server["servertime"])
    assert [(v.field_id, v.value) for v in got] == [("temperature", 21.5), ("humidity", 21.5)]
    for v in got:
        assert lo - 1 <= v.timestamp - 1795303093 <= hi + 1


def test_golden_push_400_keeps_entries_with_the_servers_message(http):
    cap = scenario("nikdev", "push_400")
    r = cap["requests"][0]["response"]
    http.answer((400, r["headers"], r["body"].encode()), OK)
    from iotpush.services.nikdev import PushException

    api = _api()
    api.add_value("temperature", 30.0)
    api.commit()
    with pytest.raises(PushException) as e:
        api.push()
    want = cap["client_outcome"]["returned"]
    assert str(e.value) == want["exception"] == "Bad request: Invalid API key"
    assert e.value.retained_data is True and e.value.status == 400
    assert api.pending_entries == want["entries_left"] == 1
    api.push()  # the caller pushes again: the same entry goes out
    assert http.sent[1].json()["entries"] == http.sent[0].json()["entries"]
    assert api.pending_entries == 0


def test_golden_push_500_then_manual_retry(http):
    cap = scenario("nikdev", "push_500_then_manual_retry")
    http.answer((500, {}, b"Internal Server Error"), OK)
    from iotpush.services.nikdev import PushException

    api = _api()
    api.add_value("temperature", 30.0)
    api.commit()
    with pytest.raises(PushException) as e:
        api.push()
    want = cap["client_outcome"]["returned"]
    assert str(e.value) == want["exception"] and e.value.retained_data is True
    assert api.pending_entries == want["entries_left"]
    api.push()  # at once: push() does not wait for a backoff, it is the caller's attempt
    assert api.pending_entries == want["entries_left_after_retry"] == 0
    a, b = (s.json() for s in http.sent)
    assert a["entries"] == b["entries"] and _values(a) == _values(cap["requests"][0]["body_json"])


def test_golden_403_without_message_is_a_push_exception_not_a_key_error(http):
    cap = scenario("nikdev", "push_403_json_without_message")
    assert cap["client_outcome"]["exception"] == "builtins.KeyError"  # the official client
    r = cap["requests"][0]["response"]
    http.answer((403, r["headers"], r["body"].encode()))
    from iotpush.services.nikdev import PushException

    api = _api()
    api.add_value("temperature", 31.0)
    api.commit()
    with pytest.raises(PushException) as e:
        api.push()
    assert str(e.value) == "Bad request: 403" and e.value.status == 403
    assert e.value.retained_data is True and api.pending_entries == 1  # kept: fix the key


def test_golden_a_second_instance_does_not_inherit_the_first_ones_state(http):
    cap = scenario("nikdev", "second_api_instance_same_process")["requests"][0]
    assert len(cap["body_json"]["entries"]) == 3  # the official client leaked two entries
    http.answer(OK, OK)
    first = _api()
    first.add_value("temperature", 21.5)
    first.commit()
    first.add_value("temperature", 22.0)  # staged, not committed
    first.push()
    second = _api()
    second.add_value("temperature", 19.0)
    assert second.staged == 1 and first.staged == 1
    second.commit_and_push()
    assert _values(http.sent[1].json()) == [[("temperature", 19.0, float)]]
    assert first.pending_entries == 0 and first.staged == 1


def test_timeout_and_headers_on_every_request(http):
    http.answer(OK, (200, {}, b'{"data": {"servertime": 1, "values": []}}'))
    api = _api(requestTimeout=3)
    api.add_value("a", 1)
    api.commit_and_push()
    assert api.get("a") == []
    assert http.timeouts == [3, 3]
    assert _path(http.sent[1].url) == "/api/v1/values/a"
    assert http.closed == http.opened == 2  # every response closed


# --- status classes -----------------------------------------------------------------------------
@pytest.mark.parametrize("answer,message,status", [
    (OSError(110), "Bad luck: client timeout or unexpected server error.", None),
    (OSError(104), "Bad luck: client timeout or unexpected server error.", None),
    ((500, {}, b""), "Bad luck: client timeout or unexpected server error.", 500),
    ((503, {"Retry-After": "60"}, b"busy"), "Bad luck: client timeout or unexpected server error.", 503),
    ((401, {}, b'{"message": "Invalid device id or API key"}'),
     "Bad request: Invalid device id or API key", 401),
    ((403, {}, b'{"message": "API key has no write access"}'),
     "Bad request: API key has no write access", 403),
    ((404, {}, b"<html>Not Found</html>"), "Bad request: 404", 404),
    ((413, {}, b""), "Bad request: 413", 413),
    ((429, {}, b'{"message": 5}'), "Bad request: 429", 429),
    ((301, {"Location": "x"}, b""), "Bad request: 301", 301),
])
def test_every_failure_keeps_the_entries_and_says_why(http, answer, message, status):
    from iotpush import PushError
    from iotpush.services.nikdev import PushException

    http.answer(answer, OK)
    api = _api()
    api.add_value("t", 1.5)
    api.commit()
    with pytest.raises(PushException) as e:
        api.push()
    assert isinstance(e.value, PushError) and e.value.retained and e.value.retained_data
    assert (str(e.value), e.value.status) == (message, status)
    assert api.pending_entries == 1 and api.streamer.rejected == 0
    api.push()
    assert api.pending_entries == 0 and _values(http.sent[1].json()) == [[("t", 1.5, float)]]


def test_a_persistent_4xx_never_loops_each_push_is_one_attempt(http, mp):
    from iotpush.services.nikdev import PushException

    http.default = (401, {}, b'{"message": "no"}')
    api = _api()
    api.add_value("t", 1)
    api.commit()
    for n in range(1, 4):
        with pytest.raises(PushException):
            api.push()
        assert len(http.sent) == n  # one request per push(), at once, no sleeping
    assert mp.clock.slept == 0 and api.pending_entries == 1
    api.reset_unpushed_entries()  # the user's way out: counted, not silent
    assert api.pending == 0 and api.discarded == 1
    api.push()
    assert len(http.sent) == 3  # nothing committed: no request


def test_server_down_is_bad_luck_and_kept(mp):
    from iotpush.services.nikdev import PushException

    api = _api(baseUrl="http://127.0.0.1:9/api/v1/")  # port 9: connection refused
    api.add_value("t", 1)
    api.commit()
    with pytest.raises(PushException) as e:
        api.push()
    assert e.value.retained_data and e.value.status is None and api.pending == 1


def test_many_entries_go_in_several_bounded_requests_and_a_failure_keeps_the_rest(http):
    from iotpush.services.nikdev import PushException

    http.answer(OK, (503, {}, b""), OK, OK, OK, OK, OK)
    api = _api(capacity=512)
    for i in range(60):
        api.add_value("label", "x" * 60 + str(i))
        api.add_value("i", i)
        api.commit()
    with pytest.raises(PushException):
        api.push()
    first = http.sent[0].json()["entries"]
    assert 0 < len(first) < 60 and api.pending_entries == 60 - len(first)
    api.push()
    got = [e for s in http.sent if s is not http.sent[1] for e in s.json()["entries"]]
    assert [e["values"][1]["i"] for e in got] == list(range(60))  # each once, in order
    assert all(len(s.body) <= 2048 for s in http.sent)
    assert http.sent[2].json()["entries"] == http.sent[1].json()["entries"]  # failed one resent


def test_overflow_drops_the_oldest_values_and_counts_them(http):
    http.answer(OK)
    api = _api(capacity=8)
    for i in range(5):
        api.add_value("a", i)
        api.add_value("b", -i)
        api.commit()
    assert api.dropped == 2 and api.pending_entries == 4
    api.push()
    assert _values(http.sent[0].json()) == [[("a", i, int), ("b", -i, int)] for i in range(1, 5)]


def test_server_message_never_echoes_the_key(http):
    from iotpush.services.nikdev import PushException

    http.answer((400, {}, json.dumps({"message": "bad key %s" % KEY}).encode()))
    api = _api()
    api.add_value("t", 1)
    api.commit()
    with pytest.raises(PushException) as e:
        api.push()
    assert KEY not in str(e.value) and "bad key ***" in str(e.value)
    for text in (repr(api), repr(api.service), repr(api.streamer), str(api.streamer.last_error)):
        assert KEY not in text


# --- get() errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize("answer,message,status", [
    (OSError(110), "Bad luck: client timeout or unexpected server error.", None),
    ((502, {}, b""), "Bad luck: client timeout or unexpected server error.", 502),
    ((401, {}, b'{"message": "Invalid device id or API key"}'),
     "Bad request: Invalid device id or API key", 401),
    ((400, {}, b'{"detail": "x"}'), "Bad request: 400", 400),
    ((200, {}, b'{"data": {"values": []}}'), "unexpected answer from the server", 200),
    ((200, {}, b"not json"), "unexpected answer from the server", 200),
    ((200, {}, b'{"data": {"servertime": 5, "values": [1, 2]}}'),
     "unexpected answer from the server", 200),
    ((200, {}, b'{"data": {"servertime": "5", "values": [{"a": {"value": 1, "timestamp": 3}}]}}'),
     "unexpected answer from the server", 200),
])
def test_get_failures_raise_get_exception(http, answer, message, status):
    from iotpush.services.nikdev import GetException

    http.answer(answer)
    with pytest.raises(GetException) as e:
        _api().get(["a", "b"])
    assert (str(e.value), e.value.status) == (message, status)


def test_get_percent_encodes_field_ids_and_keeps_commas_as_separators(http):
    http.answer((200, {}, b'{"data": {"servertime": 0, "values": [{"status message": '
                          b'{"value": "x", "timestamp": null}}]}}'))
    got = _api().get(["status message", "a/b,c"])
    assert urllib.parse.urlsplit(http.sent[0].url).path == "/api/v1/values/status%20message,a%2Fb%2Cc"
    assert got[0].field_id == "status message" and got[0].timestamp is None


# --- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize("field,value,exc", [
    ("t", float("nan"), ValueError),
    ("t", float("inf"), ValueError),
    ("t", float("-inf"), ValueError),
    ("t", None, ValueError),
    ("t", [1], TypeError),
    ("t", {"a": 1}, TypeError),
    ("t", b"bytes", TypeError),
    ("t", "v" * 1001, ValueError),
    (5, 1, TypeError),
    (None, 1, TypeError),
    ("", 1, ValueError),
    ("k" * 101, 1, ValueError),
    ("a\nb", 1, ValueError),
])
def test_bad_values_are_refused_at_add_value(field, value, exc):
    api = _api()
    api.add_value("ok", 1)
    with pytest.raises(exc):
        api.add_value(field, value)
    assert api.staged == 1


def test_an_entry_holds_at_most_keys_values():
    api = _api(keys=3)
    for k in "abc":
        api.add_value(k, 1)
    api.add_value("a", 2)  # replacing is fine
    with pytest.raises(ValueError, match="at most 3"):
        api.add_value("d", 1)
    api.commit()
    assert api.pending == 3


def test_too_many_distinct_fields_fail_at_commit_and_nothing_is_committed():
    api = _api(keys=4)
    for k in "abcd":
        api.add_value(k, 1)
    api.commit()
    for k in "efgh":
        api.add_value(k, 1)
    with pytest.raises(ValueError, match="distinct keys"):
        api.commit()
    assert api.pending == 4 and api.staged == 4


@pytest.mark.parametrize("config,exc", [
    (None, TypeError),
    ([DEV, KEY], TypeError),
    ({"deviceId": DEV}, ValueError),
    ({"apiKey": KEY}, ValueError),
    ({"deviceId": DEV, "apiKey": KEY[:-1]}, ValueError),
    ({"deviceId": DEV, "apiKey": KEY.replace("7", "g")}, ValueError),
    ({"deviceId": DEV, "apiKey": KEY.replace("-", "_")}, ValueError),
    ({"deviceId": DEV, "apiKey": 1234}, TypeError),
    ({"deviceId": "my device", "apiKey": KEY}, ValueError),
    ({"deviceId": DEV, "apiKey": KEY, "storagePath": "/"}, ValueError),
    ({"deviceId": DEV, "apiKey": KEY, "baseUrl": "iot.nik-dev.se/api/v1/"}, ValueError),
    ({"deviceId": DEV, "apiKey": KEY, "requestTimeout": 0}, ValueError),
    ({"deviceId": DEV, "apiKey": KEY, "requestTimeout": "10"}, ValueError),
    ({"deviceId": DEV, "apiKey": KEY, "capacity": 0}, ValueError),
    ({"deviceId": DEV, "apiKey": KEY, "keys": 300}, ValueError),
])
def test_bad_config_is_refused_without_echoing_the_key(config, exc):
    from iotpush.services.nikdev import Api

    with pytest.raises(exc) as e:
        Api(config)
    assert KEY not in str(e.value) and KEY[:-1] not in str(e.value)


def test_from_credentials_and_base_url_without_slash(http):
    from iotpush.services.nikdev import Api

    http.answer(OK)
    api = Api.from_credentials(DEV.upper(), KEY)
    assert api.service.url == "https://iot.nik-dev.se/api/v1/entries/"
    api2 = _api(baseUrl="http://127.0.0.1:1/x/api/v1")
    assert api2.service.url == "http://127.0.0.1:1/x/api/v1/entries/"
    with pytest.raises(ValueError):
        Api.from_credentials(DEV, "not-a-uuid")
    assert "apiKey=hidden" in repr(api) and KEY not in repr(api)


def test_commit_with_nothing_staged_commits_nothing(http):
    api = _api()
    api.commit()
    api.push()
    assert api.pending == 0 and http.sent == []
    api.add_value("x", 1)
    api.reset()
    api.commit()
    assert api.pending == 0


def test_core_streamer_with_the_nikdev_service_dead_letters_4xx(http):
    """Used directly with a Streamer (no Api), a 4xx follows the core rule: dead letters."""
    from iotpush import PushError, Streamer
    from iotpush.services.nikdev import NikDev

    http.answer((400, {}, b'{"message": "no"}'), OK)
    st = Streamer(NikDev(DEV, KEY))
    st.log_row({"a": 1})
    with pytest.raises(PushError) as e:
        st.flush()
    assert not e.value.retained and st.rejected == 1 and st.pending == 0
    st.log_row({"a": 2})
    assert st.flush() == 1


# --- the emulator over HTTP ----------------------------------------------------------------------
def test_end_to_end_push_and_get_through_the_emulator(hub):
    emu = hub["nikdev"]
    emu.clock_offset = 3600  # the server's clock runs an hour ahead
    api = _emu_api(hub)
    t0 = int(time.time())
    from iotpush.clock import clock

    clock.resync()  # fake ticks do not follow real time: anchor on the wall clock now
    api.add_value("temperature", 21.5)
    api.add_value("status message", "h\u00e9llo \u2713")
    api.add_value("door_open", False)
    api.commit()
    api.add_value("temperature", 21.75)
    api.add_value("count", 2 ** 40)
    api.commit()
    api.push()
    t1 = int(time.time())
    assert [e["values"] for e in emu.entries] == [
        [("temperature", 21.5), ("status message", "h\u00e9llo \u2713"), ("door_open", False)],
        [("temperature", 21.75), ("count", 2 ** 40)]]
    assert all(t0 <= e["timestamp"] <= t1 for e in emu.entries)
    assert all(t0 + 3599 <= e["server_ts"] <= t1 + 3601 for e in emu.entries)  # skew corrected
    got = api.get(["temperature", "count", "nothing"])
    assert [(v.field_id, v.value) for v in got] == [("temperature", 21.75), ("count", 2 ** 40),
                                                    ("nothing", None)]
    assert all(t0 - 2 <= v.timestamp <= t1 + 2 for v in got[:2])  # back in our clock
    assert got[2].timestamp is None
    assert emu.streams()["temperature"][-1][1] == 21.75


def test_wrong_and_read_only_keys_at_the_emulator(hub):
    from tools.emulators.nikdev import READ_ONLY_KEY

    from iotpush.services.nikdev import PushException

    emu = hub["nikdev"]
    wrong = _emu_api(hub, apiKey="00000000-0000-4000-8000-000000000000")
    ro = _emu_api(hub, apiKey=READ_ONLY_KEY)
    for api, status, msg in ((wrong, 401, "Invalid device id or API key"),
                             (ro, 403, "API key has no write access")):
        api.add_value("t", 1)
        api.commit()
        with pytest.raises(PushException) as e:
            api.push()
        assert (e.value.status, str(e.value)) == (status, "Bad request: " + msg)
        assert e.value.retained_data and api.pending_entries == 1
    assert emu.entries == []
    assert ro.get("t")[0].value is None  # reading is allowed with the read-only key


@pytest.mark.parametrize("fault", [("reset",), ("garbage",), ("status", 502), ("stall", 1.5)])
def test_network_faults_at_the_emulator_keep_the_entries(hub, fault):
    from iotpush.services.nikdev import PushException

    emu = hub["nikdev"]
    emu.inject(fault)
    api = _emu_api(hub, requestTimeout=0.5)
    api.add_value("t", 1.25)
    api.commit()
    with pytest.raises(PushException) as e:
        api.push()
    assert e.value.retained_data and api.pending_entries == 1
    assert str(e.value).startswith("Bad luck")
    api.push()
    assert [e["values"] for e in emu.entries] == [[("t", 1.25)]]


def _raw(hub, method, path, body=b"", headers=None):
    h = {"x-device-id": DEV, "x-api-key": KEY, "Content-Type": "application/json"}
    h.update(headers or {})
    h = {k: v for k, v in h.items() if v is not None}
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=5)
    try:
        c.request(method, "/nikdev" + path, body=body, headers=h)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


GOOD = {"clientTimestamp": 1795303153, "entries": [{"timestamp": 1795303152, "values": [{"a": 1}]}]}


@pytest.mark.parametrize("body,headers,status", [
    (GOOD, None, 201),
    (dict(GOOD, entries=[]), None, 201),
    (GOOD, {"x-api-key": None}, 401),
    (GOOD, {"x-device-id": "0f8fad5b-d9cb-469f-a165-000000000000"}, 401),
    (GOOD, {"Content-Type": "text/plain"}, 400),
    ([GOOD], None, 400),
    (dict(GOOD, extra=1), None, 400),
    (dict(GOOD, clientTimestamp=1795303153.5), None, 400),
    (dict(GOOD, entries=[{"timestamp": 1.5, "values": [{"a": 1}]}]), None, 400),
    (dict(GOOD, entries=[{"timestamp": 1, "values": {"a": 1}}]), None, 400),
    (dict(GOOD, entries=[{"timestamp": 1, "values": [{"a": 1, "b": 2}]}]), None, 400),
    (dict(GOOD, entries=[{"timestamp": 1, "values": [{"a": None}]}]), None, 400),
    (dict(GOOD, entries=[{"timestamp": 1, "values": [{"a": [1]}]}]), None, 400),
    (b"{not json", None, 400),
])
def test_the_emulator_is_strict(hub, body, headers, status):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    got, reply = _raw(hub, "POST", "/api/v1/entries/", raw, headers)
    assert got == status, reply
    if status == 201:
        assert json.loads(reply) == {"message": "OK"}
    else:
        assert "message" in json.loads(reply)


def test_the_emulator_routes(hub):
    assert _raw(hub, "GET", "/api/v1/entries/")[0] == 405
    assert _raw(hub, "POST", "/api/v1/entries")[0] == 404  # the trailing slash is part of it
    assert _raw(hub, "GET", "/api/v1/values/")[0] == 400
    assert _raw(hub, "GET", "/api/v1/values/a,,b")[0] == 400
    status, reply = _raw(hub, "GET", "/api/v1/values/a%20b,c")
    assert status == 200
    assert json.loads(reply)["data"]["values"] == [{"a b": {"value": None, "timestamp": None}},
                                                   {"c": {"value": None, "timestamp": None}}]


# --- MicroPython, 64K heap, real HTTP ----------------------------------------------------------------
def _expected_entries():
    out = []
    for i in range(500):
        vals = [("t", i * 0.37 + 1 / 3), ("n", i * 2)]
        if i % 5 == 0:
            vals.append(("s", "s%d \u00e9" % i))
        if i % 7 == 0:
            vals.append(("b", i % 2 == 0))
        out.append(vals)
    return out


def test_micropython_500_entries_to_the_emulator_nothing_lost(mp_tests, hub):
    emu = hub["nikdev"]
    emu.inject(("status", 503), ("reset",), ("status", 400, None, b'{"message": "try later"}'))
    t0 = int(time.time())
    r = mp_tests("t_nikdev_500", env={"NIKDEV_URL": hub.base("nikdev") + "/api/v1/"})
    t1 = int(time.time())
    assert r.returncode == 0, r.output
    assert "failures 3" in r.output, r.output  # the injected faults, each retried by push()
    got = [e["values"] for e in emu.entries]
    want = _expected_entries()
    assert got == want  # every entry once, in order, values exact (floats bit for bit)
    assert [[type(v) for _, v in e] for e in got] == [[type(v) for _, v in e] for e in want]
    assert all(type(e["timestamp"]) is int and t0 <= e["timestamp"] <= t1 for e in emu.entries)
    assert len(emu.requests_to("/api/v1/entries/")) >= 500 // 6
    assert all(len(q.body) <= 1024 for q in emu.requests_to("/api/v1/entries/"))


def test_micropython_add_value_and_commit_allocate_nothing_for_numbers(mp_tests):
    r = mp_tests("t_alloc_services", ["nikdev"])
    assert r.returncode == 0, r.output
    assert "nikdev alloc per add_value x3 + commit: 0.0 bytes" in r.output, r.output


def test_micropython_get_reads_back_with_the_clock_difference(mp_tests, hub):
    emu = hub["nikdev"]
    emu.clock_offset = -7200  # the server's clock runs two hours behind
    api = _emu_api(hub)
    api.add_value("temperature", 19.25)
    api.add_value("status message", "h\u00e9 \u2713")
    api.add_value("door_open", True)
    api.commit_and_push()
    stamp = emu.entries[0]["timestamp"]
    r = mp_tests("t_nikdev_get", env={"NIKDEV_URL": hub.base("nikdev") + "/api/v1/"})
    assert r.returncode == 0, r.output
    got = {}
    for line in r.output.splitlines():
        if line.startswith("got|"):
            _, name, value, ts = line.split("|")
            got[name] = (value, ts)
    got = {k: (ast.literal_eval(v), ast.literal_eval(t)) for k, (v, t) in got.items()}
    assert got["temperature"][0] == 19.25 and got["door_open"][0] is True
    assert got["status message"][0] == "h\u00e9 \u2713"
    assert got["nothing"] == (None, None)
    for name in ("temperature", "status message", "door_open"):  # in the device's clock
        assert abs(got[name][1] - stamp) <= 2
    assert "escaped ok" in r.output
