# jsonstream.py: read a paginated JSON answer from a socket without holding the whole page.
#
# A page is {"count": n, "next": url|null, "previous": url|null, "results": [{...}, ...]} (keys in
# any order). The reader pulls the body through one `bufsize` buffer, copies one element of
# "results" at a time into an `item_max` buffer and parses that with the firmware's json, then
# hands it to a callback. Everything else is skipped without being kept, so the memory needed is
# bufsize + item_max + one parsed item, whatever the page size.
#
# Anything that is not such a page (not JSON, no "results", an element that is not an object or is
# over item_max bytes, a body cut short) raises MalformedResponseError. Blocking: the stream's own
# read timeout applies to each readinto().
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import json

from .errors import MalformedResponseError

_QUOTE = b'"'
_BSLASH = b"\\"
try:  # MicroPython parses straight from a memoryview; CPython (host tests) needs bytes
    json.loads(memoryview(b"0"))  # type: ignore[type-var]
    _MV = True
except TypeError:
    _MV = False


class PageReader:
    """Parses pages; after read(): .next (str or None), .items (elements seen), .stopped."""

    def __init__(self, bufsize=512, item_max=1024):
        self._buf = bytearray(bufsize)
        self._mv = memoryview(self._buf)
        self._item = bytearray(item_max)
        self._imv = memoryview(self._item)
        self._s = None  # type: object  # the stream being read (a socket)
        self._p = 0
        self._e = 0
        self._n = 0  # bytes in the item buffer
        self.on_item = None  # callable(dict) -> True to stop reading
        self.next = None
        self.items = 0
        self.stopped = False

    # --- bytes --------------------------------------------------------------------------------
    def _fill(self):
        n = self._s.readinto(self._mv)  # type: ignore[attr-defined]
        self._p = 0
        self._e = n or 0
        return self._e

    def _peek(self):
        """The next byte that is not whitespace (not consumed), or -1 at the end of the body."""
        buf = self._buf
        while True:
            p = self._p
            e = self._e
            while p < e:
                c = buf[p]
                if c > 32:
                    self._p = p
                    return c
                p += 1
            if not self._fill():
                return -1

    def _expect(self, c, what):
        if self._peek() != c:
            raise MalformedResponseError("page is not valid JSON: expected %s" % what)
        self._p += 1

    def _put(self, a, b):
        n = self._n
        k = b - a
        if n + k > len(self._item):
            raise MalformedResponseError("an item is over item_max=%d bytes" % len(self._item))
        self._imv[n:n + k] = self._mv[a:b]
        self._n = n + k

    def _value(self, copy):
        """Consume one JSON value; with copy, append its text to the item buffer."""
        c = self._peek()
        if c < 0:
            raise MalformedResponseError("page ended early")
        buf = self._buf
        scalar = not (c == 34 or c == 123 or c == 91)
        depth = 0
        instr = False
        esc = False
        p = a = self._p
        e = self._e
        while True:
            if p >= e:
                if copy:
                    self._put(a, e)
                self._p = e
                e = self._fill()
                p = a = 0
                if not e:
                    raise MalformedResponseError("page ended early")
            if instr:
                if esc:
                    esc = False
                    p += 1
                    continue
                q = buf.find(_QUOTE, p, e)
                b = buf.find(_BSLASH, p, e if q < 0 else q)
                if b >= 0:
                    p = b + 1
                    esc = True
                elif q < 0:
                    p = e
                else:
                    p = q + 1
                    instr = False
                    if not depth:
                        break
                continue
            c = buf[p]
            if scalar:
                if c == 44 or c == 125 or c == 93 or c <= 32:
                    break
            elif c == 34:
                instr = True
            elif c == 123 or c == 91:
                depth += 1
            elif c == 125 or c == 93:
                depth -= 1
                if not depth:
                    p += 1
                    break
            p += 1
        if copy:
            self._put(a, p)
        self._p = p

    def _parse(self):
        """Consume one value and return it parsed (it must fit item_max)."""
        self._n = 0
        self._value(True)
        try:
            mv = self._imv[: self._n]
            return json.loads(mv if _MV else bytes(mv))  # type: ignore[type-var]
        except ValueError:
            raise MalformedResponseError("page is not valid JSON")

    def raw(self):
        """The JSON text of the item being handed to on_item (valid during the call)."""
        return self._imv[: self._n]

    # --- a page -------------------------------------------------------------------------------
    def feed(self, stream):
        """Read one page from stream, calling self.on_item(item) for each result."""
        self._s = stream
        self._p = self._e = 0
        self.next = None
        self.items = 0
        self.stopped = False
        results = False
        self._expect(123, "a JSON object")
        if self._peek() == 125:
            raise MalformedResponseError("page has no results")
        while True:
            if self._peek() != 34:
                raise MalformedResponseError("page is not valid JSON: expected a key")
            key = self._parse()
            self._expect(58, "':'")
            if key == "results":
                results = True
                if self._results():
                    self.stopped = True
                    return
            elif key == "next":
                v = self._parse()
                if v is not None and not isinstance(v, str):
                    raise MalformedResponseError("page has a 'next' that is not a URL")
                self.next = v
            else:
                self._value(False)
            c = self._peek()
            self._p += 1
            if c == 125:
                break
            if c != 44:
                raise MalformedResponseError("page is not valid JSON" if c >= 0 else "page ended early")
        if not results:
            raise MalformedResponseError("page has no results")

    def _results(self):
        self._expect(91, "a list of results")
        if self._peek() == 93:
            self._p += 1
            return False
        on_item = self.on_item
        while True:
            if self._peek() != 123:
                raise MalformedResponseError("a result is not a JSON object")
            item = self._parse()
            self.items += 1
            if on_item is not None and on_item(item):
                return True
            c = self._peek()
            self._p += 1
            if c == 93:
                return False
            if c != 44:
                raise MalformedResponseError("page is not valid JSON" if c >= 0 else "page ended early")
