# ring.py: fixed-capacity, preallocated event buffer shared by every service.
#
# One event = key index, flags, timestamp (s, ms offsets, see clock.py) and a value. Floats live
# in a typed array so the caller's float object can be freed at once (no heap fragmentation from
# thousands of retained boxed floats); ints, strs, bools and None are stored by reference in a
# preallocated list (small ints and the singletons are not heap objects). push() of a number
# allocates nothing. Readers look at events from the oldest end without removing them and remove
# them with ack() only once they were delivered (at-least-once).
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import array
from micropython import const

F_CONT = const(1)  # same row as the previous event (Streamer.log_row)
F_FLOAT = const(2)  # value is in the float column
F_NOCLOCK = const(4)  # stamped before the clock was ever set; corrected when it is
F_NOTS = const(8)  # time unknown for good (e.g. restored after a reboot): send without a time
_EVMASK = const(0xFFFFF)

FLOAT_TYPE = "d" if 1.0 + 1e-9 != 1.0 else "f"  # the port's own float width (boards: 32-bit)
_SIZES = {"B": 1, "H": 2, "i": 4, "f": 4, "d": 8}
try:  # MicroPython copies a memoryview's raw bytes; CPython iterates it (host tests)
    _MV = len(array.array("i", memoryview(bytes(4)))) == 1
except TypeError:
    _MV = False


def zeros(typecode, n, zero=None):
    """A zero-filled array.array of n items. `zero`: a bytes object of at least n * itemsize
    zero bytes to copy from (pass one to build several arrays without a temporary each)."""
    size = n * _SIZES[typecode]
    if zero and _MV:
        return array.array(typecode, memoryview(zero)[:size])
    return array.array(typecode, bytes(size))


class RingBuffer:
    """Fixed-capacity FIFO of events; overflow drops the oldest and counts it in `dropped`.

    Memory: about 20 B per event on a 32-bit board (plus what string values hold), all allocated
    here; a key table of at most `keys` distinct keys (<= 255).
    """

    def __init__(self, capacity=256, keys=32):
        if not isinstance(capacity, int) or not 1 <= capacity <= 65535:
            raise ValueError("capacity must be an int in 1..65535")
        if not isinstance(keys, int) or not 1 <= keys <= 255:
            raise ValueError("keys must be an int in 1..255")
        self.capacity = capacity
        z = bytes(_SIZES[FLOAT_TYPE] * capacity)  # one temporary for all the columns
        self._k = zeros("B", capacity, z)
        self._f = zeros("B", capacity, z)
        self._s = zeros("i", capacity, z)
        self._ms = zeros("H", capacity, z)
        self._v = zeros(FLOAT_TYPE, capacity, z)
        del z
        self._o = [None] * capacity
        self.keys: list = []  # index -> key
        self._kidx = {}  # key -> index
        self._kmax = keys
        self._tail = 0  # slot of the oldest event
        self.count = 0
        self.dropped = 0  # events evicted by overflow before they were delivered
        self.evictions = 0  # running count (masked) so readers can tell what overflow removed
        self.ki = self.fl = self.s = self.ms = 0  # cursor, see at()
        self.val = None

    def __len__(self):
        return self.count

    # --- keys -------------------------------------------------------------------------------
    def key_index(self, key):
        """Index of `key` in the key table, or -1 if it is not there (no allocation)."""
        i = self._kidx.get(key)
        return -1 if i is None else i

    def add_key(self, key):
        """Add a (validated) key; reclaims keys no buffered event uses when the table is full."""
        self.ensure_keys(1)
        self._kidx[key] = len(self.keys)
        self.keys.append(key)
        return len(self.keys) - 1

    def ensure_keys(self, n):
        """Make room for n new keys (reclaiming unused ones) or raise ValueError."""
        if len(self.keys) + n > self._kmax:
            from .ringops import compact_keys

            compact_keys(self)
            if len(self.keys) + n > self._kmax:
                raise ValueError("too many distinct keys (max %d); raise `keys=`" % self._kmax)

    # --- writing ----------------------------------------------------------------------------
    def push(self, ki, value, s, ms, flags):
        """Append one event (value already validated). Evicts the oldest when full."""
        cap = self.capacity
        if self.count == cap:
            self._evict()
        p = self._tail + self.count
        if p >= cap:
            p -= cap
        self._k[p] = ki
        self._s[p] = s
        self._ms[p] = ms
        if type(value) is float:
            self._v[p] = value
            self._o[p] = None
            self._f[p] = flags | F_FLOAT
        else:
            self._o[p] = value
            self._f[p] = flags & ~F_FLOAT
        self.count += 1

    def _evict(self):
        t = self._tail
        self._o[t] = None
        self._tail = t + 1 if t + 1 < self.capacity else 0
        self.count -= 1
        self.dropped += 1
        self.evictions = (self.evictions + 1) & _EVMASK
        if self.count:
            self._f[self._tail] &= ~F_CONT  # the rest of a split row starts a (partial) row

    def at(self, j):
        """Load event j into the cursor attributes: .ki (key index; key = .keys[.ki]), .fl
        (flags), .s / .ms (time offsets, see clock.py) and .val (the value). Allocates only
        for a float value (the float object read back)."""
        p = self._tail + j
        if p >= self.capacity:
            p -= self.capacity
        self.ki = self._k[p]
        f = self.fl = self._f[p]
        self.s = self._s[p]
        self.ms = self._ms[p]
        self.val = self._v[p] if f & F_FLOAT else self._o[p]

    def row_len(self, j):
        """Number of events in the row starting at j (1 for plain log() events)."""
        n = 1
        cap = self.capacity
        while j + n < self.count and self._f[(self._tail + j + n) % cap] & F_CONT:
            n += 1
        return n

    # --- removing ----------------------------------------------------------------------------
    def discard(self, n):
        """Remove the n oldest events (delivered or moved elsewhere)."""
        if n > self.count:
            n = self.count
        for _ in range(n):
            self._o[self._tail] = None
            self._tail = self._tail + 1 if self._tail + 1 < self.capacity else 0
        self.count -= n
        if n and self.count:
            self._f[self._tail] &= ~F_CONT  # what is left of a split row starts a (partial) row

    def ack(self, n, evictions):
        """Remove a batch of n events read when self.evictions was `evictions`.

        Overflow may have evicted the oldest of them meanwhile; only the rest is removed.
        """
        gone = (self.evictions - evictions) & _EVMASK
        if gone < n:
            self.discard(n - gone)

    def __repr__(self):
        from .reprs import ring

        return ring(self)
