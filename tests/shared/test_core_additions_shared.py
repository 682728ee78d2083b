# The two core additions the iobeam service uses: Streamer(body=) shares one request buffer
# between Streamers, log_row(..., ms) keeps milliseconds with an int ts. Runs under pytest and on
# MicroPython.
from sharedutil import fake_service, raises


def test_log_row_ms_keeps_milliseconds():
    from iotpush import Streamer
    from iotpush.clock import REF

    st = Streamer(fake_service(), capacity=8)
    st.log_row({"a": 1, "b": 2.5}, 1700000000, 250)
    st.log_row({"a": 3}, 1700000001)
    r = st.ring
    got = []
    for j in range(r.count):
        r.at(j)
        got.append((r.keys[r.ki], r.val, r.s + REF, r.ms))
    got.sort()  # dict order differs between runtimes; the time is what is checked
    assert got == [("a", 1, 1700000000, 250), ("a", 3, 1700000001, 0), ("b", 2.5, 1700000000, 250)]


def test_log_row_ms_is_checked_before_anything_is_buffered():
    from iotpush import Streamer

    st = Streamer(fake_service(), capacity=8)
    raises(ValueError, st.log_row, {"a": 1}, 1700000000.5, 250)  # ms needs an int ts
    raises(ValueError, st.log_row, {"a": 1}, None, 250)
    raises(ValueError, st.log_row, {"a": 1}, 1700000000, 1000)
    raises(ValueError, st.log_row, {"a": 1}, 1700000000, -1)
    raises(ValueError, st.log_row, {"a": 1}, 1700000000, 2.5)
    raises(ValueError, st.log_row, {"a": 1}, 1700000000, True)
    assert st.pending == 0


def test_streamers_can_share_one_body():
    from iotpush import Streamer
    from iotpush.encode import Body

    body = Body(64)
    s1 = Streamer(fake_service(), capacity=4, body=body)
    s2 = Streamer(fake_service(), capacity=4, body=body)
    s1.log("k", 1)
    s2.log("k", 2)
    assert s1.flush() == 1 and s2.flush() == 1
    assert s1.service.transport.sent == [b'"k"=1\n'] and s2.service.transport.sent == [b'"k"=2\n']
    assert s1._body is body and s2._body is body
