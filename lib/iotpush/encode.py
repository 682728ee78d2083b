# encode.py: request bodies written into reusable, preallocated buffers.
#
# JSON text goes into a preallocated io.BytesIO through the firmware's own json.dump (string
# escaping and float formatting in C, no allocation); numbers we format ourselves (timestamps)
# are written digit by digit from a fixed scratch buffer. When a body is complete it is copied
# with readinto() into a preallocated bytearray, so the transport can send it without a copy
# being allocated.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import io
import json
from micropython import const

from .clock import REF

_REF_HI = const(1600)  # REF // 10**6


def _bytesio(size):
    try:
        return io.BytesIO(size)  # MicroPython: preallocates `size` bytes
    except TypeError:  # CPython takes initial contents instead
        return io.BytesIO()


def _native_dump():
    # MicroPython's json.dump writes bytes into a BytesIO; CPython's writes str (host tests).
    try:
        json.dump(0, _bytesio(8))
        return True
    except TypeError:
        return False


_NATIVE = _native_dump()


class Body:
    """A reusable request body. Memory: 2 x `size` bytes, grows only for an oversized body.

    Usage: reset(); write()/dump()/... ; data() -> memoryview of exactly the bytes written.
    """

    def __init__(self, size=1024):
        self._io = _bytesio(size)
        self._size = size
        # the send buffer, made now while the heap is young (a 1 KB block is easy to find)
        self._mv = memoryview(bytearray(size))
        self._dig = bytearray(20)

    def reset(self):
        self._io.seek(0)

    def tell(self):
        return self._io.tell()

    def seek(self, pos):
        """Go back to pos (e.g. to drop a part that made the body too big)."""
        self._io.seek(pos)

    def write(self, b):
        self._io.write(b)

    def dump(self, obj):
        """JSON of obj (str, int, float, bool, None, or containers of them)."""
        if _NATIVE:
            json.dump(obj, self._io)
        else:
            self._io.write(json.dumps(obj).encode())

    def digits(self, n, width=1):
        """Decimal of a non-negative int, zero-padded to width. No allocation for small ints."""
        d = self._dig
        w = 1
        t = n // 10
        while t:
            w += 1
            t //= 10
        if w < width:
            w = width
        i = w
        while i:
            i -= 1
            d[i] = 48 + n % 10
            n //= 10
        # write the whole scratch and step back over the unused tail: no slice object needed
        self._io.write(d)
        self._io.seek(w - 20, 1)

    def epoch(self, s, ms):
        """Unix seconds with milliseconds (e.g. 1795303148.274) from an (s, ms) offset pair."""
        q = s // 1000000
        hi = _REF_HI + q
        if hi > 0:
            self.digits(hi)
            self.digits(s - q * 1000000, 6)
        else:
            self.digits(REF + s)
        self._io.write(b".")
        self.digits(ms, 3)

    def data(self):
        """The body written since reset(), as a memoryview over the preallocated buffer."""
        n = self._io.tell()
        mv = self._mv
        if n > len(mv):  # a rare oversized body: grow once and keep the new size
            mv = self._mv = memoryview(bytearray(max(n, self._size)))
        self._io.seek(0)
        self._io.readinto(mv)
        self._io.seek(n)
        return mv[:n]

    def text(self):
        """The body written since reset() as a str (allocates; for URLs and cold paths)."""
        return str(self.data(), "utf-8")
