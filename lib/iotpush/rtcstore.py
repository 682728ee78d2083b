# rtcstore.py: a small event queue in RTC memory for wake-log-sleep cycles (ESP32 deep sleep).
#
#   st = Streamer(svc, capacity=16, store=sleep_store())   # restores what earlier wakes logged
#   st.log("temperature", read())
#   if st.pending >= 10:                                    # send every 10th wake
#       connect(); st.drain(20000)
#   st.close(0)                                             # commit, then
#   machine.deepsleep(60000)
#
# machine.RTC().memory() (2048 B on ESP32) survives deep sleep and soft resets, not a power cut.
# The queue is written there whole at each commit (no flash wear). Same records as the flash
# store (record.py, CRC-checked: what is there after a cold boot is ignored).
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import io

from micropython import const

from .record import EVENT, Reader, event
from .ring import F_CONT

_RTC_BYTES = const(2048)


class RTCStore:
    """Event queue in machine.RTC().memory(); for a Streamer's store= argument.

    `size`: bytes of RTC memory to use (ESP32: 2048, about 50 float events with short keys);
    when full the oldest events are dropped and counted in `dropped`. commit_every / commit_ms
    as for FlashStore (defaults: every event, as a board may sleep right after logging).
    Memory: a RAM copy of `size` bytes. Blocking: a commit copies `size` bytes (microseconds).
    """

    def __init__(self, size=_RTC_BYTES, commit_every=1, commit_ms=0, rtc=None):
        if type(size) is not int or not 64 <= size <= 65536:
            raise ValueError("size must be an int of 64..65536 bytes")
        if type(commit_every) is not int or commit_every < 1:
            raise ValueError("commit_every must be an int >= 1 (events)")
        if type(commit_ms) is not int or commit_ms < 0:
            raise ValueError("commit_ms must be an int >= 0 (milliseconds)")
        if rtc is None:
            import machine

            rtc = machine.RTC()
        if not hasattr(rtc, "memory"):
            raise ValueError("this port's RTC has no memory(); use FlashStore (see sleep_store())")
        self._rtc = rtc
        self.max_bytes = size
        self.commit_every = commit_every
        self.commit_ms = commit_ms
        self.head = 0
        self.acked = 0
        self.boot_seq = 1
        self.dropped = 0
        self.corrupt = 0
        self.commits = 0
        self._saved = 0
        self._buf = bytearray(size)
        self._used = 0
        self._rd = Reader()
        self._opened = False

    def __repr__(self):
        return "<RTCStore %d/%d B head=%d acked=%d dropped=%d>" % (
            self._used, self.max_bytes, self.head, self.acked, self.dropped)

    @property
    def dirty(self):
        return self.acked > self._saved

    @property
    def size(self):
        return self._used

    def _records(self, off):
        # a stream over the queue from offset off (a copy: at most `size` bytes, cold path)
        return io.BytesIO(memoryview(self._buf)[off:self._used])

    def open(self):
        """Read what earlier wakes left in RTC memory; anything invalid is ignored."""
        if self._opened:
            return
        self._opened = True
        try:
            data = self._rtc.memory()
        except OSError:
            data = b""
        n = len(data) if len(data) < self.max_bytes else self.max_bytes
        self._buf[:n] = data[:n]
        self._used = n
        f = self._records(0)
        rd = self._rd
        good = head = 0
        while True:
            m = rd.read(f, n - good)
            if not m or rd.kind != EVENT or rd.seq <= head:
                break
            head = rd.seq
            good += m
        self.corrupt = n - good
        self._used = good
        self.head = head
        self.acked = self._saved = self._first() - 1 if good else head
        self.boot_seq = head + 1

    def _first(self):
        if not self._used:
            return self.head + 1
        self._records(0).readinto(self._rd.hdr)
        return int.from_bytes(self._rd.hdr[9:13], "little")

    def ack(self, seq):
        if seq > self.acked:
            self.acked = seq

    def sync(self):
        self.commit(None, 0, 0)

    def commit(self, ring, j0, n):
        """Drop delivered events, append the new ones, drop the oldest if full, write it all to
        RTC memory. Raises what RTC.memory() raises (then this commit did not happen)."""
        buf = self._buf
        used0, head0, acked0, dropped0 = self._used, self.head, self.acked, self.dropped
        ok = False
        try:
            self._cut(self.acked)
            for j in range(j0, j0 + n):
                ring.at(j)
                r = event(ring, self.head + 1)
                m = len(r)
                if m > len(buf):  # kept in RAM (sent if the network is up), never stored
                    raise OSError(27, "an event of %d bytes does not fit in RTC memory" % m)
                while self._used + m > len(buf):
                    self._drop_oldest()
                buf[self._used:self._used + m] = r
                self._used += m
                self.head += 1
            self._rtc.memory(memoryview(buf)[:self._used])
            self.commits += 1
            self._saved = self.acked
            ok = True
        finally:
            if not ok:  # RTC memory still holds the previous queue: so does our copy
                self._used, self.head, self.acked, self.dropped = used0, head0, acked0, dropped0
                self._reload()

    def _reload(self):
        try:
            data = self._rtc.memory()
        except OSError:
            data = b""
        self._buf[:len(data)] = data
        self._used = len(data)

    def _cut(self, upto):
        # remove the leading events with seq <= upto
        f = self._records(0)
        rd = self._rd
        off = 0
        while off < self._used:
            m = rd.read(f, self._used - off)
            if not m or rd.seq > upto:
                break
            off += m
        if off:
            buf = self._buf
            buf[:self._used - off] = buf[off:self._used]
            self._used -= off

    def _drop_oldest(self):
        f = self._records(0)
        rd = self._rd
        m = rd.read(f, self._used)
        if not m:  # cannot happen with our own records; start afresh rather than loop
            self._used = 0
            return
        if rd.seq > self.acked:
            self.dropped += rd.seq - self.acked
            self.acked = rd.seq
        self._cut(rd.seq)

    def load(self, ring, seq, end, limit, seqs):
        """As FlashStore.load(), from the RAM copy."""
        f = self._records(0)
        rd = self._rd
        nxt = seq
        left = self._used
        while True:
            m = rd.read(f, left)
            if not m:
                break
            left -= m
            q = rd.seq
            if q >= end:
                break
            if q < nxt:
                continue
            if ring.count >= ring.capacity or (ring.count >= limit and not rd.flags & F_CONT):
                return nxt
            j = ring.count
            r = rd.push(ring, self.boot_seq)
            if not r:
                return nxt
            self.dropped += q - nxt + (r < 0)
            if r > 0:
                seqs[j] = q
            nxt = q + 1
        if nxt < end:
            self.dropped += end - nxt
            nxt = end
        return nxt

    def clear(self):
        self._used = 0
        self.acked = self._saved = self.head
        self._rtc.memory(b"")


def sleep_store(path="/iotpush_q", max_bytes=16384, commit_every=1, commit_ms=0):
    """An RTCStore where the RTC has memory (ESP32), else a FlashStore at `path` (Pico W: its
    RTC keeps nothing through deep sleep, which resets the board)."""
    try:
        import machine

        rtc = machine.RTC()
        rtc.memory()
    except (AttributeError, ImportError, OSError):
        from .store import FlashStore

        return FlashStore(path, max_bytes, commit_every, commit_ms)
    return RTCStore(_RTC_BYTES, commit_every, commit_ms, rtc)
