"""IOTile Cloud on CPython: golden requests against the official client's capture (byte for byte
where the client's bytes are deterministic), the strict emulator end to end over HTTP, every
error class, malformed pages, uploads, sum reports, and readings through the core Streamer as
signed streamer reports."""
import base64
import hashlib
import json
import os
import re
import struct
import time
import urllib.parse

import pytest

from tests.host import mp_requests
from tests.host.captures import api_headers, scenario

CAP_HOST = "http://127.0.0.1:39787"
STREAM = "s--0000-0001--0000-0000-0000-0002--5001"


def _api(domain=CAP_HOST, **kw):
    from iotpush.services.iotile import Api

    return Api(domain=domain, **kw)


def _cap(name):
    return scenario("iotile", name)


def _answer(http, req):
    resp = req["response"]
    http.answer((resp["status"], resp["headers"], resp["body"].encode()))


def _same_request(sent, cap, body=True):
    u = urllib.parse.urlsplit(sent.url)
    assert sent.method == cap["method"]
    assert u.path == cap["path"]
    assert urllib.parse.parse_qsl(u.query, keep_blank_values=True) == [tuple(q) for q in cap["query"]]
    assert api_headers(sent.headers) == api_headers(cap["headers"])
    if body:
        assert sent.body == cap["body_text"].encode()  # byte for byte
    cl = dict((k.lower(), v) for k, v in cap["headers"]).get("content-length")
    if cl == "0":
        assert sent.headers.get("Content-Length") == "0"


@pytest.fixture
def emu(hub):
    return hub["iotile"]


def _emu_api(hub, login=True, **kw):
    api = _api(hub.base("iotile"), **kw)
    if login:
        assert api.login(email="user@example.com", password="s3cret p\u00e4ss")
    return api


# --- golden: the capture of iotile-cloud 0.9.14 -------------------------------------------------
def test_golden_login(http):
    cap = _cap("login")
    _answer(http, cap["requests"][0])
    api = _api()
    assert api.login(email="user@example.com", password="s3cret p\u00e4ss") is True
    _same_request(http.sent[0], cap["requests"][0])
    assert api.token == cap["client_outcome"]["returned"]["token"]
    assert api.username == cap["client_outcome"]["returned"]["username"]
    assert "Authorization" not in http.sent[0].headers


def test_golden_login_failure_returns_false(http):
    cap = _cap("login_failure")
    _answer(http, cap["requests"][0])
    api = _api()
    assert api.login(email="user@example.com", password="wrong") is False
    _same_request(http.sent[0], cap["requests"][0])
    assert api.token is None
    assert "Unable to login with provided credentials." in api.last_error
    assert "wrong" not in api.last_error


def test_golden_set_token_then_org_get(http):
    cap = _cap("set_token_org_get")
    _answer(http, cap["requests"][0])
    api = _api()
    api.set_token("big-ugly-token")
    assert api.org.get() == cap["client_outcome"]["returned"]
    _same_request(http.sent[0], cap["requests"][0])


def test_golden_generic_verbs_and_query_parameters(http):
    cap = _cap("org_post_put_patch_get_delete_project_filter")
    for req in cap["requests"]:
        _answer(http, req)
    api = _api()
    api.set_token("JWT.FAKE.USERTOKEN")
    got = {"post": api.org.post({"name": "My new Org"})}
    slug = got["post"]["slug"]
    got["put"] = api.org(slug).put({"about": "About Org"})
    got["patch"] = api.org(slug).patch({"about": "About new Org"})
    got["get"] = api.org(slug).get()
    got["delete"] = api.org(slug).delete()
    got["project_filter"] = api.project.get(org__slug=slug)
    assert got == cap["client_outcome"]["returned"]
    for sent, req in zip(http.sent, cap["requests"]):
        _same_request(sent, req)
    assert len(http.sent) == len(cap["requests"])
    assert http.opened == http.closed  # every response closed


@pytest.mark.parametrize("name,kwargs", [
    ("streamdata_lastn_paginated", {"lastn": 5}),
    ("streamdata_start_end", {"start": "2016-01-01T00:00:00.000Z", "end": "2016-01-30T23:00:00.000Z"}),
])
def test_golden_stream_data_pages(http, name, kwargs):
    from iotpush.services.iotile import StreamData

    cap = _cap(name)
    for req in cap["requests"]:
        _answer(http, req)
    api = _api()
    api.set_token("JWT.FAKE.USERTOKEN")
    sd = StreamData(STREAM, api, fields=None)
    sd.initialize_from_server(**kwargs)
    assert len(sd.data) == cap["client_outcome"]["returned"]["rows"]
    rows = [r for req in cap["requests"] for r in json.loads(req["response"]["body"])["results"]]
    assert list(sd.data) == rows  # whole rows kept with fields=None
    assert len(http.sent) == len(cap["requests"])
    for sent, req in zip(http.sent, cap["requests"]):
        _same_request(sent, req)


def test_golden_raw_data_filter(http):
    from iotpush.services.iotile import RawData

    cap = _cap("rawdata_filter")
    _answer(http, cap["requests"][0])
    api = _api()
    api.set_token("JWT.FAKE.USERTOKEN")
    rd = RawData(api, fields=("stream", "value"))
    rd.initialize_from_server(filter=STREAM)
    _same_request(http.sent[0], cap["requests"][0])
    assert list(rd.data) == [{"stream": STREAM, "value": 0.0}]


def test_golden_refresh_and_logout(http):
    for name in ("refresh_token", "logout"):
        _answer(http, _cap(name)["requests"][0])
    api = _api()
    api.set_token("JWT.FAKE.USERTOKEN")
    assert api.refresh_token() is True and api.token == "JWT.FAKE.REFRESHED"
    assert api.logout() is True and api.token is None
    _same_request(http.sent[0], _cap("refresh_token")["requests"][0])
    _same_request(http.sent[1], _cap("logout")["requests"][0])


def test_golden_error_mapping(http):
    from iotpush.services.iotile import HttpClientError, HttpNotFoundError, HttpServerError

    cap = _cap("error_mapping_401_404_500")
    for req in cap["requests"]:
        _answer(http, req)
    api = _api()
    api.set_token("JWT.FAKE.USERTOKEN")
    api.auto_refresh = False  # the official client does not refresh
    want = cap["client_outcome"]["returned"]
    for status, cls in (("401", HttpClientError), ("404", HttpNotFoundError), ("500", HttpServerError)):
        with pytest.raises(cls) as e:
            api.org.get()
        assert type(e.value) is cls
        official = want[status].split(": ", 1)[1]  # "Client Error 401: <url>"
        assert str(e.value) == "%s (forced %s)" % (official, status)  # plus the server's message
        assert e.value.status == int(status) and e.value.content == ('{"detail": "forced %s"}' % status).encode()
    assert issubclass(HttpNotFoundError, HttpClientError)
    for sent, req in zip(http.sent, cap["requests"]):
        _same_request(sent, req)


def test_readme_streamer_action_form_fails_before_sending_as_the_official_client(http):
    api = _api()
    api.set_token("t")
    with pytest.raises(TypeError):
        api.streamer(action="report")
    assert http.sent == [] and _cap("streamer_report_readme_form")["requests"] == []


def _boundary_of(headers):
    ct = dict((k.lower(), v) for k, v in headers)["content-type"]
    return re.match(r"multipart/form-data; boundary=([0-9a-f]{32})$", ct).group(1)


def test_golden_event_upload_is_the_captured_multipart_body(hub, emu, tmp_path):
    cap = _cap("event_upload_with_file")["requests"][0]
    theirs = base64.b64decode(cap["body_base64"])
    f = tmp_path / "event-data.json"
    f.write_bytes(b'{"accel": [0.1, 0.2, 9.81]}')
    api = _api(hub.base("iotile"))
    api.set_token(emu.new_token())
    data = {"stream": STREAM, "timestamp": "2016-01-02T03:04:05.678000Z",
            "encoded_extra_data": json.dumps({"foo": "bar"})}
    got = api.event.upload.upload_file(filename=str(f), data=data)
    assert got == json.loads(cap["response"]["body"])
    req = emu.requests_to("/api/v1/event/upload/")[0]
    ours = req.body.replace(_boundary_of(req.headers).encode(), _boundary_of(cap["headers"]).encode())
    assert ours == theirs  # same bytes but for the random boundary
    assert req.header("Content-Length") == dict(cap["headers"])["Content-Length"] == "534"
    assert req.header("Authorization") == "jwt " + api.token
    assert {k.lower() for k, _ in req.headers} == {  # the capture's less Accept*, plus our agent
        "host", "user-agent", "authorization", "content-length", "content-type", "connection"}
    assert mp_requests.open_sockets == set()


def test_golden_streamer_report_upload(hub, emu, tmp_path):
    cap = _cap("streamer_report_upload")["requests"][0]
    theirs = base64.b64decode(cap["body_base64"])
    b = _boundary_of(cap["headers"]).encode()
    report = theirs.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--" + b + b"--\r\n", 1)[0]
    assert len(report) == 76
    f = tmp_path / "report.bin"
    f.write_bytes(report)
    api = _api(hub.base("iotile"))
    api.set_token(emu.new_token())
    got = api.streamer.report.upload_file(filename=str(f), timestamp=dict(cap["query"])["timestamp"])
    assert got == {"count": 2} == json.loads(cap["response"]["body"])
    req = emu.requests_to("/api/v1/streamer/report/")[0]
    assert req.query == [tuple(q) for q in cap["query"]]
    assert urllib.parse.urlsplit(req.target).query == urllib.parse.urlsplit(cap["target"]).query
    assert req.body.replace(_boundary_of(req.headers).encode(), b) == theirs
    rep = emu.reports[0]
    assert (rep["device"], rep["report_id"], rep["sent"], rep["selector"]) == (2, 3, 200, 0x57FF)
    assert [(r["id"], r["value"]) for r in rep["readings"]] == [(1, 42), (2, 43)]


def test_report_writer_makes_the_captured_report(tmp_path):
    from iotpush.services.iotile import ReportWriter

    cap = _cap("streamer_report_upload")["requests"][0]
    path = str(tmp_path / "r.bin")
    w = ReportWriter(path, device=2, report_id=3, sent_timestamp=200, selector=0x57FF)
    w.add(0x5001, 1, 100, 42)
    w.add(0x5001, 2, 160, 43)
    assert w.close() == 76
    with open(path, "rb") as f:
        mine = f.read()
    assert mine in base64.b64decode(cap["body_base64"])
    with pytest.raises(ValueError):
        ReportWriter(str(tmp_path / "x"), device=-1)
    w = ReportWriter(str(tmp_path / "y"), device=1)
    for bad in ((0, 1, 0, 0), (1, -1, 0, 0), (1, 1, 1 << 32, 0), (1, 1, 0, 1 << 32), (1, 1, 0, 1.5)):
        with pytest.raises(ValueError):
            w.add(*bad)
    w.close()


# --- the emulator: auth ---------------------------------------------------------------------------
def test_login_refresh_logout_against_the_emulator(hub, emu):
    from iotpush.services.iotile import HttpClientError

    api = _api(hub.base("iotile"))
    assert api.login(email="user@example.com", password="nope") is False
    assert "Unable to login" in api.last_error and "nope" not in api.last_error
    assert api.login(email="user@example.com", password="s3cret p\u00e4ss")
    first = api.token
    assert api.org.get()["count"] == 0
    emu.expire(first)  # the next call gets 401, refreshes once and is repeated
    assert api.org.get()["count"] == 0
    assert api.token != first and len(emu.requests_to("/api/v1/auth/api-jwt-refresh/")) == 1
    emu.revoke(api.token)  # now refresh fails too: the 401 surfaces, the token is dropped
    with pytest.raises(HttpClientError) as e:
        api.org.get()
    assert e.value.status == 401 and api.token is None
    assert api.login(email="user@example.com", password="s3cret p\u00e4ss")
    tok = api.token
    assert api.logout() is True and api.token is None
    assert tok not in emu.tokens
    api.set_token(tok)
    assert api.logout() is False and "401" in api.last_error and tok not in api.last_error
    assert tok not in repr(api)


def test_set_token_and_configuration_are_checked():
    from iotpush.services.iotile import Api

    for bad in ("", "a b", None, 5):
        with pytest.raises((ValueError, TypeError)):
            Api().set_token(bad)
    for domain, exc in (("ftp://x", ValueError), ("https://", ValueError), ("x", ValueError),
                        (5, TypeError), ("https://a b", ValueError), ("https://u:p@h", ValueError)):
        with pytest.raises(exc):
            Api(domain=domain)
    with pytest.raises(ValueError):
        Api(timeout=0)
    with pytest.raises(ValueError):
        Api(retries=-1)
    with pytest.raises(TypeError):
        Api().login(email="a", password=None)
    assert Api().base_url == "https://iotile.cloud/api/v1"
    assert Api(domain="http://h:1/x/").base_url == "http://h:1/x/api/v1"


# --- the emulator: generic resources --------------------------------------------------------------
def test_generic_resources_end_to_end(hub, emu):
    from iotpush.services.iotile import HttpClientError, HttpNotFoundError

    api = _emu_api(hub)
    org = api.org.post({"name": "Acme Labs"})
    assert org["slug"] == "acme-labs"
    assert api.org("acme-labs").put({"about": "x"})["about"] == "x"
    assert api.org("acme-labs").patch({"about": "y"})["about"] == "y"
    for name in ("P1", "P2", "P3"):
        api.project.post({"name": name, "org": "acme-labs"})
    api.project.post({"name": "Other", "org": "elsewhere"})
    assert [p["name"] for p in api.org("acme-labs").projects.get()["results"]] == ["P1", "P2", "P3"]
    page = api.project.get(org__slug="acme-labs", page_size=2)
    assert page["count"] == 3 and len(page["results"]) == 2 and "page=2" in page["next"]
    assert api.project.get(org__slug="acme-labs", page_size=2, page=2)["results"][0]["name"] == "P3"
    with pytest.raises(HttpNotFoundError):
        api.project.get(page=9)
    with pytest.raises(HttpClientError) as e:
        api.org.post({"name": "Acme Labs"})
    assert e.value.status == 400 and "already exists" in str(e.value)
    with pytest.raises(HttpNotFoundError):
        api.org("nobody").get()
    with pytest.raises(HttpNotFoundError):
        api.no_such_thing.get()
    assert api.org("acme-labs").delete() is True
    assert api.org("acme-labs").delete() is False
    assert api.org.get()["count"] == 0
    # every path ends in "/", kwargs become the query, JSON calls carry the JSON content type
    for r, _ in emu.log:
        assert r.path.endswith("/")
        if "upload" not in r.path:
            assert r.header("Content-Type") == "application/json"
    assert mp_requests.open_sockets == set()


def test_resource_paths_and_repr():
    api = _api("https://iotile.cloud")
    assert api.org.url() == "https://iotile.cloud/api/v1/org/"
    assert api.org("x").projects.url() == "https://iotile.cloud/api/v1/org/x/projects/"
    assert api.stream(STREAM).data.url([("lastn", 5), ("x", None), ("b", True)]) == \
        "https://iotile.cloud/api/v1/stream/%s/data/?lastn=5&b=True" % STREAM
    assert api.streamer().report.url() == "https://iotile.cloud/api/v1/streamer/report/"
    assert "org/x/" in repr(api.org("x"))
    with pytest.raises(AttributeError):
        api._private


# --- the emulator: errors -------------------------------------------------------------------------
def test_every_error_class_from_the_emulator(hub, emu, mp):
    from iotpush.services.iotile import HttpClientError, HttpNotFoundError, HttpServerError

    api = _emu_api(hub)
    cases = [(("status", 500, {}, b'{"detail": "boom"}'), HttpServerError, "boom"),
             (("status", 502), HttpServerError, ""), (("status", 403, {}, b"forbidden!"), HttpClientError, "forbidden!"),
             (("status", 404), HttpNotFoundError, ""), (("status", 429), HttpClientError, "")]
    for fault, cls, msg in cases:
        emu.inject(fault)
        with pytest.raises(cls) as e:
            api.org.get()
        assert type(e.value) is cls and e.value.status == fault[1] and msg in str(e.value)
        assert e.value.url.endswith("/api/v1/org/")
    emu.inject(("reset",))
    with pytest.raises(OSError):
        api.org.get()
    emu.inject(("garbage",))
    with pytest.raises(OSError):  # a garbled answer is a network fault too
        api.org.get()
    assert mp_requests.open_sockets == set()  # closed on every error path


def test_retries_repeat_a_get_after_5xx_and_network_faults(hub, emu, mp):
    from iotpush.services.iotile import HttpServerError

    api = _emu_api(hub, retries=2)
    emu.inject(("status", 503), ("reset",))
    before = mp.clock.slept
    assert api.org.get()["count"] == 0
    assert mp.clock.slept - before == 1000 + 2000  # 1 s then 2 s (fake time)
    emu.inject(("status", 503), ("status", 503), ("status", 503))
    with pytest.raises(HttpServerError):
        api.org.get()
    emu.inject(("status", 503))
    with pytest.raises(HttpServerError):  # POSTs are never repeated
        api.org.post({"name": "x"})
    assert "x" not in emu.collections.get("org", {})


def test_a_page_that_failed_half_way_is_not_read_again(http):
    from iotpush.services.iotile import StreamData

    api = _api(retries=3)
    api.set_token("t")
    calls = []

    class Cut:  # hands out part of a page, then the connection drops
        def __init__(self):
            self.data = b'{"next": null, "results": [{"id": 1}, {"id": 2}, {"id": 3'

        def readinto(self, buf):
            if not self.data:
                raise OSError(104)
            n = min(len(buf), len(self.data))
            buf[:n] = self.data[:n]
            self.data = self.data[n:]
            return n

    def request(method, url, data=None, headers=None, read=0, err_read=0):
        calls.append(url)
        api.transport.status = 200
        read(Cut())
        return 200

    api.transport.request = request
    seen = []
    with pytest.raises(OSError):
        StreamData(STREAM, api).process_from_server(lambda it: seen.append(it["id"]), lastn=3)
    assert len(calls) == 1 and seen == [1, 2]


def test_every_request_has_a_timeout(hub, emu):
    api = _emu_api(hub, timeout=0.5)
    emu.inject(("stall", 2.0))
    t = time.monotonic()
    with pytest.raises(OSError):
        api.org.get()
    assert time.monotonic() - t < 1.5


def test_timeout_reaches_every_call(http):
    from iotpush.services.iotile import StreamData

    http.answer(200, (200, {}, b'{"jwt": "t", "username": "u"}'), (200, {}, b'{"results": [], "next": null}'))
    api = _api(timeout=3)
    api.org.get()
    api.login(email="a", password="b")
    StreamData(STREAM, api).initialize_from_server(lastn=1)
    assert http.timeouts == [3, 3, 3]


def test_server_echoing_the_token_is_redacted(http):
    from iotpush.services.iotile import HttpClientError

    http.answer((400, {}, b'{"detail": "bad token SECRET.TOKEN.123"}'))
    api = _api()
    api.set_token("SECRET.TOKEN.123")
    with pytest.raises(HttpClientError) as e:
        api.org.post({"a": 1})
    assert "SECRET.TOKEN.123" not in str(e.value) and "***" in str(e.value)


# --- stream data ----------------------------------------------------------------------------------
def test_stream_data_end_to_end(hub, emu):
    from iotpush.services.iotile import HttpNotFoundError, StreamData

    emu.add_stream(STREAM, values=range(2500), start="2026-01-01T00:00:00Z")
    api = _emu_api(hub)
    sd = StreamData(STREAM, api)
    seen = []
    assert sd.process_from_server(lambda it: seen.append(it["int_value"]), lastn=2500) == 2500
    assert seen == list(range(2500))
    pages = [r.arg("page") for r in emu.requests_to("/api/v1/stream/%s/data/" % STREAM)]
    assert pages == ["1", "2", "3"]  # 1000 a page
    sd.initialize_from_server(lastn=100)
    assert len(sd.data) == 100 and not sd.truncated
    assert sd.data[0] == {"timestamp": "2026-01-02T16:00:00.000000Z", "value": 2400.0}
    sd = StreamData(STREAM, api, max_items=10, fields=("value",))
    sd.initialize_from_server(lastn=2500)
    assert sd.truncated and [r["value"] for r in sd.data] == [float(i) for i in range(10)]
    assert len(emu.requests_to("/api/v1/stream/%s/data/" % STREAM)) == 5  # stopped on page 1
    sd.initialize_from_server(start="2026-01-01T00:01:00Z", end="2026-01-01T00:04:00Z")
    assert [r["value"] for r in sd.data] == [1.0, 2.0, 3.0] and not sd.truncated
    with pytest.raises(HttpNotFoundError):
        StreamData("s--0000-0009--0000-0000-0000-0009--5001", api).initialize_from_server(lastn=1)
    for kw, exc in (({"max_items": -1}, ValueError), ({"fields": "value"}, TypeError),
                    ({"item_max": 70000}, ValueError), ({"bufsize": 8}, ValueError)):
        with pytest.raises(exc):
            StreamData(STREAM, api, **kw)
    with pytest.raises(TypeError):
        sd.process_from_server(None, lastn=1)


def test_a_page_cut_short_stops_the_download(hub, emu):
    from iotpush.services.iotile import MalformedResponseError, StreamData

    emu.data_page_size = 300
    emu.add_stream(STREAM, values=range(1000))
    api = _emu_api(hub)
    sd = StreamData(STREAM, api, max_items=1000)
    emu.inject(("pass",), ("truncate",))  # page 2 arrives cut short
    with pytest.raises(MalformedResponseError):
        sd.initialize_from_server(lastn=1000)
    assert 300 <= len(sd.data) < 600  # what arrived before the cut is kept
    assert mp_requests.open_sockets == set()


@pytest.mark.parametrize("body", [
    b'{"count": 3, "next": null, "previous": null}',  # no "results": the official client loops forever
    b'{"count": 3, "next": "http://x/?page=2", "results": []}',  # "next" without progress
    b'{"results": [{"a": 1}, 2], "next": null}',
    b"<html>Bad gateway</html>",
])
def test_malformed_pages_stop_after_one_request(http, body):
    from iotpush.services.iotile import MalformedResponseError, StreamData

    http.default = (200, {}, body)
    api = _api()
    api.set_token("t")
    with pytest.raises(MalformedResponseError):
        StreamData(STREAM, api).initialize_from_server(lastn=3)
    assert len(http.sent) == 1


def test_generic_calls_keep_their_body_bounded(http):
    from iotpush.services.iotile import MalformedResponseError

    api = _api(max_body=1024)
    api.set_token("t")
    http.answer((200, {"Content-Length": "5000"}, b"x" * 5000), (200, {}, b"y" * 5000),
                (200, {}, b"not json"), (204, {}, b""), (200, {}, b""))
    for _ in range(2):
        with pytest.raises(MalformedResponseError):
            api.org.get()
    assert api.org.get() == b"not json"  # raw bytes when not JSON, as the official client
    assert api.org.get() is None
    assert api.org.get() == b""


# --- sum reports ----------------------------------------------------------------------------------
def test_accumulation_report_has_the_seed_shape(hub, emu):
    from iotpush.services.iotile import AccumulationReportGenerator

    emu.data_page_size = 7
    specs = {"s--0000-0001--0000-0000-0000-0097--5002": (10, [100.0] * 10),
             "s--0000-0001--0000-0000-0000-00a0--5001": (10, [150.0] * 10),
             "s--0000-0003--0000-0000-0000-1111--5001": (10, [200.0] * 10),
             "s--0000-0002--0000-0000-0000-2222--5001": (10, [300.0] * 10)}
    for slug, (_, vals) in specs.items():
        emu.add_stream(slug, values=vals + [999.0], start="2026-01-01T00:00:00Z")  # the last is after end
    api = _emu_api(hub)
    gen = AccumulationReportGenerator(api)
    sources = ["p--0000-0001", "d--1111", "s--0000-0002--0000-0000-0000-2222--5001",
               "s--0000-0001--0000-0000-0000-00a0--5001", "x--1", "s--0009--0009--5001"]
    stats = gen.compute_sum(sources=sources, start="2026-01-01T00:00:00Z", end="2026-01-01T00:10:00Z")
    assert stats == {"streams": {
        "s--0000-0001--0000-0000-0000-0097--5002": {"sum": 1000.0, "units": "G"},
        "s--0000-0001--0000-0000-0000-00a0--5001": {"sum": 1500.0, "units": "G"},
        "s--0000-0003--0000-0000-0000-1111--5001": {"sum": 2000.0, "units": "G"},
        "s--0000-0002--0000-0000-0000-2222--5001": {"sum": 3000.0, "units": "G"}}, "total": 7500.0}
    assert len(gen.errors) == 2  # the illegal slug and the unknown stream
    q = emu.requests_to("/api/v1/stream/")
    assert [r.query for r in q] == [[("project", "p--0000-0001")], [("device", "d--0000-0000-0000-1111")]]
    stats = gen.compute_sum(sources=["p--0000-0042"], start=1767225600, end=1767226200)
    assert stats == {"error": "No streams were found for these GIDs"}
    with pytest.raises(TypeError):
        gen.compute_sum(sources="p--0000-0001", start="x")


# --- uploads --------------------------------------------------------------------------------------
def test_upload_of_50kb_binary_and_a_token_refresh_in_between(hub, emu, tmp_path):
    from iotpush.services.iotile import HttpClientError

    data = os.urandom(50 * 1024)
    f = tmp_path / "blob.bin"
    f.write_bytes(data)
    api = _emu_api(hub)
    emu.expire(api.token)  # the first attempt gets 401: refresh, then the whole file again
    r = api.event.upload.upload_file(filename=str(f), data=[("stream", STREAM), ("timestamp", "2026-01-01T00:00:00Z")])
    assert r["has_raw_data"] and emu.uploads[-1]["file"] == data
    assert len(emu.requests_to("/api/v1/event/upload/")) == 2
    with open(str(f), "rb") as fp:  # from the current position of an open file
        fp.seek(1000)
        api.event.upload.upload_fp(fp, data={"stream": STREAM})
    assert emu.uploads[-1]["file"] == data[1000:] and emu.uploads[-1]["filename"] == "blob.bin"
    with pytest.raises(OSError):
        api.event.upload.upload_file(filename=str(tmp_path / "missing"))
    for bad in ({'na"me': "x"}, {"a\r\nb": "x"}):
        with pytest.raises(ValueError):
            api.event.upload.upload_file(filename=str(f), data=bad)
    with pytest.raises(ValueError):
        api.event.upload.upload_file(filename=str(f), mode="r")
    with pytest.raises(HttpClientError) as e:  # the emulator refuses unknown form fields
        api.event.upload.upload_file(filename=str(f), data={"stream": STREAM, "colour": "red"})
    assert e.value.status == 400 and "unknown" in str(e.value)
    emu.inject(("reset",))
    with pytest.raises(OSError):
        api.event.upload.upload_file(filename=str(f), data={"stream": STREAM})
    assert mp_requests.open_sockets == set()


def test_upload_times_out(hub, emu, tmp_path):
    f = tmp_path / "a.bin"
    f.write_bytes(b"x" * 100)
    api = _emu_api(hub, timeout=0.5)
    emu.inject(("stall", 2.0))
    t = time.monotonic()
    with pytest.raises(OSError):
        api.event.upload.upload_file(filename=str(f), data={"stream": STREAM})
    assert time.monotonic() - t < 1.5 and mp_requests.open_sockets == set()


# --- readings through the core Streamer as streamer reports -------------------------------------
def _push(hub, emu, tmp_path, login=True, **kw):
    from iotpush import Streamer
    from iotpush.services.iotile import IOTile

    api = _emu_api(hub, login=login)
    kw.setdefault("state", str(tmp_path / "iotile.ids"))
    capacity = kw.pop("capacity", 128)
    svc = IOTile(api, kw.pop("device", 0xA), rate=1000, burst=1000, **kw)
    return api, svc, Streamer(svc, capacity=capacity)


def test_readings_arrive_as_signed_reports(hub, emu, tmp_path, mp):
    api, svc, st = _push(hub, emu, tmp_path, scale=10)
    t0 = 1767225600  # 2026-01-01T00:00:00Z
    values = [(("5001", 7), 7), (("v--0000-0001--5002", -3), (-3) & 0xFFFFFFFF), (("5001", True), 10),
              (("5001", 2.25), 22), (("0fff", 0), 0)]
    for i, ((key, v), _) in enumerate(values):
        st.log(key, v, ts=t0 + i)
    for i in range(100):
        st.log("5001", i, ts=t0 + 10 + i)
    assert st.flush() == 105 and st.pending == 0
    assert len(emu.reports) == 2  # 64 readings a report
    got = emu.readings
    assert [r["id"] for r in got] == list(range(1, 106))
    assert [(r["stream"], r["value"]) for r in got[:5]] == [(0x5001, 70), (0x5002, (-30) & 0xFFFFFFFF),
                                                           (0x5001, 10), (0x5001, 22), (0x0FFF, 0)]
    assert [r["value"] for r in got[5:]] == [i * 10 for i in range(100)]
    # timestamps are board seconds since 2000, placed by the report's sent timestamp
    rep = emu.reports[0]
    assert rep["readings"][0]["timestamp"] == t0 - 946684800
    assert rep["selector"] == 0x57FF and rep["streamer"] == 0 and rep["device"] == 0xA
    assert rep["report_id"] == rep["highest"] + 1
    assert all(r["slug"] == "s--0000-0000--0000-0000-0000-000a--%04x" % r["stream"] for r in got)
    req = emu.requests_to("/api/v1/streamer/report/")[0]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", req.arg("timestamp"))
    assert req.header("Authorization") == "jwt " + api.token
    assert abs(got[0]["utc"] - t0) < 5  # arrival - sent + reading time = when it was logged


def test_a_lost_answer_resends_the_same_ids_and_the_server_recognises_them(hub, emu, tmp_path):
    from iotpush import PushError

    api, svc, st = _push(hub, emu, tmp_path, timeout=0.3, sync_ids=False)
    for i in range(10):
        st.log("5001", i)
    emu.inject(("stall_ack", 0.6))  # the report is stored, the answer comes too late
    with pytest.raises(PushError) as e:
        st.flush()
    assert e.value.retained and st.pending == 10
    st.log("5001", 10)  # one more arrived meanwhile
    st._backoff.reset()
    assert st.flush() == 11
    first, second = emu.reports
    assert [r["id"] for r in second["readings"]][:10] == [r["id"] for r in first["readings"]]
    assert second["new"] == 1 and [r["value"] for r in emu.readings] == list(range(11))
    for i in range(3):
        st.log("5001", i)
    emu.inject(("stall_ack", 0.6))
    with pytest.raises(PushError):
        st.flush()
    st._backoff.reset()
    assert st.flush() == 3
    assert emu.reports[-1]["duplicate"] and len(emu.readings) == 14


def test_reading_ids_keep_increasing_across_a_reboot(hub, emu, tmp_path):
    state = tmp_path / "iotile.ids"
    _, svc, st = _push(hub, emu, tmp_path, reserve=16)
    for i in range(40):
        st.log("5001", i)
    st.flush()
    assert int(state.read_text()) > 40  # ids reserved on flash before use
    _, svc2, st2 = _push(hub, emu, tmp_path, reserve=16)  # the board rebooted
    assert svc2.next_id > 40
    for i in range(5):
        st2.log("5001", 100 + i)
    st2.flush()
    ids = [r["id"] for r in emu.readings]
    assert len(ids) == 45 and ids == sorted(set(ids))
    assert not any(rep["duplicate"] for rep in emu.reports)
    state.write_text("garbage")
    with pytest.raises(ValueError):
        _push(hub, emu, tmp_path)
    with pytest.raises(OSError):
        _push(hub, emu, tmp_path, state=str(tmp_path / "no" / "such" / "dir"))


def test_a_lost_state_file_cannot_make_the_server_ignore_new_readings(hub, emu, tmp_path):
    state = tmp_path / "iotile.ids"
    _, svc, st = _push(hub, emu, tmp_path)
    for i in range(30):
        st.log("5001", i)
    st.flush()
    state.unlink()  # the flash was wiped: the ids would start at 1 again ...
    _, svc2, st2 = _push(hub, emu, tmp_path)
    assert svc2.next_id == 1
    for i in range(3):
        st2.log("5001", 100 + i)
    st2.flush()  # ... but the server's streamer record moves them above its last id first
    assert svc2.streamer_slug() == "t--0000-0000-0000-000a--0000"
    assert [r["id"] for r in emu.readings[30:]] == [31, 32, 33]
    assert [r["value"] for r in emu.readings[30:]] == [100, 101, 102]
    assert int(state.read_text()) > 33
    _, svc3, st3 = _push(hub, emu, tmp_path)
    emu.inject(("status", 503))  # a server that cannot say keeps the readings for later
    st3.log("5001", 7)
    from iotpush import PushError

    with pytest.raises(PushError) as e:
        st3.flush()
    assert e.value.retained and st3.pending == 1


def test_ring_overflow_skips_the_ids_of_dropped_readings(hub, emu, tmp_path):
    api, svc, st = _push(hub, emu, tmp_path, capacity=8)
    for i in range(5):
        st.log("5001", i)
    st.flush()
    for i in range(5, 25):
        st.log("5001", i)
    assert st.dropped == 12
    st.flush()
    got = [(r["id"], r["value"]) for r in emu.readings]
    assert got[:5] == [(i + 1, i) for i in range(5)]
    assert got[5:] == [(i + 1, i) for i in range(17, 25)]  # each value keeps the id of its slot


def test_a_401_refreshes_once_and_a_400_goes_to_the_dead_letters(hub, emu, tmp_path, mp):
    from iotpush import PushError

    api, svc, st = _push(hub, emu, tmp_path)
    st.log("5001", 0)
    assert st.flush() == 1  # (reads the streamer record first: none yet)
    st.log("5001", 1)
    emu.expire(api.token)
    with pytest.raises(PushError) as e:
        st.flush()
    assert e.value.retained and e.value.status == 401 and st.pending == 1
    mp.clock.advance(2000)
    assert st.flush() == 1 and emu.readings[-1]["value"] == 1
    st.log("5001", 2)
    emu.inject(("status", 400, {}, b'{"error": "nope"}'))
    with pytest.raises(PushError) as e:
        st.flush()
    assert not e.value.retained and st.rejected == 1 and st.dead.items[0][0] == 400
    st.log("5001", 3)
    assert st.flush() == 1
    assert [r["id"] for r in emu.readings] == [1, 2, 4]  # the rejected reading's id is not reused
    assert api.token not in repr(st) + repr(svc) + str(e.value)
    emu.revoke(api.token)  # a 401 whose refresh fails: that batch is rejected (dead letters) ...
    st.log("5001", 4)
    with pytest.raises(PushError) as e:
        st.flush()
    assert e.value.status == 401 and not e.value.retained and api.token is None
    st.log("5001", 5)  # ... and later readings wait for a new login instead
    with pytest.raises(PushError) as e:
        st.flush()
    assert e.value.retained and st.pending == 1 and "login" in str(e.value)
    assert api.login(email="user@example.com", password="s3cret p\u00e4ss")
    assert st.flush() == 1 and emu.readings[-1]["value"] == 5


def test_pushing_without_a_token_keeps_everything(hub, emu, tmp_path):
    from iotpush import PushError

    api, svc, st = _push(hub, emu, tmp_path, login=False)
    st.log("5001", 1)
    with pytest.raises(PushError) as e:
        st.flush()
    assert e.value.retained and "login" in str(e.value) and st.pending == 1
    assert emu.requests_to("/api/v1/streamer/report/") == []


def test_values_and_keys_the_service_refuses_at_log(hub, emu, tmp_path):
    api, svc, st = _push(hub, emu, tmp_path, scale=1000)
    cases = [("5001", "text", TypeError), ("5001", None, TypeError), ("5001", float("nan"), ValueError),
             ("5001", 5e6, ValueError), ("5001", 1 << 40, ValueError), ("xyz", 1, ValueError),
             ("0000", 1, ValueError), ("10000", 1, ValueError), ("v--0000-0001", 1, ValueError),
             (5001, 1, TypeError)]
    for key, v, exc in cases:
        with pytest.raises(exc):
            st.log(key, v)
    assert st.pending == 0
    st.log("5001", -2147.483)  # -2147483 fits
    assert st.pending == 1
    from iotpush.services.iotile import IOTile

    for kw in ({"streamer": 256}, {"selector": -1}, {"scale": 0}, {"reserve": 0}, {"device": 1 << 33},
               {"device": "d--zz"}, {"state": 5}):
        with pytest.raises((ValueError, TypeError)):
            IOTile(api, **dict({"device": 1, "state": None}, **kw))
