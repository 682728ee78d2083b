# store.py: DataStore, rows of number streams sharing a timestamp: a core Streamer over the
# client, so its rows wait in the preallocated ring, one slot per value given, row-linked.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from ...clock import REF
from ...errors import PushError
from ...ring import F_CONT
from ...streamer import Streamer
from .base import cold
from .stamp import Timestamp

_I64 = 0x7FFFFFFFFFFFFFFF
_US = object()  # the ring key of a row's microseconds below ms (no user can name it)


class DataStore(Streamer):
    """Holds `capacity` full rows (one ring slot per value given, ~16 B on a 32-bit board); when
    full the oldest values are dropped and counted in `dropped`. add() never touches the network.
    Counters (Streamer): pending (values), dropped, rejected, dead, last_error. flush() extends
    the Streamer's: a token refresh first when due, failing into the Streamer's own backoff."""

    def __init__(self, client, columns, capacity):
        n = len(columns)
        super().__init__(client, capacity * n, keys=n + 1, dead_letters=1, body=client._body)
        ring = self._ring
        for c in columns:
            ring.add_key(c)
        ring.add_key(_US)  # key n
        self._n = n

    def add(self, timestamp, dataDict):
        """Buffer one row. timestamp: a Timestamp or an int of ms. dataDict: column -> int, float,
        bool (sent as 1/0) or None; a column left out is null. TypeError/ValueError (unknown
        column, NaN, text...) before anything is buffered."""
        if type(timestamp) is int:
            timestamp = Timestamp(timestamp)
        elif not isinstance(timestamp, Timestamp):
            raise TypeError("timestamp must be a Timestamp or an int of milliseconds")
        if not isinstance(dataDict, dict):
            raise TypeError("add() takes a dict of column: value")
        if not dataDict:
            raise ValueError("add() needs at least one column: value")
        ring = self._ring
        for k in dataDict:
            if not 0 <= ring.key_index(k) < self._n:
                raise ValueError("%r is not a column of this store %r" % (k, self.columns()))
            v = dataDict[k]
            t = type(v)
            if t is int:
                if not -_I64 - 1 <= v <= _I64:
                    raise ValueError("value for %r does not fit in 64 bits" % k)
            elif t is not float and t is not bool and v is not None:
                raise TypeError("value for %r must be a number or None, not %s" % (k, t.__name__))
        us = timestamp.us
        ms = us // 1000
        self.log_row(dataDict, timestamp.s, ms)  # refuses NaN and infinities
        us -= ms * 1000
        if us:
            ring.push(self._n, us, timestamp.s - REF, ms, F_CONT)

    def columns(self):
        return self._ring.keys[: self._n]

    def hasSameColumns(self, cols):
        return isinstance(cols, list) and len(cols) == self._n and set(cols) == set(self.columns())

    def clear(self):
        """Remove every buffered row (not counted as dropped)."""
        self._ring.discard(self._ring.count)

    def rows(self):
        """A copy of the buffered rows as dicts, "time" in microseconds (allocates: debugging)."""
        return cold("checks", "rows", self)

    def __len__(self):
        """Data points buffered as iobeam counts them: rows x columns."""
        ring = self._ring
        j = rows = 0
        while j < ring.count:
            j += ring.row_len(j)
            rows += 1
        return rows * self._n

    def flush(self, *args, **kw):
        """Client.send() calls this for each store. Refreshes the token first when due; a failed
        refresh backs off like a failed request (rows kept). Arguments go to Streamer.flush."""
        if self._backoff.wait_ms():
            return 0
        c = self.service
        if c._did is None:
            raise ValueError("no device id: use registerDevice() or setDeviceId() first")
        if c._stale or c._expiring():
            try:
                cold("token", "refresh", c)
            except PushError as e:
                self.last_status = e.status
                what = str(e)
                raise self._transient(what[8:] if what[:8] == "iobeam: " else what, e.status)
        return super().flush(*args, **kw)
