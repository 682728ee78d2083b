# ringops.py: the rarely needed RingBuffer operations, loaded on first use: reclaiming unused
# keys (only when the key table is full) and clock corrections (once, when the clock is set).
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from .ring import F_NOCLOCK, F_NOTS


def compact_keys(r):
    """Drop the keys no buffered event uses and renumber the rest."""
    used = bytearray(len(r.keys))
    for j in range(r.count):
        used[r._k[(r._tail + j) % r.capacity]] = 1
    remap = bytearray(len(r.keys))
    keys: list = []
    for i, k in enumerate(r.keys):
        if used[i]:
            remap[i] = len(keys)
            keys.append(k)
    for j in range(r.count):
        p = (r._tail + j) % r.capacity
        r._k[p] = remap[r._k[p]]
    r.keys = keys
    r._kidx = {k: i for i, k in enumerate(keys)}


def retime(r, fix_s, fix_ms):
    """Add a clock correction to every event stamped while the clock was not set."""
    for j in range(r.count):
        p = (r._tail + j) % r.capacity
        if r._f[p] & F_NOCLOCK:
            t = r._ms[p] + fix_ms
            r._s[p] += fix_s + t // 1000
            r._ms[p] = t % 1000
            r._f[p] &= ~F_NOCLOCK


def untime(r):
    """Mark every event stamped before the clock was set as having no usable time."""
    for j in range(r.count):
        p = (r._tail + j) % r.capacity
        if r._f[p] & F_NOCLOCK:
            r._f[p] = (r._f[p] & ~F_NOCLOCK) | F_NOTS
