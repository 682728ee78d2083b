"""Reliability on CPython with controlled time: the retry policy, a watchdog fed through a stalled
server, time before/after NTP on ESP32 (2000 epoch) and Pico W (2021 default), HTTPS defaults, and
secrets kept out of every string the public API produces."""
import glob
import importlib
import os
import sys
import time
import types

import pytest

from tests.shared.sharedutil import fake_service

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = "ist_SECRETACCESSKEY1234567890abcd"
BUCKET = "secret-bucket-key-42"
EMU_KEY = "ist_TESTACCESSKEY0000000000000000"


# --- retry policy -------------------------------------------------------------------------------
def test_log_never_sleeps_nor_touches_the_network_even_while_backing_off(mp):
    from iotpush import PushError, Streamer

    svc = fake_service(503, max_events=5)
    st = Streamer(svc, capacity=64)
    st.log("k", 0)
    with pytest.raises(PushError):
        st.flush()
    sent, t0 = len(svc.transport.sent), mp.clock.ms
    for i in range(1000):
        st.log("k", i)
    assert mp.clock.slept == 0 and mp.clock.ms == t0 and len(svc.transport.sent) == sent
    assert st.flush() == 0 and st.poll() == 0 and len(svc.transport.sent) == sent  # backoff
    assert st.pending == 64 and st.dropped == 937  # overflow counted (no store here)


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504, 599, 301, 100])
def test_statuses_that_keep_the_data(mp, status):
    from iotpush import PushError, Streamer

    st = Streamer(fake_service(status), capacity=8)
    st.log("k", 1)
    with pytest.raises(PushError) as e:
        st.flush()
    assert e.value.retained and st.pending == 1 and st.rejected == 0


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 405, 409, 410, 413, 415, 422, 451])
def test_permanent_rejections_go_to_a_bounded_dead_letter_area(mp, status):
    from iotpush import PushError, Streamer

    seen = []
    st = Streamer(fake_service(*[status] * 20, max_events=2), capacity=64, dead_letters=3,
                  on_reject=lambda s, n, body: seen.append((s, n)))
    for i in range(20):
        st.log("k", i)
    for _ in range(10):
        with pytest.raises(PushError) as e:
            st.flush()
        assert not e.value.retained and e.value.status == status
    assert st.rejected == 20 and st.dead.batches == 10 and len(st.dead.items) == 3  # bounded
    assert seen == [(status, 2)] * 10 and st.pending == 0  # counted, called back, never silent
    assert [i[2] for i in st.dead.items] == [2, 2, 2]
    assert st.flush() == 0  # and never an endless loop: nothing is retried


def test_backoff_is_capped_and_jittered_and_retry_after_is_bounded(mp):
    from iotpush.retry import Backoff

    b = Backoff(100, 1600)
    delays = [b.fail() for _ in range(12)]
    assert all(800 <= d <= 1600 for d in delays[5:]) and len(set(delays)) > 3
    assert b.fail(10 ** 9) == 86400000  # a day at most, whatever the server says
    with pytest.raises(ValueError):
        Backoff(0, 10)
    with pytest.raises(ValueError):
        Backoff(100, 50)


# --- watchdog -----------------------------------------------------------------------------------
class FakeWDT:
    """machine.WDT on fake time: `fired` if ever fed later than `timeout_ms` after the last."""

    def __init__(self, clock, timeout_ms):
        self.clock, self.timeout_ms = clock, timeout_ms
        self.last = clock.ms
        self.worst = 0

    def feed(self):
        gap = self.clock.ms - self.last
        self.worst = max(self.worst, gap)
        self.last = self.clock.ms

    @property
    def fired(self):
        return max(self.worst, self.clock.ms - self.last) > self.timeout_ms


class StalledServer:
    """Stands in for `requests`: every request blocks for the whole timeout, then fails."""

    def __init__(self, clock):
        self.clock = clock
        self.requests = 0

    def request(self, method, url, timeout=None, **kw):
        self.requests += 1
        self.clock.advance(int(timeout * 1000))  # connect or read timed out
        raise OSError(110, "ETIMEDOUT")


@pytest.mark.parametrize("fed", [True, False])
def test_a_watchdog_fed_through_the_streamer_survives_a_stalled_server(mp, monkeypatch, fed):
    import iotpush.transport as tr
    from iotpush import Streamer
    from iotpush.retry import Backoff
    from iotpush.services.initialstate import InitialState

    server = StalledServer(mp.clock)
    monkeypatch.setattr(tr, "requests", server)
    monkeypatch.setattr(tr, "_tracker", None)
    wdt = FakeWDT(mp.clock, 5000)  # shorter than two stalled requests (2 x 3 s)
    svc = InitialState(KEY, BUCKET, base_url="https://groker.init.st/api", timeout=3)
    st = Streamer(svc, capacity=64, backoff=Backoff(2000, 30000), feed=wdt.feed if fed else None)
    for i in range(40):
        st.log("k", i)
    st.drain(120000)  # two minutes of a server that never answers
    assert server.requests >= 6 and st.pending == 40  # nothing lost either
    if fed:
        assert not wdt.fired and wdt.worst <= 3000 + 500  # one request, or one sleep slice
    else:
        assert wdt.fired  # fed only around the call, the board would have been reset


class SlowServer(StalledServer):
    """Answers every request, each just inside the timeout."""

    closed = 0

    def request(self, method, url, timeout=None, **kw):
        from tests.host.fakehttp import FakeResponse

        self.requests += 1
        self.clock.advance(int(timeout * 1000) - 100)
        return FakeResponse(204, {}, b"", self)


def test_the_watchdog_is_fed_between_the_requests_of_one_flush(mp, monkeypatch):
    import iotpush.transport as tr
    from iotpush import Streamer
    from iotpush.services.initialstate import InitialState

    server = SlowServer(mp.clock)
    monkeypatch.setattr(tr, "requests", server)
    monkeypatch.setattr(tr, "_tracker", None)
    wdt = FakeWDT(mp.clock, 5000)
    svc = InitialState(KEY, BUCKET, base_url="https://groker.init.st/api", timeout=3)
    st = Streamer(svc, capacity=64, feed=wdt.feed)
    for i in range(40):
        st.log("k", i)
    t0 = mp.clock.ms
    assert st.flush() == 40  # one call, four slow requests: 11.6 s
    assert mp.clock.ms - t0 > 2 * wdt.timeout_ms
    assert server.requests == 4 and not wdt.fired and wdt.worst <= 2900


# --- time ---------------------------------------------------------------------------------------
def _board_clock(monkeypatch, mp, epoch_year, rtc_start):
    """Fake the board's RTC: time.time() counts from its epoch (2000 on ESP32, 1970 on rp2)
    starting at rtc_start, and advances with the fake ticks. Returns set_rtc(unix_seconds)."""
    real_gmtime = time.gmtime
    monkeypatch.setattr(time, "gmtime", lambda t=None: real_gmtime(0).__class__(
        (epoch_year, 1, 1, 0, 0, 0, 5, 1, 0)) if t == 0 else real_gmtime(t))
    offset = 946684800 if epoch_year == 2000 else 0
    state = {"base": rtc_start, "at": mp.clock.ms}
    monkeypatch.setattr(time, "time", lambda: state["base"] + (mp.clock.ms - state["at"]) // 1000)

    def set_rtc(unix):
        state["base"], state["at"] = unix - offset, mp.clock.ms

    ntptime = types.ModuleType("ntptime")
    ntptime.host, ntptime.timeout, ntptime.fail = "pool.ntp.org", 1, None

    def settime():
        if ntptime.fail:
            raise ntptime.fail
        set_rtc(ntptime.now)

    ntptime.settime = settime
    monkeypatch.setitem(sys.modules, "ntptime", ntptime)
    return ntptime


@pytest.mark.parametrize("board,epoch_year,rtc_start", [
    ("ESP32 after power-on: 2000-01-01 on its own epoch", 2000, 0),
    ("Pico W after power-on: 2021-01-01", 1970, 1609459200),
])
def test_events_before_the_first_ntp_sync_get_their_real_time(hub, mp, monkeypatch, board,
                                                              epoch_year, rtc_start):
    ntptime = _board_clock(monkeypatch, mp, epoch_year, rtc_start)
    from iotpush import Streamer, sync_time
    from iotpush.clock import EPOCH_OFFSET
    from iotpush.services.initialstate import InitialState

    assert EPOCH_OFFSET == (946684800 if epoch_year == 2000 else 0)
    svc = InitialState(EMU_KEY, "b", base_url=hub.base("initialstate") + "/api", rate=1000,
                       burst=1000)
    st = Streamer(svc, capacity=32)
    for i in range(5):
        st.log("t", i)  # the clock was never set: kept with their ticks
        mp.clock.advance(1500)
    ntptime.fail = OSError(110)
    assert sync_time(timeout=2) is False and ntptime.timeout == 2  # no network yet
    ntptime.fail = None
    ntptime.now = 1795303148  # 2026-11-21T23:19:08Z: "now", 7.5 s after the first event
    assert sync_time("192.0.2.1", timeout=1) is True and ntptime.host == "192.0.2.1"
    assert st.flush() == 5
    got = [(e["value"], e["epoch"]) for e in hub["initialstate"].events]
    assert [v for v, _ in got] == list(range(5))
    for i, (_, epoch) in enumerate(got):
        assert abs(epoch - (1795303148 - 7.5 + 1.5 * i)) < 1.01  # RTC seconds are whole


@pytest.mark.parametrize("epoch_year,rtc_start", [(2000, 0), (1970, 1609459200)])
def test_without_a_sync_events_go_without_a_timestamp(hub, mp, monkeypatch, epoch_year, rtc_start):
    _board_clock(monkeypatch, mp, epoch_year, rtc_start)
    from iotpush import Streamer
    from iotpush.services.initialstate import InitialState

    svc = InitialState(EMU_KEY, "b", base_url=hub.base("initialstate") + "/api", rate=1000,
                       burst=1000)
    st = Streamer(svc, capacity=8)
    st.log("t", 1)
    st.log("t", 2, ts=1700000000)  # an explicit timestamp is kept
    assert st.flush() == 2
    body = hub["initialstate"].requests_to("/api/events")[0].json()
    assert "epoch" not in body[0] and "2000" not in str(body[0])  # server time, not 2000-01-01
    assert body[1]["epoch"] == 1700000000


@pytest.mark.parametrize("kw", [dict(timeout=0), dict(timeout=float("nan")), dict(timeout="1"),
                                dict(timeout=3600), dict(host=""), dict(host=5), dict(host="a b")])
def test_sync_time_refuses_bad_arguments(mp, kw):
    from iotpush import sync_time

    with pytest.raises(ValueError):
        sync_time(**kw)


# --- security -----------------------------------------------------------------------------------
SERVICE_MODULES = sorted(os.path.basename(p)[:-3] for p in
                         glob.glob(os.path.join(ROOT, "lib", "iotpush", "services", "*.py"))
                         if not p.endswith("__init__.py"))


@pytest.mark.parametrize("name", SERVICE_MODULES)
def test_every_service_defaults_to_https(mp, name):
    mod = importlib.import_module("iotpush.services." + name)
    urls = [v for k, v in vars(mod).items() if isinstance(v, str) and "://" in v]
    for cls in vars(mod).values():
        init = getattr(cls, "__init__", None)
        defaults = getattr(init, "__defaults__", None) or ()
        urls += [d for d in defaults if isinstance(d, str) and "://" in d]
    assert all(u.startswith("https://") for u in urls), urls


def _strings_of(obj):
    out = [repr(obj), str(obj)]
    for v in getattr(obj, "__dict__", {}).values():
        if isinstance(v, str):
            out.append(v)
    return out


@pytest.mark.parametrize("mode", ["json", "url"])
def test_secrets_never_appear_in_strings_the_public_api_produces(http, mp, tmp_path, capsys, mode):
    from iotpush import PushError, Streamer
    from iotpush.services.initialstate import InitialState
    from iotpush.store import FlashStore

    texts = []
    rejected = []
    svc = InitialState(KEY, BUCKET, bucket_name="Garden", mode=mode)
    store = FlashStore(str(tmp_path / "q"), commit_every=1)
    st = Streamer(svc, capacity=16, store=store, on_reject=lambda *a: rejected.append(a))
    echo = ("error for key %s bucket %s" % (KEY, BUCKET)).encode()
    http.answer(
        OSError("connect to https://groker.init.st/api?accessKey=%s failed" % KEY),
        (500, {}, echo), (201, {}, b""), (401, {}, echo), (400, {"X": KEY}, echo),
        ValueError("bad url https://x/?accessKey=%s&bucketKey=%s" % (KEY, BUCKET)),
        (429, {"Retry-After": "1"}, echo))
    for i in range(12):
        st.log("t", i)
    for _ in range(8):
        try:
            st.flush()
        except PushError as e:
            texts += [str(e), repr(e), str(e.args)]
        texts += _strings_of(st) + [str(st.last_error)]
        st._backoff.reset()
    with pytest.raises(PushError) as e:
        http.answer((403, {}, echo))
        svc.create_bucket()
    texts += [str(e.value), repr(svc), repr(svc.transport), repr(svc.rate), repr(st.dead),
              repr(store), capsys.readouterr().out]
    texts += [repr(a) for a in rejected] + [repr(i) for i in st.dead.items]
    st.close(0)
    for name in os.listdir(str(tmp_path / "q")):  # nor on flash
        with open(os.path.join(str(tmp_path / "q"), name), "rb") as f:
            texts.append(f.read().decode("latin-1"))
    assert len(texts) > 40 and rejected
    for t in texts:
        assert KEY not in t and BUCKET not in t, t


def test_secrets_are_not_echoed_by_configuration_errors(mp):
    from iotpush.services.initialstate import InitialState

    for bad in ("ist_SECRET with space", "ist_SECRET\nline", "x" * 600):
        with pytest.raises(ValueError) as e:
            InitialState(bad, "b")
        assert "SECRET" not in str(e.value) and "xxxx" not in str(e.value)
    with pytest.raises(ValueError) as e:
        InitialState(KEY, "b", base_url="https://user:%s@groker.init.st/api" % KEY)
    assert KEY not in str(e.value)
