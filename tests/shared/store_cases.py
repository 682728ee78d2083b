# Persistent queue cases (FlashStore, RTCStore with a Streamer), run by tests/test_store.py under
# pytest and on MicroPython with a 128K heap (the 64-bit unix port doubles pointer-heavy objects;
# these cases hold several streamers and stores at once). Real files under /tmp on both.
from sharedutil import fake_service, raises, rmtree, sent_values, tmpdir


def _values(n):
    # one of each kind the store must give back exactly: int, float, str (non-ASCII), bool,
    # big int, None (the fake service takes None)
    return [[i, i * 0.37 + 1 / 3, "s%d \u00e9\u2713" % i, i % 2 == 0, -2 ** 40 - i, None][i % 6]
            for i in range(n)]


def _offline(path, n, capacity=8, **kw):
    from iotpush import Streamer
    from iotpush.store import FlashStore

    svc = fake_service(max_events=5, offline=True)
    st = Streamer(svc, capacity=capacity, store=FlashStore(path, **kw))
    for i, v in enumerate(_values(n)):
        st.log("k%d" % (i % 3), v)
        st.poll()
    return st


def _reboot(path, **kw):
    from iotpush import Streamer
    from iotpush.store import FlashStore

    svc = fake_service(max_events=5)
    return Streamer(svc, capacity=kw.pop("capacity", 8), store=FlashStore(path, **kw)), svc.transport


def test_events_logged_offline_survive_a_reboot_and_go_out_once_in_order():
    import os

    path = tmpdir()
    try:
        st = _offline(path, 40, commit_every=4)
        assert st.pending == 40 and st.dropped == 0
        st.close(0)  # commits what is left
        st2, t = _reboot(path)
        assert st2.pending == 40
        assert st2.flush() == 40
        assert sent_values(t) == _values(40)
        assert st2.pending == 0 and os.listdir(path) == []  # delivered: files deleted
    finally:
        rmtree(path)


def test_a_ram_ring_much_smaller_than_the_backlog_loses_nothing():
    path = tmpdir()
    try:
        st = _offline(path, 100, capacity=4, commit_every=2)
        assert st.pending == 100 and st.dropped == 0
        st.close(0)
        st2, t = _reboot(path, capacity=4)
        for i in range(5):
            st2.log("new", 1000 + i)  # logged after the reboot: sent after the backlog
        assert st2.flush() == 105
        assert sent_values(t) == _values(100) + [1000, 1001, 1002, 1003, 1004]
    finally:
        rmtree(path)


def test_a_full_store_drops_its_oldest_segment_and_counts_it():
    path = tmpdir()
    try:
        st = _offline(path, 200, commit_every=4, max_bytes=2048)
        assert st.dropped > 0
        assert st.pending + st.dropped == 200
        assert st._p.store.size <= 2048
        st.close(0)
        st2, t = _reboot(path, max_bytes=2048)
        n = st2.pending
        assert st2.flush() == n
        assert sent_values(t) == _values(200)[200 - n:]  # the newest, in order, none twice
    finally:
        rmtree(path)


def test_delivered_events_are_not_sent_again_after_a_reboot():
    from iotpush import PushError, Streamer
    from iotpush.store import FlashStore

    path = tmpdir()
    try:
        st = _offline(path, 30, commit_every=4)
        st.close(0)
        svc = fake_service(204, 204, OSError(104), max_events=5)
        st2 = Streamer(svc, capacity=8, store=FlashStore(path))
        raises(PushError, st2.flush)  # two batches delivered, then the network drops
        assert st2.delivered == 10 and st2.pending == 20
        st3, t = _reboot(path)
        assert st3.flush() == 20
        assert sent_values(t) == _values(30)[10:]
    finally:
        rmtree(path)


def test_flash_is_written_in_batches_not_per_event():
    from iotpush import Streamer
    from iotpush.store import FlashStore

    path = tmpdir()
    try:
        online = FlashStore(path, commit_every=16)
        st = Streamer(fake_service(max_events=5), capacity=32, store=online)
        for i in range(100):
            st.log("k", i)
            st.poll()
        st.flush()
        assert st.pending == 0 and online.commits == 0  # delivered from RAM: no flash write
        st = None
        offline = FlashStore(path, commit_every=16)
        st = Streamer(fake_service(max_events=5, offline=True), capacity=32, store=offline,
                      interval_ms=10 ** 6)
        for i in range(64):
            st.log("k", i)
        assert offline.commits == 4  # 64 events, one write per 16
    finally:
        rmtree(path)


def test_rtc_memory_store_for_wake_log_sleep_cycles():
    import machine
    from iotpush import Streamer
    from iotpush.rtcstore import RTCStore, sleep_store

    machine.RTC().memory(b"")
    assert isinstance(sleep_store(), RTCStore)  # this RTC has memory
    sent = []
    for wake in range(1, 26):
        # a fresh Streamer each wake, as after a deep sleep: only RTC memory is left
        svc = fake_service(max_events=5) if wake % 5 == 0 else fake_service(OSError(113), max_events=5)
        st = Streamer(svc, capacity=8, store=RTCStore())
        st.log("t", wake)
        if wake % 5 == 0:  # every 5th wake: connect and send
            assert st.pending == 5
            st.flush()
            sent.extend(sent_values(svc.transport))
        st.close(0)
    assert sent == list(range(1, 26))
    assert machine.RTC().memory() == b""  # all delivered: nothing left in RTC memory


def test_rtc_memory_store_full_drops_the_oldest_and_counts():
    import machine
    from iotpush import Streamer
    from iotpush.rtcstore import RTCStore

    machine.RTC().memory(b"")
    st = Streamer(fake_service(max_events=5, offline=True), capacity=8, store=RTCStore())
    for i in range(100):
        st.log("temperature", i * 0.5)
    assert 0 < st.dropped < 100 and st.pending + st.dropped == 100
    st.close(0)
    st2 = Streamer(fake_service(max_events=5), capacity=8, store=RTCStore())
    assert st2.pending == 100 - st.dropped
    st2.flush()
    assert sent_values(st2.service.transport) == [i * 0.5 for i in range(st.dropped, 100)]


def test_bad_store_configuration():
    from iotpush import Streamer
    from iotpush.store import FlashStore

    raises(ValueError, FlashStore, "relative/path")
    raises(ValueError, FlashStore, "/q", 100)
    raises(ValueError, FlashStore, "/q", 65536, 0)
    raises(ValueError, FlashStore, "/q", 65536, 32, -1)
    raises(TypeError, Streamer, fake_service(), capacity=8, store=object())
    path = tmpdir()
    try:
        s = FlashStore(path)
        Streamer(fake_service(), capacity=8, store=s)
        raises(ValueError, Streamer, fake_service(), capacity=8, store=s)  # one store, one Streamer
    finally:
        rmtree(path)
