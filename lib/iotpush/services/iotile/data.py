# data.py: stream data read page by page on a small heap (StreamData, RawData).
#
# sd = StreamData("s--0000-0001--0000-0000-0000-0002--5001", api)
# sd.initialize_from_server(lastn=100)           # or start=..., end=... (UTC ISO strings)
# for item in sd.data: item["timestamp"], item["value"]
# sd.process_from_server(fn, lastn=2000)         # every item to fn(item), none kept
#
# Pages are requested as the official client does (?<kwargs>&page=1, 2, ... while "next" is set)
# and read incrementally from the socket (jsonstream.PageReader): a page never needs to fit in
# RAM, only one item at a time (item_max bytes of JSON). What is *kept* is bounded too:
# initialize_from_server() keeps at most `max_items` items (default MAX_ITEMS), each reduced to
# `fields` (default FIELDS; fields=None keeps whole rows), stored as compact JSON text in one
# buffer (Rows: ~60 bytes an item with the default fields, no object per item); beyond the cap
# it stops reading and sets `truncated`. A malformed page (not JSON, no "results", "next" set on
# an empty page) raises MalformedResponseError at once, where the official client loops forever.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import array
import json

from .errors import MalformedResponseError
from .jsonstream import _MV, PageReader

MAX_ITEMS = 100  # items initialize_from_server() keeps by default (~6 KB with FIELDS)
FIELDS = ("timestamp", "value")  # what a kept item holds by default
MAX_PAGES = 10000  # guard against a server whose "next" never ends


class Rows:
    """Kept items as JSON text packed into 1 KB blocks (no big contiguous allocation, no object
    per item). Reads like a read-only list of dicts: len(rows), rows[i], rows[a:b], iteration;
    each item read is a fresh dict, parsed then."""

    def __init__(self, block=1024):
        self._block = block
        self._blocks = []
        self._used = 0  # bytes used in the last block
        self._loc = array.array("I")  # block index << 16 | end offset in it, per item
        self.nbytes = 0  # bytes of JSON text held

    def append(self, text):
        """Add one item given as JSON text (bytes-like, at most `block` bytes)."""
        k = len(text)
        if k > self._block:
            raise ValueError("an item is over %d bytes" % self._block)
        if not self._blocks or self._used + k > self._block:
            self._blocks.append(bytearray(self._block))
            self._used = 0
        a = self._used
        self._blocks[-1][a: a + k] = text
        self._used = a + k
        self._loc.append((len(self._blocks) - 1) << 16 | (a + k))
        self.nbytes += k

    def __len__(self):
        return len(self._loc)

    def __getitem__(self, i):
        n = len(self._loc)
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(n))]
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("Rows index out of range")
        loc = self._loc[i]
        b = loc >> 16
        a = self._loc[i - 1] if i else 0
        a = a & 0xFFFF if a >> 16 == b else 0
        mv = memoryview(self._blocks[b])[a: loc & 0xFFFF]
        return json.loads(mv if _MV else bytes(mv))  # type: ignore[type-var]

    def __iter__(self):
        for i in range(len(self._loc)):
            yield self[i]

    def __repr__(self):
        return "<Rows %d items, %d bytes>" % (len(self._loc), self.nbytes)


def pages(api, resource, params, on_item, reader=None, first_page=1):
    """GET resource with params + page=N for N = first_page, ... while "next" is set, calling
    on_item(item) for every result (a True return stops). first_page=None asks the first page
    without a page parameter. Returns the number of items read."""
    r = reader or PageReader()
    r.on_item = on_item
    page = first_page
    n = 0
    while True:
        q = list(params)
        if page is not None:
            q.append(("page", page))
        api.request("GET", resource.url(q), None, r.feed)
        n += r.items
        if r.stopped or not r.next:
            return n
        if not r.items:
            raise MalformedResponseError("page %s has no results but a 'next'" % page)
        page = (page or 1) + 1
        if page > MAX_PAGES:
            raise MalformedResponseError("more than %d pages" % MAX_PAGES)


class BaseData:
    """Base of StreamData and RawData: .data (kept items), .count (items read by the last call),
    .truncated (True when max_items stopped it early)."""

    def __init__(self, api, max_items=MAX_ITEMS, fields=FIELDS, bufsize=512, item_max=1024):
        if not isinstance(max_items, int) or max_items < 0:
            raise ValueError("max_items must be an int >= 0")
        if fields is not None and not isinstance(fields, (tuple, list)):
            raise TypeError("fields must be a tuple of names or None (whole rows)")
        if not isinstance(item_max, int) or not 64 <= item_max <= 65535:
            raise ValueError("item_max must be an int in 64..65535 (bytes of one item's JSON)")
        if not isinstance(bufsize, int) or not 16 <= bufsize <= 65535:
            raise ValueError("bufsize must be an int in 16..65535")
        self._api = api
        self._block = item_max if item_max > 1024 else 1024
        self.data = Rows(self._block)
        self.max_items = max_items
        self.fields = fields
        self.count = 0
        self.truncated = False
        self._reader = PageReader(bufsize, item_max)
        self._fn = None

    def _resource(self):
        raise NotImplementedError


    def process_from_server(self, fn, **kwargs):
        """Call fn(item) for every item of every page (kwargs are query parameters); nothing
        is kept. fn may return True to stop. Returns the number of items read."""
        if not callable(fn):
            raise TypeError("process_from_server(fn, **query): fn must be callable")
        self.count = pages(self._api, self._resource(), kwargs.items(), fn, self._reader)
        return self.count

    def _add(self, item):
        if len(self.data) >= self.max_items:
            self.truncated = True
            return True
        f = self.fields
        if f is None:
            self.data.append(self._reader.raw())
        else:
            self.data.append(json.dumps({k: item[k] for k in f if k in item}).encode())
        return False

    def initialize_from_server(self, **kwargs):
        """Download the items into self.data (a Rows; at most max_items, see truncated)."""
        self.data = Rows(self._block)
        self.truncated = False
        self.process_from_server(self._add, **kwargs)
        self.count = len(self.data)


class StreamData(BaseData):
    """The data of one stream: GET stream/<slug>/data/?<kwargs>&page=N."""

    def __init__(self, stream_id, api, max_items=MAX_ITEMS, fields=FIELDS, bufsize=512,
                 item_max=1024):
        super().__init__(api, max_items, fields, bufsize, item_max)
        self._stream_id = str(stream_id)

    def _resource(self):
        return self._api.stream(self._stream_id).data


class RawData(BaseData):
    """Data across streams: GET data/?filter=<slug>&page=N (pass filter=...)."""

    def _resource(self):
        return self._api.data
