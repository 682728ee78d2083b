# store.py: a persistent event queue on flash, opt-in per Streamer:
#
#   st = Streamer(svc, store=FlashStore("/q", max_bytes=65536))
#
# Events are appended to segment files (<path>/<8 hex digits>.q) as CRC-checked records
# (record.py), a batch at a time ("commit"), and never rewritten. Delivery is recorded by an ACK
# record; a segment file is deleted once every event in it was delivered. When the files would
# pass max_bytes the oldest segment is deleted and its undelivered events are counted in
# `dropped`. After a reboot open() finds what was not delivered and the Streamer sends it first.
# A commit that fails half-way is voided by a VOID record at the start of the next segment, so
# a record is never returned twice. On LittleFS a file's new data becomes visible atomically when
# it is closed, so a power cut keeps either all or none of a commit's part in one segment.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import os

from micropython import const

from .record import ACK, EVENT, VOID, Reader, event, mark
from .ring import F_CONT

_SUFFIX = ".q"
_MARK_LEN = const(23)


class FlashStore:
    """Persistent queue in a directory of a flash filesystem (LittleFS, FAT, or the unix port).

    max_bytes bounds the queue's files (segments of max_bytes // 4; the oldest is dropped and
    counted beyond it; one record bigger than a segment may overshoot by its own size).
    commit_every / commit_ms: the Streamer commits events that are only in RAM once that many
    wait or the oldest waited that long (and when a send fails, and on close()); a power cut
    loses at most those. Memory: about 150 B plus a list of 4 ints per segment (usually <= 6).
    Blocking: a commit writes and closes one file (two at a segment change); open() reads every
    segment once.
    """

    def __init__(self, path="/iotpush_q", max_bytes=65536, commit_every=32, commit_ms=60000):
        if not isinstance(path, str) or not path.startswith("/") or len(path.rstrip("/")) < 2:
            raise ValueError("path must be an absolute directory path such as '/q'")
        if type(max_bytes) is not int or max_bytes < 2048:
            raise ValueError("max_bytes must be an int >= 2048")
        if type(commit_every) is not int or commit_every < 1:
            raise ValueError("commit_every must be an int >= 1 (events)")
        if type(commit_ms) is not int or commit_ms < 0:
            raise ValueError("commit_ms must be an int >= 0 (milliseconds)")
        self.path = path.rstrip("/")
        self.max_bytes = max_bytes
        self.seg_bytes = max_bytes // 4
        self.commit_every = commit_every
        self.commit_ms = commit_ms
        self.head = 0  # last sequence number written
        self.acked = 0  # every seq up to this one was delivered (or dropped)
        self.boot_seq = 1  # first seq written since open(); older ones come from an earlier boot
        self.dropped = 0  # undelivered events lost: oldest segment dropped, unreadable record
        self.corrupt = 0  # bytes open() found invalid (a torn or damaged tail)
        self.commits = 0  # files closed after writing (each one a durable write)
        self._saved = 0  # `acked` as recorded on flash
        self._segs: list = []  # [number, first seq, last seq, bytes], oldest first; 0: no events
        self._append = False  # may the newest segment be appended to (its tail is sound)?
        self._void = False  # a commit failed: the next one starts a segment with a VOID mark
        self._pos = None  # type: tuple | None  # load(): (segment, offset, seq at that offset)
        self._rd = Reader()
        self._opened = False

    def __repr__(self):
        return "<FlashStore %s %d segments head=%d acked=%d dropped=%d>" % (
            self.path, len(self._segs), self.head, self.acked, self.dropped)

    @property
    def dirty(self):
        """True when deliveries are not recorded on flash yet (sync() writes them)."""
        return self.acked > self._saved

    @property
    def size(self):
        """Bytes the queue's files hold."""
        n = 0
        for s in self._segs:
            n += s[3]
        return n

    def _name(self, no):
        return "%s/%08x%s" % (self.path, no, _SUFFIX)

    # --- after a reboot ---------------------------------------------------------------------------
    def open(self):
        """Scan what is on flash: sets head, acked, boot_seq. Cold path; called by the Streamer."""
        if self._opened:
            return
        try:
            os.mkdir(self.path)
        except OSError as e:
            if e.args[0] != 17:  # EEXIST is fine
                raise
        nums = []
        for name in os.listdir(self.path):
            if len(name) == 10 and name.endswith(_SUFFIX):
                try:
                    nums.append(int(name[:8], 16))
                except ValueError:
                    pass
        nums.sort()
        rd = self._rd
        segs = self._segs
        head = acked = 0
        sound = True
        for no in nums:
            p = self._name(no)
            size = os.stat(p)[6]
            seg = [no, 0, 0, size]
            segs.append(seg)
            good = 0
            with open(p, "rb") as f:
                while True:
                    n = rd.read(f, size - good)
                    if not n:
                        break
                    k, q = rd.kind, rd.seq
                    if k == EVENT:
                        if q <= head:
                            break  # out of order: damaged
                        head = seg[2] = q
                        if not seg[1]:
                            seg[1] = q
                    elif k == ACK:
                        if q > head:
                            break
                        if q > acked:
                            acked = q
                    else:  # VOID: events from q on that were written before this mark are void
                        if not 0 < q <= head + 1:
                            break
                        head = q - 1
                        for s in segs:
                            if s[2] >= q:
                                s[2] = q - 1 if s[1] and s[1] < q else 0
                                if not s[2]:
                                    s[1] = 0
                    good += n
            self.corrupt += size - good
            sound = good == size
        self.head = head
        low = self._low()  # events below the oldest one left were delivered or dropped
        if not low or low - 1 > acked:
            acked = low - 1 if low else head
        self.acked = self._saved = acked if acked < head else head
        self.boot_seq = head + 1
        self._append = sound and bool(segs)
        self._opened = True

    # --- writing ----------------------------------------------------------------------------------
    def ack(self, seq):
        """Every event up to seq was delivered (recorded on flash by the next commit or sync)."""
        if seq > self.acked:
            self.acked = seq

    def sync(self):
        """Record deliveries now (delete delivered segments, write an ACK). Raises OSError."""
        self.commit(None, 0, 0)

    def commit(self, ring, j0, n):
        """Append the ring's events j0..j0+n-1 as seq head+1.. plus the delivery mark; durable
        when it returns. Raises OSError (then none of this commit's events count as written)."""
        segs = self._segs
        h0 = self.head
        snap = [s[:] for s in segs]
        f = None
        ok = False
        try:
            self._trim()
            if self._void:
                f = self._out(None, _MARK_LEN, True)
                f.write(mark(VOID, h0 + 1))
                segs[-1][3] += _MARK_LEN
            a = self.acked
            if a > self._saved and 0 < self._low() <= a:
                f = self._out(f, _MARK_LEN)
                f.write(mark(ACK, a))
                segs[-1][3] += _MARK_LEN
            for j in range(j0, j0 + n):
                ring.at(j)
                r = event(ring, self.head + 1)
                f = self._out(f, len(r))
                f.write(r)
                self.head += 1
                s = segs[-1]
                if not s[1]:
                    s[1] = self.head
                s[2] = self.head
                s[3] += len(r)
            if f is not None:
                g, f = f, None
                g.close()  # durable from here
                self.commits += 1
            self._saved = a
            self._void = False
            ok = True
        finally:
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass
            if not ok:
                self._undo(snap, h0)

    def _undo(self, snap, h0):
        # A commit failed: what it wrote may or may not be on flash. Forget its events (the
        # caller still holds them) and void them on flash with the next commit.
        self.head = h0
        for s in self._segs:  # no allocation here: this may run for a MemoryError
            s[1] = s[2] = 0  # a segment this commit created: nothing valid in it
            for o in snap:
                if o[0] == s[0]:
                    s[1] = o[1]
                    s[2] = o[2]
        self._void = True
        self._append = False
        self._pos = None

    def _low(self):
        for s in self._segs:
            if s[1]:
                return s[1]
        return 0

    def _remove(self, no):
        try:
            os.remove(self._name(no))
        except OSError as e:
            if e.args[0] != 2:  # ENOENT: gone already
                raise
        if self._pos is not None and self._pos[0] == no:
            self._pos = None

    def _trim(self):
        # delete segments whose events were all delivered
        segs = self._segs
        while segs and segs[0][2] <= self.acked:
            self._remove(segs[0][0])
            segs.pop(0)
        if not segs:
            self._append = False

    def _out(self, f, need, new=False):
        # the file to write `need` more bytes to: the newest segment, or a new one
        segs = self._segs
        s = segs[-1] if segs and (f is not None or self._append) else None
        if new or s is None or (s[3] and s[3] + need > self.seg_bytes):
            if f is not None:
                g, f = f, None
                g.close()  # the part written so far is durable
                self.commits += 1
            segs.append([segs[-1][0] + 1 if segs else 1, 0, 0, 0])
            self._append = True
        total = self.size
        while total + need > self.max_bytes and len(segs) > 1:
            s = segs[0]
            self._remove(s[0])
            segs.pop(0)
            total -= s[3]
            if s[2] > self.acked:  # undelivered events lost: count them
                lo = s[1] - 1 if s[1] - 1 > self.acked else self.acked
                self.dropped += s[2] - lo
                self.acked = s[2]
        if f is None:
            f = open(self._name(segs[-1][0]), "ab")
        return f

    # --- reading back -----------------------------------------------------------------------------
    def load(self, ring, seq, end, limit, seqs):
        """Push the events seq.. (below end) into an empty ring: `limit` of them, more to finish
        a row, at most the ring's capacity; seqs[j] gets the seq of ring event j. Returns the
        seq after the last one taken. Missing or unreadable records are skipped and counted in
        `dropped`. Cold path: opens one or two files, allocates each value read."""
        rd = self._rd
        nxt = seq
        for s in self._segs:
            if not s[1] or s[2] < nxt:
                continue
            if s[1] >= end:
                break
            off = 0
            p = self._pos
            if p is not None and p[0] == s[0] and p[2] <= nxt:
                off = p[1]
            try:
                f = open(self._name(s[0]), "rb")
            except OSError:
                continue  # counted as a gap below
            try:
                f.seek(off)
                while True:
                    n = rd.read(f, s[3] - off)
                    if not n:
                        break
                    if rd.kind == EVENT:
                        q = rd.seq
                        if q > s[2] or q >= end:
                            break
                        if q >= nxt:
                            if ring.count >= ring.capacity or (
                                    ring.count >= limit and not rd.flags & F_CONT):
                                self._pos = (s[0], off, nxt)
                                return nxt
                            j = ring.count
                            r = rd.push(ring, self.boot_seq)
                            if not r:  # key table full: the rest goes with the next load
                                self._pos = (s[0], off, nxt)
                                return nxt
                            self.dropped += q - nxt + (r < 0)  # records missing / undecodable
                            if r > 0:
                                seqs[j] = q
                            nxt = q + 1
                    off += n
            finally:
                f.close()
        if nxt < end:  # the rest is not on flash any more (damaged)
            self.dropped += end - nxt
            nxt = end
        return nxt

    def clear(self):
        """Delete every segment (all queued events). Cold path."""
        for s in self._segs:
            self._remove(s[0])
        self._segs = []
        self.acked = self._saved = self.head
        self._append = False
        self._void = False
