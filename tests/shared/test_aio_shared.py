# Streamer.aflush() against scripted transports (with and without arequest); runs under pytest
# and on MicroPython. The background task run() is tested end to end on the interpreter
# (tests/mp/t_aio.py) and under pytest with controlled time (tests/test_aio.py).
import asyncio

from sharedutil import FakeTransport, fake_service, raises


class AsyncFake(FakeTransport):
    """FakeTransport with an arequest() that yields to the loop once before it answers."""

    def __init__(self, *script):
        super().__init__(*script)
        self.awaited = 0

    async def arequest(self, method, url, data=None, headers=None, read=0, err_read=0):
        await asyncio.sleep(0)
        self.awaited += 1
        return self.request(method, url, data, headers, read, err_read)


def _st(transport, **kw):
    from iotpush import Streamer

    svc = fake_service(max_events=kw.pop("max_events", 5))
    svc.transport = transport
    return Streamer(svc, **kw)


def test_aflush_sends_batches_through_arequest():
    t = AsyncFake()
    st = _st(t, capacity=32)
    for i in range(12):
        st.log("k", i)
    assert asyncio.run(st.aflush()) == 12
    assert st.pending == 0 and st.delivered == 12 and t.awaited == 3 and len(t.sent) == 3
    assert t.sent[0] == b'"k"=0\n"k"=1\n"k"=2\n"k"=3\n"k"=4\n'


def test_aflush_without_arequest_uses_the_blocking_request():
    t = FakeTransport()
    st = _st(t, capacity=8)
    st.log("k", 1)
    assert asyncio.run(st.aflush()) == 1 and len(t.sent) == 1


def test_aflush_failures_behave_like_flush():
    from iotpush import PushError

    t = AsyncFake(503)
    st = _st(t, capacity=8)
    st.log("k", 1)
    e = raises(PushError, asyncio.run, st.aflush())
    assert e.retained and e.status == 503 and st.pending == 1
    assert asyncio.run(st.aflush()) == 0 and len(t.sent) == 1  # backoff pending
    t2 = AsyncFake(400)
    st2 = _st(t2, capacity=8)
    st2.log("k", 1)
    e = raises(PushError, asyncio.run, st2.aflush())
    assert not e.retained and st2.rejected == 1 and st2.pending == 0


def test_events_logged_while_a_request_is_under_way_are_kept_and_flush_waits():
    t = AsyncFake()
    st = _st(t, capacity=32)
    for i in range(5):
        st.log("k", i)
    seen = []

    async def sensor():
        await asyncio.sleep(0)  # aflush() is now awaiting its request
        seen.append(st.flush())  # must not send the same batch a second time
        st.log("k", 99)

    async def main():
        task = asyncio.create_task(sensor())
        n = await st.aflush()
        await task
        return n

    n = asyncio.run(main())
    assert seen == [0]
    assert n + st.flush() == 6 and st.pending == 0
    assert [s.count(b"\n") for s in t.sent] == [5, 1]
