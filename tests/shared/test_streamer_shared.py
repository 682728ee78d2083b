# Streamer core behaviour against a scripted transport; runs under pytest and on MicroPython.
from sharedutil import fake_service, raises


def _st(*script, **kw):
    from iotpush import Streamer

    svc = fake_service(*script, max_events=kw.pop("max_events", 5))
    return Streamer(svc, **kw), svc.transport


def test_flush_sends_batches_and_empties():
    st, t = _st(capacity=32)
    for i in range(12):
        st.log("k", i)
    assert st.flush() == 12
    assert st.pending == 0 and st.delivered == 12 and len(t.sent) == 3
    assert t.sent[0] == b'"k"=0\n"k"=1\n"k"=2\n"k"=3\n"k"=4\n'


def test_transient_failure_keeps_everything_and_backs_off():
    from iotpush import PushError

    st, t = _st(503, capacity=16)
    for i in range(7):
        st.log("k", i)
    e = raises(PushError, st.flush)
    assert e.retained is True and e.status == 503
    assert st.pending == 7 and st.rejected == 0
    assert st.flush() == 0  # backoff pending: returns at once, nothing sent
    assert len(t.sent) == 1


def test_network_error_is_transient():
    from iotpush import PushError

    st, t = _st(OSError(110), capacity=8)
    st.log("k", 1)
    e = raises(PushError, st.flush)
    assert e.retained and e.status is None and "110" in str(e)
    assert st.pending == 1


def test_permanent_rejection_moves_batch_to_dead_letters():
    from iotpush import PushError

    seen = []
    st, t = _st((400, -1, b'{"message": "bad"}'), capacity=16,
                on_reject=lambda status, n, body: seen.append((status, n, body)))
    for i in range(7):
        st.log("k", i)
    e = raises(PushError, st.flush)
    assert e.retained is False and e.status == 400 and "bad" in str(e)
    assert st.pending == 2 and st.rejected == 5 and st.dead.batches == 1
    assert seen == [(400, 5, t.sent[0])]
    assert st.flush() == 2  # no backoff after a permanent rejection; the rest goes through
    assert st.pending == 0


def test_retry_after_429_is_transient():
    from iotpush import PushError

    st, t = _st((429, 3, b""), capacity=8)
    st.log("k", 1)
    raises(PushError, st.flush)
    assert 2000 < st.next_retry_ms <= 3000


def test_bad_values_are_refused_at_the_call_and_nothing_is_lost():
    st, _ = _st(capacity=8)
    st.log("ok", 1)
    for bad in (float("nan"), float("inf"), float("-inf")):
        raises(ValueError, st.log, "x", bad)
    for bad in ([1], {"a": 1}, b"bytes", (1,), set()):
        raises(TypeError, st.log, "x", bad)
    raises(ValueError, st.log, "x", "y" * 51)  # the service's max_str
    raises(TypeError, st.log, 5, 1)
    raises(TypeError, st.log, ["k"], 1)
    raises(ValueError, st.log, "", 1)
    raises(ValueError, st.log, "k" * 21, 1)
    raises(ValueError, st.log, "a\nb", 1)
    raises(ValueError, st.log, "x", 1, -5)
    raises(TypeError, st.log, "x", 1, "now")
    assert st.pending == 1 and st.ring.keys == ["ok"]


def test_log_row_is_all_or_nothing():
    st, t = _st(capacity=8)
    raises(ValueError, st.log_row, {"a": 1, "b": float("nan")})
    raises(TypeError, st.log_row, [("a", 1)])
    raises(ValueError, st.log_row, {})
    assert st.pending == 0
    st.log_row({"a": 1, "b": 2}, ts=1700000000)
    assert st.pending == 2 and st.ring.row_len(0) == 2
    st.ring.at(1)
    assert st.ring.s == 1700000000 - 1600000000


def test_overflow_is_counted_and_visible():
    st, _ = _st(capacity=4)
    for i in range(10):
        st.log("k", i)
    assert st.pending == 4 and st.dropped == 6
    assert "dropped=6" in repr(st)


def test_batch_option_and_bad_options():
    from iotpush import Streamer

    st, t = _st(capacity=8, batch=2)
    for i in range(3):
        st.log("k", i)
    st.flush()
    assert len(t.sent) == 2
    raises(ValueError, Streamer, fake_service(), batch=6)
    raises(ValueError, Streamer, fake_service(), capacity=0)
    raises(TypeError, Streamer, object())


def test_close_drains():
    st, t = _st(capacity=8)
    st.log("k", 1)
    assert st.close() == 1 and st.pending == 0
