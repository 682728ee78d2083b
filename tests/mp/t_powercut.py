# Power-cut test of the persistent queue on MicroPython: FlashStore on LittleFS (os.VfsLfs2) over
# a RAM block device that "loses power" after N block writes (program or erase): that write is
# torn (only a prefix lands), every later one fails. For every N from 1 to the number of writes
# the workload makes, the filesystem is mounted again and the queue reopened; then every event
# that was committed and not yet acknowledged must be there exactly once, with its exact value,
# and nothing else (an operation cut half-way may count as done or not done). The store must
# also take new events after the cut. Args: [first N] [last N] (default: all).
import gc
import os
import sys

from iotpush.ring import RingBuffer
from iotpush.store import FlashStore

_BS = 512
_BLOCKS = 96
_MNT = "/pc"


class RAMBlockDevice:
    def __init__(self):
        self.data = bytearray(_BS * _BLOCKS)
        self.writes = 0
        self.cut = -1  # the write that tears; -1: never

    def readblocks(self, n, buf, off=0):
        a = n * _BS + off
        buf[:] = memoryview(self.data)[a:a + len(buf)]

    def _write(self, a, src):
        self.writes += 1
        if self.cut < 0 or self.writes < self.cut:
            self.data[a:a + len(src)] = src
            return 0
        if self.writes == self.cut:  # power fails during this write: a prefix lands
            k = (self.cut * 7919) % (len(src) + 1)
            self.data[a:a + k] = memoryview(src)[:k]
        return -5  # EIO: no power

    def writeblocks(self, n, buf, off=None):
        return self._write(n * _BS + (off or 0), buf)

    def ioctl(self, op, arg):
        if op == 4:
            return _BLOCKS
        if op == 5:
            return _BS
        if op == 6:  # erase
            return self._write(arg * _BS, b"\xff" * _BS)
        return 0


def value(v):
    m = v % 3
    return v if m == 0 else ("s" * (v % 23) + str(v) if m == 1 else v + 0.5)


def workload(store, record, expect):
    """Deterministic operations; record((acked, head)) after each one that completed."""
    ring = RingBuffer(8, 4)
    ki = ring.add_key("key")
    x = 20261121
    v = 0
    store.open()
    record((store.acked, store.head))
    for _ in range(100):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        if x % 5:  # commit 1..5 new events
            k = 1 + (x >> 8) % 5
            for j in range(k):
                ring.push(ki, value(v), 0, 0, 0)
                expect[store.head + 1 + j] = value(v)
                v += 1
            store.commit(ring, 0, k)
            ring.discard(k)
        else:  # some were delivered: record it (trims delivered segments)
            store.ack(min(store.head, store.acked + 1 + (x >> 8) % 12))
            store.sync()
        record((store.acked, store.head))


def restored(path):
    """(seq, value) of every event the reopened store gives back, in order."""
    s = FlashStore(path, max_bytes=2048)
    s.open()
    ring = RingBuffer(64, 4)
    seqs = bytearray(4 * 64)
    import array

    seqs = array.array("i", seqs)
    out = []
    nxt = s.acked + 1
    while nxt <= s.head:
        nxt = s.load(ring, nxt, s.head + 1, 64, seqs)
        for j in range(ring.count):
            ring.at(j)
            out.append((seqs[j], ring.val))
        ring.discard(ring.count)
    return s, out


def live(state):
    return set(range(state[0] + 1, state[1] + 1))


def run(bdev, pristine, cut, expect):
    bdev.data[:] = pristine
    bdev.writes = 0
    bdev.cut = cut
    os.mount(os.VfsLfs2(bdev), _MNT)
    states = []
    try:
        workload(FlashStore(_MNT + "/q", max_bytes=2048), states.append, expect)
    except OSError:
        if cut < 0 or bdev.writes < cut:  # a failure before the power went: a real error
            raise
    os.umount(_MNT)
    return states


def main():
    bdev = RAMBlockDevice()
    os.VfsLfs2.mkfs(bdev)
    pristine = bytes(bdev.data)
    expect = {}
    ref = run(bdev, pristine, -1, expect)
    total = bdev.writes
    lo = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    hi = int(sys.argv[2]) if len(sys.argv) > 2 else total
    hi = min(hi, total)
    tested = applied = 0
    most = 0
    for cut in range(lo, hi + 1):
        states = run(bdev, pristine, cut, expect)
        c = len(states)  # the operation that was cut
        assert states == ref[:c], ("not deterministic", cut)
        pre = ref[c - 1] if c else (0, 0)
        post = ref[c] if c < len(ref) else pre
        bdev.cut = -1
        os.mount(os.VfsLfs2(bdev), _MNT)  # power is back
        s, got = restored(_MNT + "/q")
        seqs = [q for q, _ in got]
        assert all(a < b for a, b in zip(seqs, seqs[1:])), ("twice or out of order", cut, seqs)
        for q, val in got:
            assert q in expect and expect[q] == val and type(expect[q]) is type(val), (
                "corrupt", cut, q, val)
        have = set(seqs)
        must = live(pre) & live(post)
        may = live(pre) | live(post)
        assert must <= have, ("committed event lost", cut, sorted(must - have)[:5])
        assert have <= may, ("event that should be gone", cut, sorted(have - may)[:5])
        applied += have == live(post) and have != live(pre)
        most = max(most, len(got))
        # the store keeps working after the cut: three more events, then reopen
        ring = RingBuffer(4, 2)
        k = ring.add_key("after")
        for i in range(3):
            ring.push(k, -1 - i, 0, 0, 0)
        h = s.head
        s.commit(ring, 0, 3)
        kept = [e for e in got if e[0] > s.acked]  # the oldest segment may go to make room
        assert len(got) - len(kept) == s.dropped, ("drop not counted", cut)
        s2, got2 = restored(_MNT + "/q")
        assert got2 == kept + [(h + 1, -1), (h + 2, -2), (h + 3, -3)], ("after the cut", cut)
        os.umount(_MNT)
        tested += 1
        if tested % 50 == 0:
            gc.collect()
    print("block writes in the workload", total, "operations", len(ref) - 1)
    print("power cuts tested", tested, "(N = %d..%d)" % (lo, hi), "cut operation counted as done",
          applied, "most events restored", most)
    print("OK")


main()
