# The bad-input table: each row is a call across the public API with one bad input, the exception
# it must raise at that call (the README documents these), and a word the message must contain.
# Every row runs next to a Streamer that already holds events: after the refused call they must
# all still be there, unchanged. Run under pytest (tests/test_badinput.py, one test per row) and on
# MicroPython (tests/test_reliability_mp.py). Other services add rows for their own calls.
NAN = float("nan")
INF = float("inf")
KEY = "ist_TESTACCESSKEY0000000000000000"


def _is(**kw):
    from iotpush.services.initialstate import InitialState

    kw.setdefault("base_url", "https://groker.init.st/api")
    return InitialState(kw.pop("access_key", KEY), kw.pop("bucket_key", "bk"), **kw)


def _streamer(**kw):
    from iotpush import Streamer

    return Streamer(_is(), **kw)


def _store(*a):
    from iotpush.store import FlashStore

    return FlashStore(*a)


def _facade(**kw):
    from iotpush.services.initialstate import Streamer

    kw.setdefault("create_bucket", False)
    return Streamer(**kw)


def _ntp(**kw):
    from iotpush import sync_time

    return sync_time(**kw)


def _backoff(*a):
    from iotpush.retry import Backoff

    return Backoff(*a)


def _jwt(exp=4102444800):
    import binascii
    import json

    def b64(b):
        return str(binascii.b2a_base64(b), "ascii").strip().rstrip("=").replace("+", "-").replace("/", "_")

    return "%s.%s.%s" % (b64(b'{"alg":"HS256","typ":"JWT"}'),
                         b64(json.dumps({"pid": 4242, "exp": exp}).encode()), b64(b"signature"))


def _iobeam_builder(pid=4242, token=None):
    from iotpush.services.iobeam import ClientBuilder

    return ClientBuilder(pid, _jwt() if token is None else token)


def _iobeam_store():
    c = _iobeam_builder().setBackend("http://127.0.0.1:9/v1/").setDeviceId("dev1").build()
    return c.createDataStore(["temperature", "humidity"], capacity=4)


def _iobeam_add(data, ts=1700000000000):
    from iotpush.services.iobeam import Timestamp

    return _iobeam_store().add(Timestamp(ts), data)


def _nikdev(**kw):
    from iotpush.services.nikdev import Api

    cfg = {"deviceId": "0f8fad5b-d9cb-469f-a165-70867728950e",
           "apiKey": "7c9e6679-7425-40de-944b-e07fc1f90ae7"}
    cfg.update(kw)
    return Api(cfg)


_PBI = ("https://api.powerbi.com/beta/00000000-1111-2222-3333-444444444444/datasets/"
        "55555555-6666-7777-8888-999999999999/rows?key=FAKEkey%2Bwith%2Fslash%3D%3D")


def _powerbi(url=_PBI, **kw):
    from iotpush.services.powerbi import PowerBI

    kw.setdefault("columns", {"temp": "Number", "room": "Text", "ts": "DateTime"})
    return PowerBI(url, **kw)


def _powerbi_row(row):
    from iotpush import Streamer

    return Streamer(_powerbi(), capacity=8).log_row(row)


def _iotile_slug(cls, value):
    import iotpush.services.iotile as m

    return getattr(m, cls)(value)


# (name, call(st), exception, word in the message); st: an Initial State Streamer holding events
ROWS = [
    # values
    ("NaN value", lambda st: st.log("t", NAN), ValueError, "finite"),
    ("+Inf value", lambda st: st.log("t", INF), ValueError, "finite"),
    ("-Inf value", lambda st: st.log("t", -INF), ValueError, "finite"),
    ("list value", lambda st: st.log("t", [1, 2]), TypeError, "must be a number"),
    ("dict value", lambda st: st.log("t", {"a": 1}), TypeError, "must be a number"),
    ("bytes value", lambda st: st.log("t", b"raw"), TypeError, "must be a number"),
    ("object value", lambda st: st.log("t", object()), TypeError, "must be a number"),
    ("None where the service has no null", lambda st: st.log("t", None), ValueError, "None"),
    ("string value over the service limit", lambda st: st.log("t", "v" * 2001), ValueError,
     "2000"),
    # keys
    ("int key", lambda st: st.log(5, 1), TypeError, "key"),
    ("unhashable key", lambda st: st.log(["k"], 1), TypeError, "key"),
    ("empty key", lambda st: st.log("", 1), ValueError, "key"),
    ("key over the service limit", lambda st: st.log("k" * 101, 1), ValueError, "100"),
    ("key with a control character", lambda st: st.log("a\nb", 1), ValueError, "control"),
    ("more distinct keys than the table holds",
     lambda st: st.log_row({"n%d" % i: i for i in range(8)}), ValueError, "distinct keys"),
    # timestamps
    ("negative timestamp", lambda st: st.log("t", 1, -5), ValueError, "1970"),
    ("timestamp past 2088", lambda st: st.log("t", 1, 4102444800), ValueError, "2088"),
    ("NaN timestamp", lambda st: st.log("t", 1, NAN), ValueError, "Unix seconds"),
    ("str timestamp", lambda st: st.log("t", 1, "now"), TypeError, "Unix seconds"),
    ("bool timestamp", lambda st: st.log("t", 1, True), TypeError, "Unix seconds"),
    # rows (schema)
    ("row that is not a dict", lambda st: st.log_row([("a", 1)]), TypeError, "dict"),
    ("empty row", lambda st: st.log_row({}), ValueError, "fields"),
    ("row with one NaN field", lambda st: st.log_row({"a": 1, "b": NAN}), ValueError, "finite"),
    ("row with a nested value", lambda st: st.log_row({"a": {"x": 1}}), TypeError,
     "must be a number"),
    ("row with a bad key", lambda st: st.log_row({"ok": 1, "": 2}), ValueError, "key"),
    # service configuration: credentials and URLs
    ("empty access key", lambda st: _is(access_key=""), ValueError, "access_key"),
    ("access key not a str", lambda st: _is(access_key=12345), TypeError, "access_key"),
    ("access key with whitespace", lambda st: _is(access_key="ist_ab cd"), ValueError,
     "whitespace"),
    ("bucket key with ':'", lambda st: _is(bucket_key="a:b"), ValueError, "bucket_key"),
    ("bucket key over 250 characters", lambda st: _is(bucket_key="b" * 251), ValueError,
     "bucket_key"),
    ("ftp:// base URL", lambda st: _is(base_url="ftp://groker.init.st/api"), ValueError, "http"),
    ("base URL without a host", lambda st: _is(base_url="https:///api"), ValueError, "host"),
    ("base URL with a bad port", lambda st: _is(base_url="https://h:99999/api"), ValueError,
     "port"),
    ("base URL with credentials in it", lambda st: _is(base_url="https://u:p@h/api"), ValueError,
     "host"),
    ("base URL not a str", lambda st: _is(base_url=None), TypeError, "base_url"),
    ("unknown mode", lambda st: _is(mode="xml"), ValueError, "mode"),
    ("zero timeout", lambda st: _is(timeout=0), ValueError, "timeout"),
    ("infinite timeout", lambda st: _is(timeout=INF), ValueError, "timeout"),
    ("timeout as a str", lambda st: _is(timeout="5"), ValueError, "timeout"),
    # streamer configuration
    ("capacity 0", lambda st: _streamer(capacity=0), ValueError, "capacity"),
    ("batch over the service's maximum", lambda st: _streamer(batch=11), ValueError, "batch"),
    ("not a service", lambda st: __import__("iotpush").Streamer(object()), TypeError, "service"),
    ("feed not callable", lambda st: _streamer(capacity=4, feed=5), TypeError, "feed"),
    ("on_reject not callable", lambda st: _streamer(capacity=4, on_reject="x"), TypeError,
     "on_reject"),
    ("backoff of the wrong kind", lambda st: _streamer(capacity=4, backoff=3), TypeError,
     "backoff"),
    ("backoff base 0", lambda st: _backoff(0, 10), ValueError, "base_ms"),
    ("backoff cap below base", lambda st: _backoff(100, 50), ValueError, "cap_ms"),
    # store configuration
    ("relative store path", lambda st: _store("q"), ValueError, "path"),
    ("store max_bytes too small", lambda st: _store("/q", 100), ValueError, "max_bytes"),
    ("store commit_every 0", lambda st: _store("/q", 65536, 0), ValueError, "commit_every"),
    ("store that is not a store", lambda st: _streamer(capacity=4, store=object()), TypeError,
     "store"),
    # NTP
    ("NTP timeout <= 0", lambda st: _ntp(timeout=-1), ValueError, "timeout"),
    ("NTP host not a name", lambda st: _ntp(host=123), ValueError, "host"),
    # the ISStreamer-style facade
    ("facade without an access key", lambda st: _facade(bucket_key="b"), ValueError,
     "access_key"),
    ("facade buffer_size 0", lambda st: _facade(access_key=KEY, buffer_size=0), ValueError,
     "buffer_size"),
    ("facade log_object of a number",
     lambda st: _facade(access_key=KEY, bucket_key="b").log_object(5), TypeError, "dict"),
    # iobeam
    ("iobeam project id 0", lambda st: _iobeam_builder(pid=0), ValueError, "project"),
    ("iobeam token that is not a JWT", lambda st: _iobeam_builder(token="not-a-jwt"), ValueError,
     "JWT"),
    ("iobeam device id with a space", lambda st: _iobeam_builder().setDeviceId("bad id"),
     ValueError, "deviceId"),
    ("iobeam backend that is not http(s)", lambda st: _iobeam_builder().setBackend("ftp://x/v1/"),
     ValueError, "http"),
    ("iobeam reserved column name", lambda st: _iobeam_builder().setDeviceId("d").build()
     .createDataStore(["time"]), ValueError, "reserved"),
    ("iobeam unknown column in add()", lambda st: _iobeam_add({"pressure": 1}), ValueError,
     "pressure"),
    ("iobeam NaN in add()", lambda st: _iobeam_add({"temperature": NAN}), ValueError, "finite"),
    # NikDev IoT
    ("NikDev device id that is not a UUID", lambda st: _nikdev(deviceId="dev-1"), ValueError,
     "deviceId"),
    ("NikDev API key that is not a UUID", lambda st: _nikdev(apiKey="secret"), ValueError,
     "apiKey"),
    ("NikDev config that is not a dict", lambda st: __import__(
        "iotpush.services.nikdev", None, None, ["Api"]).Api("cfg"), TypeError, "dict"),
    ("NikDev NaN value", lambda st: _nikdev().add_value("t", NAN), ValueError, "finite"),
    ("NikDev field id not a str", lambda st: _nikdev().add_value(5, 1), TypeError, "str"),
    # Power BI
    ("Power BI URL that is not a push URL", lambda st: _powerbi("https://api.powerbi.com/x"),
     ValueError, "Push URL"),
    ("Power BI unknown column type", lambda st: _powerbi(columns={"a": "Money"}), ValueError,
     "type must be"),
    ("Power BI row with a column not in the schema", lambda st: _powerbi_row({"pressure": 1}),
     ValueError, "pressure"),
    ("Power BI number in a Text column", lambda st: _powerbi_row({"room": 5}), TypeError,
     "room"),
    # IOTile
    ("IOTile stream slug garbage", lambda st: _iotile_slug("IOTileStreamSlug", "s--zz"),
     ValueError, "expected s--"),
    ("IOTile device slug out of range", lambda st: _iotile_slug("IOTileDeviceSlug", -1),
     ValueError, "id must be"),
]


def snapshot(st):
    ring = st.ring
    out = []
    for j in range(ring.count):
        ring.at(j)
        out.append((ring.keys[ring.ki], ring.val, ring.s, ring.ms, ring.fl))
    return out


def holding_events():
    from iotpush import Streamer

    st = Streamer(_is(), capacity=16, keys=8)
    st.log("temperature", 21.5)
    st.log("door", "open")
    st.log_row({"a": 1, "b": True}, 1700000000)
    return st


def check_row(row):
    """Run one row: returns None, or a str saying what went wrong."""
    name, call, exc, word = row
    st = holding_events()
    before = snapshot(st)
    try:
        call(st)
    except exc as e:
        msg = str(e)
        if word not in msg:
            return "%s: message %r does not mention %r" % (name, msg, word)
        if KEY in msg:
            return "%s: the message shows the key" % name
    except Exception as e:  # the wrong exception
        return "%s: raised %s(%s), not %s" % (name, type(e).__name__, e, exc.__name__)
    else:
        return "%s: did not raise %s" % (name, exc.__name__)
    if snapshot(st) != before or st.pending != 4 or st.dropped:
        return "%s: buffered events changed" % name
    return None


def test_every_bad_input_is_refused_at_the_call():
    problems = [p for p in (check_row(r) for r in ROWS) if p]
    assert not problems, problems
    assert len(ROWS) >= 30
