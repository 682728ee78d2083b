"""Core behaviour that needs controlled time (FakeClock): backoff, rate limits, poll, drain,
and the clock: unset RTC, correction after a sync, ticks wrap-around."""
import time

import pytest
from tests.shared.sharedutil import fake_service


def _st(*script, **kw):
    from iotpush import Streamer

    svc = fake_service(*script, max_events=kw.pop("max_events", 5))
    return Streamer(svc, **kw), svc


def test_backoff_grows_with_jitter_and_is_capped(mp):
    from iotpush.retry import Backoff

    b = Backoff(base_ms=1000, cap_ms=8000)
    delays = [b.fail() for _ in range(6)]
    for n, d in enumerate(delays):
        full = min(8000, 1000 << n)
        assert full // 2 <= d <= full
    assert b.wait_ms() == delays[-1]
    mp.clock.advance(delays[-1])
    assert b.wait_ms() == 0
    b.reset()
    assert b.failures == 0 and b.fail() <= 1000


def test_retry_after_wins_over_backoff(mp):
    from iotpush.retry import Backoff

    b = Backoff()
    assert b.fail(30) == 30000
    assert b.fail(0) == 0


def test_flush_returns_at_once_while_backing_off_then_delivers(mp):
    from iotpush import PushError

    st, svc = _st(503, 204, capacity=8)
    st.log("k", 1)
    with pytest.raises(PushError):
        st.flush()
    wait = st.next_retry_ms
    assert 500 <= wait <= 1000
    assert st.flush() == 0 and len(svc.transport.sent) == 1
    mp.clock.advance(wait)
    assert st.flush() == 1


def test_rate_limit_paces_requests_without_sleeping(mp):
    from iotpush.ratelimit import TokenBucket

    st, svc = _st(capacity=64)
    svc.rate = TokenBucket(2, burst=3)  # 2 requests/s, bursts of 3
    for i in range(30):
        st.log("k", i)
    assert st.flush() == 15  # three requests of five, then the bucket is empty
    assert mp.clock.slept == 0
    assert st.flush() == 0
    mp.clock.advance(500)
    assert st.flush() == 5
    mp.clock.advance(10000)
    assert st.flush() == 10


def test_token_bucket_fractional_rate(mp):
    from iotpush.ratelimit import TokenBucket

    tb = TokenBucket(0.5)
    assert tb.take() == 0
    assert tb.take() == 2000
    mp.clock.advance(1999)
    assert tb.take() == 1
    mp.clock.advance(1)
    assert tb.take() == 0
    with pytest.raises(ValueError):
        TokenBucket(0)


def test_poll_sends_full_batches_or_old_events(mp):
    st, svc = _st(capacity=16, interval_ms=5000)
    st.log("k", 1)
    assert st.poll() == 0  # not due
    mp.clock.advance(5000)
    assert st.poll() == 1
    for i in range(5):
        st.log("k", i)
    assert st.poll() == 5  # a full batch is due at once


def test_poll_swallows_errors_and_records_them(mp):
    st, svc = _st(500, capacity=16, interval_ms=0)
    st.log("k", 1)
    assert st.poll() == 0
    assert "HTTP 500" in st.last_error and st.pending == 1


def test_drain_sleeps_through_backoff_and_delivers(mp):
    st, svc = _st(503, OSError(104), 204, capacity=16)
    for i in range(3):
        st.log("k", i)
    assert st.drain(timeout_ms=60000) == 3
    assert st.pending == 0 and mp.clock.slept > 0


def test_drain_gives_up_after_timeout_and_keeps_events(mp):
    st, svc = _st(*([503] * 50), capacity=16)
    st.log("k", 1)
    assert st.drain(timeout_ms=10000) == 0
    assert st.pending == 1 and mp.clock.slept <= 10000 + 1


def test_events_logged_before_the_clock_was_set_are_corrected(mp, monkeypatch):
    from iotpush.clock import REF

    wall = [946684800 + 5.0]  # RTC at its power-on default: 2000-01-01
    monkeypatch.setattr(time, "time", lambda: wall[0] + (mp.clock.ms - start) / 1000)
    start = mp.clock.ms
    from iotpush import Streamer
    from iotpush.clock import clock

    clock.resync()
    assert not clock.synced
    from iotpush import PushError
    from iotpush.ring import F_NOCLOCK

    st = Streamer(fake_service(503), capacity=8)
    st.log("k", 1)  # at "2000-01-01T00:00:05" by the unset RTC
    st.ring.at(0)
    assert st.ring.fl & F_NOCLOCK
    mp.clock.advance(2500)
    wall[0] = 1795303148.0 - 2.5  # NTP sets the RTC: it is 1795303148.0 now
    clock.resync()
    assert clock.synced
    with pytest.raises(PushError):
        st.flush()  # the flush applies the correction, then fails: the event stays buffered
    st.ring.at(0)
    assert (st.ring.s + REF, st.ring.ms) == (1795303145, 500)  # 2.5 s before the sync
    assert not st.ring.fl & F_NOCLOCK


def test_never_synced_events_go_without_time(mp, monkeypatch):
    from iotpush.ring import F_NOCLOCK

    monkeypatch.setattr(time, "time", lambda: 1609459200)  # Pico W power-on default, 2021
    from iotpush import Streamer

    st = Streamer(fake_service(), capacity=8)
    st.log("k", 1)
    st.ring.at(0)
    assert st.ring.fl & F_NOCLOCK
    from iotpush.clock import clock

    assert repr(clock).endswith("NOT SET>")


def test_clock_stamps_across_ticks_wraparound(mp):
    from iotpush.clock import Clock

    c = Clock()
    c.stamp()
    s0, ms0 = c.s, c.ms
    mp.clock.advance(7000)  # crosses the 2**30 ticks wrap (the fake starts 5 s before it)
    c.stamp()
    assert (c.s - s0) * 1000 + c.ms - ms0 == 7000


def test_clock_reanchors_on_long_runs(mp):
    from iotpush.clock import Clock

    c = Clock()
    c.stamp()
    s0, ms0 = c.s, c.ms
    for _ in range(40):  # 40 x 8 h: past several re-anchors and ticks periods
        mp.clock.advance(8 * 3600 * 1000)
        c.stamp()
    assert (c.s - s0) * 1000 + c.ms - ms0 == 40 * 8 * 3600 * 1000
