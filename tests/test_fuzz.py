"""Fuzzing what turns user input into bytes: log()/log_row() followed by the Initial State
encoders (JSON and URL mode), and the store's record format. Whatever goes in, log() either takes
it or raises the documented ValueError/TypeError, and every request body is valid for the strict
emulator and gives back exactly what was taken (value, type, time or no time)."""
import json
import math
import time
import urllib.parse

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from tools.emulators.hub import Reject
from tools.emulators.initialstate import InitialStateEmulator

KEYS = hs.one_of(hs.text(max_size=110), hs.sampled_from(["t", "a\x00b", "", "k" * 100]),
                 hs.integers(), hs.none(), hs.binary(max_size=5))
VALUES = hs.one_of(
    hs.floats(), hs.integers(-2 ** 70, 2 ** 70), hs.text(max_size=2100), hs.booleans(), hs.none(),
    hs.binary(max_size=10), hs.lists(hs.integers(), max_size=2), hs.dictionaries(hs.text(), hs.integers(), max_size=1),
    hs.sampled_from([float("nan"), float("inf"), -float("inf"), -0.0, 1e308, 5e-324]))
TIMES = hs.one_of(hs.none(), hs.none(), hs.integers(-10, 4 * 10 ** 9),
                  hs.floats(-1e3, 4e9), hs.sampled_from([float("nan"), "now", True]))
CALLS = hs.lists(hs.one_of(
    hs.tuples(hs.just("log"), KEYS, VALUES, TIMES),
    hs.tuples(hs.just("row"), hs.dictionaries(hs.text(min_size=1, max_size=5), VALUES, max_size=4),
              TIMES)), min_size=1, max_size=25)
FUZZ = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _exact(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b and type(a) is type(b)


def _take(st, call, taken):
    """Make the call; on success record what must come out (key, value, ts or None)."""
    try:
        if call[0] == "log":
            _, k, v, ts = call
            st.log(k, v, ts)
            taken.append((k, v, ts))
        else:
            _, row, ts = call
            st.log_row(row, ts)
            taken.extend((k, v, ts) for k, v in row.items())
        return True
    except (ValueError, TypeError):
        return False


def _drain_bodies(svc, ring, mode):
    """Encode everything in the ring as the Streamer would; returns the decoded requests."""
    from iotpush.encode import Body

    out = []
    body = Body(64)
    while ring.count:
        body.reset()
        n = svc.encode(ring, svc.max_events, body)
        assert 1 <= n <= min(ring.count, svc.max_events)
        if mode == "json":
            raw = bytes(body.data())
            events = json.loads(raw.decode("utf-8"))
            for ev in events:
                InitialStateEmulator._check_event(ev)  # strict: raises Reject if invalid
            out.append(events)
        else:
            q = urllib.parse.urlsplit(svc.url).query
            pairs = urllib.parse.parse_qsl(q, keep_blank_values=True, strict_parsing=True)
            out.append([{"key": k, "value": v} for k, v in pairs[2:]])
        ring.discard(n)
    return out


@FUZZ
@given(CALLS, hs.booleans(), hs.sampled_from(["json", "url"]))
def test_whatever_is_logged_comes_out_exactly_or_is_refused_at_the_call(calls, synced, mode):
    from iotpush import Streamer
    from iotpush.clock import clock
    from iotpush.services.initialstate import InitialState

    real = time.time
    time.time = (lambda: 1795303148.25) if synced else (lambda: 946684805.0)
    try:
        clock.resync()
    finally:
        time.time = real
    svc = InitialState("ist_K", "bk", base_url="https://groker.init.st/api", mode=mode)
    st = Streamer(svc, capacity=256, keys=64)
    taken = []
    for c in calls:
        n = st.pending
        if not _take(st, c, taken):
            assert st.pending == n  # a refused call buffers nothing
    assert st.pending == len(taken)
    try:
        requests = _drain_bodies(svc, st.ring, mode)
    except Reject as e:
        raise AssertionError("the strict emulator refuses a body: %s" % e.reply.body)
    got = [e for r in requests for e in r]
    assert len(got) == len(taken)
    for e, (k, v, ts) in zip(got, taken):
        assert e["key"] == k
        if mode == "url":
            assert e["value"] == ("true" if v is True else "false" if v is False else
                                  v if isinstance(v, str) else str(v))
            continue
        assert _exact(e["value"], v)
        if ts is not None:
            assert abs(e["epoch"] - ts) < 0.0015  # ms precision
        elif synced:
            assert abs(e["epoch"] - 1795303148.25) < 1
        else:
            assert "epoch" not in e  # never a 2000-01-01 timestamp: server time instead


@FUZZ
@given(hs.lists(hs.tuples(hs.text(min_size=1, max_size=100), hs.one_of(
    hs.floats(allow_nan=False, allow_infinity=False), hs.integers(-2 ** 80, 2 ** 80),
    hs.text(max_size=300), hs.booleans(), hs.none()),
    hs.integers(-2 ** 31, 2 ** 31 - 1), hs.integers(0, 999), hs.sampled_from([0, 1, 4, 5, 8, 9])),
    min_size=1, max_size=12), hs.integers(0, 2 ** 31 - 1))
def test_store_records_give_back_exactly_what_was_written(events, seq0):
    import io

    from iotpush.record import Reader, event
    from iotpush.ring import RingBuffer

    ring = RingBuffer(16, 16)
    for k, v, s, ms, fl in events:
        ki = ring.key_index(k)
        ring.push(ki if ki >= 0 else ring.add_key(k), v, s, ms, fl)
    data = b"".join(bytes(event((ring.at(j), ring)[1], seq0 + j)) for j in range(ring.count))
    f = io.BytesIO(data)
    rd = Reader()
    left = len(data)
    for j, (k, v, s, ms, fl) in enumerate(events):
        n = rd.read(f, left)
        assert n
        left -= n
        assert (rd.key(), rd.seq, rd.s, rd.ms, rd.flags) == (k, seq0 + j, s, ms, fl)
        assert _exact(rd.value(), v)
    assert rd.read(f, left) == 0 and left == 0
    # and any single damaged byte is caught: never a different event
    for pos in range(0, len(data), max(1, len(data) // 40)):
        bad = bytearray(data)
        bad[pos] ^= 0x5A
        f = io.BytesIO(bytes(bad))
        left = len(bad)
        j = 0
        while True:
            n = rd.read(f, left)
            if not n:
                break
            left -= n
            k, v, s, ms, fl = events[j]
            assert (rd.key(), rd.seq, rd.s, rd.ms, rd.flags) == (k, seq0 + j, s, ms, fl)
            assert _exact(rd.value(), v)
            j += 1
        assert j < len(events)  # the damaged record and what follows it are not returned
