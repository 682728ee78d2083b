"""The persistent queue: the shared cases (here and on MicroPython), time of events restored after a
reboot, damaged files, failing filesystems, and a property test of random logs, outages, commits,
reboots and power cuts against a model: every event is delivered once, in order, except exactly
those that were only in RAM at a power cut."""
import os
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "shared"))

import store_cases  # noqa: E402
from sharedutil import fake_service, sent_values  # noqa: E402

CASES = sorted(n for n in dir(store_cases) if n.startswith("test_"))


@pytest.mark.parametrize("name", CASES)
def test_store_case_on_cpython(mp, name):
    getattr(store_cases, name)()


def test_store_cases_on_micropython(mp_tests):
    r = mp_tests("run_shared", ["store_cases"], heap="128K")
    assert r.returncode == 0, r.output
    assert "%d run, 0 failed" % len(CASES) in r.output


def _st(path, *script, capacity=8, offline=False, **kw):
    from iotpush import Streamer
    from iotpush.store import FlashStore

    svc = fake_service(*script, max_events=5, offline=offline)
    return Streamer(svc, capacity=capacity, store=FlashStore(path, **kw)), svc.transport


# --- time of restored events -------------------------------------------------------------------
def test_restored_events_keep_a_synced_time_and_lose_an_unsynced_one(mp, monkeypatch, tmp_path):
    path = str(tmp_path / "q")
    wall = [946684800 + 5.0]  # ESP32 after power-on: 2000-01-01, never set
    monkeypatch.setattr(time, "time", lambda: wall[0])  # before iotpush.clock reads the RTC
    from iotpush.clock import REF
    from iotpush.ring import F_NOCLOCK, F_NOTS

    st, _ = _st(path, offline=True)
    st.log("a", 1)  # unsynced clock: no trustworthy time
    st.log("b", 2, ts=1700000000)  # the caller's own timestamp
    st.commit()
    # reboot; this time the RTC is set (e.g. NTP before the Streamer was made)
    from iotpush.clock import clock

    wall[0] = 1795303148.0
    clock.resync()
    st2, t = _st(path)
    rp = st2._p()
    rp.at(0)
    assert rp.fl & F_NOTS and not rp.fl & F_NOCLOCK  # from a boot whose clock was never set
    rp.at(1)
    assert not rp.fl & (F_NOTS | F_NOCLOCK) and rp.s + REF == 1700000000


def test_events_stored_before_a_sync_in_this_boot_get_the_correction(mp, monkeypatch, tmp_path):
    import json

    from iotpush import Streamer
    from iotpush.services.initialstate import InitialState
    from iotpush.store import FlashStore

    wall = [1609459200.0]  # Pico W after power-on: 2021-01-01, never set
    start = mp.clock.ms
    monkeypatch.setattr(time, "time", lambda: wall[0] + (mp.clock.ms - start) / 1000)
    from iotpush.clock import clock

    clock.resync()
    svc = InitialState("ist_KEY", "bk", base_url="http://127.0.0.1:9/api", rate=1000, burst=1000)
    sent = []

    class T:
        timeout, status, retry_after, body = 5, None, -1, None

        def request(self, method, url, data=None, headers=None, read=0, err_read=0):
            if len(sent) < 0 or not online:
                raise OSError(113)
            sent.append(json.loads(bytes(data)))
            self.status = 204
            return 204

    online = False
    svc.transport = T()
    st = Streamer(svc, capacity=4, store=FlashStore(str(tmp_path / "q"), commit_every=2))
    for i in range(12):  # more than the RAM ring holds: most go back to flash only
        st.log("t", i)
        mp.clock.advance(1000)
    wall[0] = 1795303148.0 - 12.0  # NTP: the real time at `start` was 1795303136
    clock.resync()
    online = True
    assert st.flush() == 12
    events = [e for batch in sent for e in batch]
    assert [e["value"] for e in events] == list(range(12))
    assert [round(e["epoch"]) for e in events] == [1795303136 + i for i in range(12)]


def test_events_never_synced_go_without_a_timestamp(mp, monkeypatch, tmp_path):
    from iotpush.ring import F_NOCLOCK

    monkeypatch.setattr(time, "time", lambda: 1609459200)  # Pico W default, never set
    st, _ = _st(str(tmp_path / "q"), offline=True)
    st.log("k", 1)
    st.commit()
    st.ring.at(0)
    assert st.ring.fl & F_NOCLOCK  # the encoders send these without a time (server time)


# --- damaged files, failing filesystems ----------------------------------------------------------
def _write_queue(path, n):
    st, _ = _st(path, offline=True, commit_every=3)
    values = []
    for i in range(n):
        v = ["x" * (i % 7), i * 1.5, i, None, True][i % 5]
        values.append(v)
        st.log("key%d" % (i % 4), v)
    st.close(0)
    return values


def _restore(path):
    st, t = _st(path)
    n = st.pending
    st.flush()
    return sent_values(t), n


def test_a_torn_tail_loses_only_the_torn_records(mp, tmp_path):
    path = str(tmp_path / "q")
    values = _write_queue(path, 30)
    seg = sorted(os.listdir(path))[-1]
    data = open(os.path.join(path, seg), "rb").read()
    for cut in range(len(data) + 1):  # the file cut at every byte: a power cut on a FAT volume
        p2 = str(tmp_path / ("c%d" % cut))
        os.mkdir(p2)
        for name in os.listdir(path):
            with open(os.path.join(path, name), "rb") as f:
                b = f.read()
            with open(os.path.join(p2, name), "wb") as f:
                f.write(b[:cut] if name == seg else b)
        got, n = _restore(p2)
        assert got == values[:len(got)]  # a prefix: nothing corrupt, nothing twice, in order
        assert len(got) == n


@settings(max_examples=300, deadline=None)
@given(hs.lists(hs.tuples(hs.integers(0, 10 ** 6), hs.integers(0, 255)), min_size=1, max_size=8))
def test_damaged_bytes_never_give_a_wrong_event(flips):
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "q")
        values = _write_queue(path, 25)
        names = sorted(os.listdir(path))
        for pos, byte in flips:
            name = names[pos % len(names)]
            with open(os.path.join(path, name), "r+b") as f:
                size = os.path.getsize(os.path.join(path, name))
                f.seek(pos % size)
                f.write(bytes([byte]))
        got, _ = _restore(path)
        # whatever survives is a subsequence of what was written, with exact values
        it = iter(values)
        assert all(any(g == v and type(g) is type(v) for v in it) for g in got)


def test_a_failed_commit_is_voided_and_nothing_is_doubled(mp, tmp_path, monkeypatch):
    import builtins

    import iotpush.store as store_mod

    path = str(tmp_path / "q")
    st, _ = _st(path, offline=True, commit_every=100, capacity=32)
    for i in range(10):
        st.log("k", i)
    st.commit()

    class Half:  # a file that takes one write, then the filesystem fails
        def __init__(self, f):
            self.f, self.n = f, 0

        def write(self, b):
            self.n += 1
            if self.n > 2:
                raise OSError(5, "EIO")
            return self.f.write(b)

        def close(self):
            self.f.close()

    real = builtins.open
    monkeypatch.setattr(store_mod, "open", lambda p, m="r": Half(real(p, m)) if "a" in m else real(p, m),
                        raising=False)
    for i in range(10, 20):
        st.log("k", i)
    with pytest.raises(OSError):
        st.commit()  # two of these records reached the file, then EIO
    monkeypatch.setattr(store_mod, "open", real, raising=False)
    assert st.pending == 20  # still all here (the last ten in RAM)
    st.commit()  # a new segment, starting with a VOID mark for the half-written records
    st2, t = _st(path)
    assert st2.pending == 20
    st2.flush()
    assert sent_values(t) == list(range(20))


def test_a_full_filesystem_keeps_events_in_ram_and_says_so(mp, tmp_path):
    import iotpush.store as store_mod

    path = str(tmp_path / "q")
    st, t = _st(path, offline=True, commit_every=4)

    def enospc(*a):
        raise OSError(28, "ENOSPC")

    with pytest.MonkeyPatch.context() as m:
        m.setattr(store_mod, "open", enospc, raising=False)
        for i in range(6):
            st.log("k", i)  # log() never raises for the filesystem
    assert "store: commit failed" in st.last_error and st.pending == 6 and st.dropped == 0
    t.default = 204
    assert st.flush() == 6 and sent_values(t) == list(range(6))


def test_rows_keep_together_through_the_store(mp, tmp_path):
    from iotpush.ring import F_CONT

    path = str(tmp_path / "q")
    st, _ = _st(path, offline=True, capacity=4, commit_every=2)
    for i in range(6):
        st.log_row({"a": i, "b": -i, "c": "x"})
    st.close(0)
    st2, t = _st(path, capacity=4)
    rp = st2._p()
    flags = []
    for j in range(rp.count):
        rp.at(j)
        flags.append(bool(rp.fl & F_CONT))
    assert flags[:3] == [False, True, True] and rp.count % 3 == 0  # whole rows, starts marked
    st2.flush()
    assert sent_values(t) == [v for i in range(6) for v in (i, -i, "x")]


# --- model-based: outages, commits, reboots, power cuts ----------------------------------------
OPS = hs.lists(hs.one_of(
    hs.tuples(hs.just("log"), hs.integers(1, 9)),
    hs.tuples(hs.just("flush"), hs.booleans()),
    hs.just(("commit",)), hs.just(("reboot",)), hs.just(("cut",)),
), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(OPS, hs.integers(2, 12), hs.integers(1, 8))
def test_random_outages_reboots_and_power_cuts_lose_only_what_was_in_ram(ops, capacity, every):
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "q")
        st, t = _st(path, capacity=capacity, commit_every=every, offline=True)
        logged, lost, delivered = [], set(), []
        n = 0
        for op in ops:
            if op[0] == "log":
                for _ in range(op[1]):
                    logged.append(n)
                    st.log("k", n)
                    n += 1
            elif op[0] == "flush":
                t.default = 204 if op[1] else OSError(113)
                st._backoff.reset()
                try:
                    st.flush()
                except Exception as e:
                    assert type(e).__name__ == "PushError"
            elif op[0] == "commit":
                st.commit()
            else:
                if op[0] == "cut":  # power cut: what is only in RAM is gone
                    ring = st.ring
                    for j in range(st._p.cin, ring.count):
                        ring.at(j)
                        lost.add(ring.val)
                else:
                    st.close(0)
                delivered += sent_values(t)
                st, t = _st(path, capacity=capacity, commit_every=every, offline=True)
        t.default = 204
        st._backoff.reset()
        st.flush()
        delivered += sent_values(t)
        assert st.pending == 0 and st.dropped == 0
        assert delivered == [v for v in logged if v not in lost]  # once each, in order


def test_sleep_store_falls_back_to_flash_where_the_rtc_keeps_nothing(mp, monkeypatch, tmp_path):
    import machine

    from iotpush.rtcstore import RTCStore, sleep_store
    from iotpush.store import FlashStore

    class PicoRTC:  # rp2: machine.RTC without memory()
        def datetime(self, dt=None):
            return (2026, 1, 1, 3, 0, 0, 0, 0)

    monkeypatch.setattr(machine, "RTC", PicoRTC)
    s = sleep_store(str(tmp_path / "q"), 8192)
    assert isinstance(s, FlashStore) and s.max_bytes == 8192 and s.commit_every == 1
    with pytest.raises(ValueError) as e:
        RTCStore()
    assert "FlashStore" in str(e.value)
