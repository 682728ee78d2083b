# persist.py: what a Streamer does with a store (store.py / rtcstore.py). Loaded only when a
# Streamer is given store=..., so streamers without one do not pay for this code.
#
# Sequence numbers: the store numbers events as it writes them (1, 2, ...). Undelivered events
# are, oldest first: [replay ring] events read back from the store for sending; [backlog] events
# only in the store; [ring, first `cin`] events in RAM that the store holds too; [ring, rest]
# events only in RAM, not committed yet. So the ring's oldest stored event has seq
# head - cin + 1, and the backlog is seq next .. head - cin. Every stored event stays in the
# store until it is delivered; RAM copies of stored events may be forgotten to make room.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import array
import time

from .ring import RingBuffer
from .ringops import retime

# The Streamer calls few names here (each new name costs RAM on every board that loads the
# streamer, even without a store): len(p), p() = source(), p.room(k), p.ack(src, n), p.commit().


class Persist:
    """A Streamer's link to its store. Memory: a replay ring of 2 x batch events plus their
    sequence numbers (4 B each). Blocking: commit() / flush() write the store (see its class)."""

    def __init__(self, st, store, keys):
        if not hasattr(store, "load") or not hasattr(store, "commit"):
            raise TypeError("store must be an iotpush store, e.g. FlashStore('/q')")
        if getattr(store, "_owner", None) is not None:
            raise ValueError("this store is already used by another Streamer")
        store.open()
        store._owner = st
        self.st = st
        self.store = store
        self.ring = st.ring
        self.every = store.commit_every
        n = st.batch * 2
        self.replay = RingBuffer(n, keys)  # events read back from the store: sent first
        self.rq = array.array("i", bytes(4 * n))  # their seqs
        self.rj = 0  # how many of them were delivered
        self.cin = 0  # events at the oldest end of the ring that the store holds
        self.next = store.acked + 1  # next seq to read back from the store
        self.tc = time.ticks_ms()  # when the oldest event not in the store arrived
        self.gen = st._clock.gen  # clock corrections already applied to the replay ring

    def backlog(self):
        n = self.store.head - self.cin + 1 - self.next
        return n if n > 0 else 0

    def __len__(self):
        """Pending events besides the RAM ring's."""
        return self.replay.count + self.backlog()

    def __call__(self):
        return self.source()

    # --- writing ------------------------------------------------------------------------------
    def commit(self):
        st = self.store
        ring = self.ring
        n = ring.count - self.cin
        try:
            st.commit(ring, self.cin, n)
        except BaseException:
            self.reconcile()  # the store may have dropped its oldest segment before failing
            raise
        self.cin = ring.count
        self.reconcile()
        return n


    def autocommit(self):
        # a commit the Streamer decided on: a failure never escapes log() / flush()
        try:
            self.commit()
            return True
        except OSError as e:
            self.st.last_error = "store: commit failed (%r); the events stay in RAM" % (e,)
        except MemoryError:
            self.st.last_error = "store: commit failed (out of memory); the events stay in RAM"
        return False

    def due(self):
        # events only in RAM waited commit_ms
        return self.ring.count > self.cin and time.ticks_diff(
            time.ticks_ms(), self.tc) >= self.store.commit_ms

    def settle(self, failed):
        # end of a flush: when sending failed make RAM events durable (an outage may be
        # starting); when stored events were delivered record that
        if failed and self.ring.count > self.cin:
            self.autocommit()
        elif self.store.dirty:
            try:
                self.store.sync()
            except OSError as e:
                self.st.last_error = "store: recording deliveries failed (%r)" % (e,)
            self.reconcile()

    def room(self, k):
        # k > 0: before k events are pushed; 0: after they were; -1: from flush() / poll()
        ring = self.ring
        if k <= 0:
            if ring.count - self.cin >= self.every or (k and self.due()):
                self.autocommit()
            return
        # the ring never drops an event the store does not hold: make room by forgetting RAM
        # copies of stored events (committing first if need be)
        if ring.count == self.cin:
            self.tc = time.ticks_ms()
        free = ring.capacity - ring.count
        if free >= k:
            return
        if self.cin < k - free:
            self.autocommit()  # if it fails the ring drops its oldest (counted), as without store
        d = k - free if k - free < self.cin else self.cin
        if d:
            ring.discard(d)
            self.cin -= d

    def reconcile(self):
        # forget RAM copies of what the store dropped (full) or knows delivered
        st = self.store
        a = st.acked
        rp = self.replay
        k = 0
        while k < rp.count and self.rq[self.rj + k] <= a:
            k += 1
        if k:
            rp.discard(k)
            self.rj += k
        if self.next <= a:
            self.next = a + 1
        k = a - (st.head - self.cin)  # stored events in the ring with seq <= a
        if k > 0:
            k = k if k < self.cin else self.cin
            self.ring.discard(k)
            self.cin -= k

    # --- sending ------------------------------------------------------------------------------
    def source(self):
        """The ring to send from: events read back from the store first, then the RAM ring."""
        rp = self.replay
        c = self.st._clock
        if c.gen != self.gen:  # the clock was set: correct events stamped before
            retime(rp, c.fix_s, c.fix_ms)
            self.gen = c.gen
        if rp.count:
            return rp
        st = self.store
        while self.backlog():
            self.rj = 0
            nxt = self.next
            self.next = st.load(rp, nxt, st.head - self.cin + 1, self.st.batch, self.rq)
            if rp.count:
                if c.gen:  # events this boot stamped before the clock was set: correct them
                    retime(rp, c.fix_s, c.fix_ms)
                return rp
            if self.next == nxt:
                break  # no progress (cannot happen with an empty replay ring): never spin
        return self.ring if self.ring.count else None

    def ack(self, src, n):
        # n events of src were delivered or dead-lettered (src already removed them); with
        # src None the flush is over (n: it failed, or the Streamer closes): settle()
        if src is None:
            self.settle(n)
        elif src is self.replay:
            self.rj += n
            self.store.ack(self.rq[self.rj - 1])
        elif self.cin:
            k = n if n < self.cin else self.cin
            a = self.store.head - self.cin + k
            self.store.ack(a)
            self.cin -= k
            if self.next <= a:  # they were delivered from RAM: nothing left to read back
                self.next = a + 1
