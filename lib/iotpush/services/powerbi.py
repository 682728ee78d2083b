# powerbi.py: Power BI streaming / push datasets through the dataset's Push URL.
#
#   pb = PowerBI("https://api.powerbi.com/beta/<tenant>/datasets/<id>/rows?key=<key>",
#                columns={"temp": "Number", "room": "Text", "ts": "DateTime"},
#                timestamp_column="ts")
#   pb.push_rows([{"temp": 21.5, "room": "hall"}])       # or Streamer(pb).log_row({...})
#
# Wire: POST <push URL exactly as given> with Content-Type: application/json and a JSON array
# of row objects; 200 = accepted. The key in the URL is the only credential. Limits applied
# (Microsoft's real-time streaming and push dataset docs): <= 15,000 bytes and <= 10,000 rows a
# request, 1 request/s (5/s with streaming_only=True), 75 columns, 4,000 characters a string.
# 429 (Retry-After), 5xx and network faults keep the rows; 400 (malformed), 404 (unknown
# column or dataset) and 401/403 (bad key) move that request's rows to the dead letters.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from micropython import const

from ..clock import offset
from ..ring import F_NOCLOCK, F_NOTS
from ..service import Service, check_url
from ..timefmt import write_iso

USER_AGENT = "iotpush/0.1"
_NUMBER = const(1)
_TEXT = const(2)
_DATETIME = const(3)
_BOOLEAN = const(4)
_TYPES = {"number": _NUMBER, "text": _TEXT, "datetime": _DATETIME, "boolean": _BOOLEAN}
_TYPE_NAMES = ("", "Number", "Text", "DateTime", "Boolean")
_MAX_BODY = const(15000)  # bytes a request (the docs say 15 KB; 15,000 fits either reading)
_MAX_ROWS = const(10000)
_MAX_COLUMNS = const(75)
_SLACK = const(256)  # Body room beyond the request limit: a row that does not fit is undone
_NOTIME = F_NOCLOCK | F_NOTS
_INF = float("inf")
_NINF = float("-inf")


def _unquote(s):
    """Percent-decoded str of s (cold path; for redacting the decoded key too)."""
    if "%" not in s:
        return s
    out = bytearray()
    b = s.encode()
    i = 0
    while i < len(b):
        c = b[i]
        if c == 37 and i + 2 < len(b):  # "%"
            try:
                out.append(int(b[i + 1:i + 3], 16))
                i += 3
                continue
            except ValueError:
                pass
        out.append(c)
        i += 1
    try:
        return str(out, "utf-8")
    except UnicodeError:
        return s


def _like(b, i, mask):
    """b[i:] starts like mask (bytes): "0" stands for any digit, other bytes for themselves."""
    if len(b) < i + len(mask):
        return False
    for m in mask:
        c = b[i]
        if not (48 <= c <= 57 if m == 48 else c == m):
            return False
        i += 1
    return True


def _is_iso(v):
    """'YYYY-MM-DDTHH:MM:SS', optional '.fraction', optional 'Z' or '+HH:MM' / '-HH:MM'.
    Works on the UTF-8 bytes: indexing a str would intern every character as a qstr."""
    b = v.encode()
    n = len(b)
    if n > 40 or not _like(b, 0, b"0000-00-00T00:00:00"):
        return False
    i = 19
    if i < n and b[i] == 46:  # "."
        i += 1
        while i < n and 48 <= b[i] <= 57:
            i += 1
        if i == 20:
            return False
    return i == n or b[i:] == b"Z" or n - i == 6 and (_like(b, i, b"+00:00")
                                                    or _like(b, i, b"-00:00"))


class PowerBI(Service):
    """Power BI Push URL of a streaming / push dataset.

    push_url: the dataset's "Push URL" from API info, kept exactly (its ?key= is a secret and
    never shown). columns: {name: "Number" | "Text" | "DateTime" | "Boolean"}; given, rows are
    checked at the call (unknown column, wrong type). timestamp_column: a DateTime column
    filled with each row's time (ISO-8601 UTC) unless the row gives it. streaming_only: True
    when "Historic data analysis" is off (5 requests/s instead of 1). rate: requests/s
    override (for a local emulator). body_size: bytes a request at most (512..15000).
    capacity: events push_rows() may hold. Blocking: up to `timeout` s per socket operation.
    Memory: the Streamer's buffers (2 x body_size) plus the column table.
    """

    name = "powerbi"
    max_events = 10000
    max_key = 100
    max_str = 4000
    body_size = 4096 + _SLACK
    allow_none = False

    def __init__(self, push_url, columns=None, timestamp_column=None, timeout=10,
                 streaming_only=False, rate=None, body_size=4096, capacity=256):
        if rate is None:
            rate = 5 if streaming_only else 1
        super().__init__(timeout, rate, 1)
        self._check_push_url(push_url)
        if not isinstance(body_size, int) or not 512 <= body_size <= _MAX_BODY:
            raise ValueError("body_size must be an int in 512..%d" % _MAX_BODY)
        self.url = push_url
        self.headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        self._cap = body_size
        self.body_size = body_size + _SLACK
        if not isinstance(capacity, int) or not 1 <= capacity <= 65535:
            raise ValueError("capacity must be an int in 1..65535")
        self._capacity = capacity
        self._types = None
        if columns is not None:
            self._set_columns(columns)
        if timestamp_column is not None:
            if self._types is None:
                Service.check_key(self, timestamp_column)
            elif self._types.get(timestamp_column) != _DATETIME:
                raise ValueError("timestamp_column must be one of the DateTime columns")
        self._ts = timestamp_column
        # typed columns: a number logged into a Text (or DateTime) column is refused at log()
        self.check_numbers = columns is not None or timestamp_column is not None
        self._st = None

    def _check_push_url(self, url):
        check_url(url, "push_url")  # never echoes the URL (it holds the key)
        for c in url.encode():  # bytes: iterating the str would intern its characters
            if c <= 32 or c == 127 or c == 35:  # space, control, DEL, "#"
                raise ValueError("push_url must not contain spaces, line breaks or '#'")
        q = url.find("?")
        path = url[:q] if q >= 0 else url
        key = None
        if q >= 0:
            for part in url[q + 1:].split("&"):
                if part.startswith("key="):
                    key = part[4:]
        if not path.endswith("/rows") or not key:
            raise ValueError("push_url must be a dataset's Push URL (API info): "
                             "https://api.powerbi.com/beta/<tenant>/datasets/<id>/rows?key=...")
        self._secrets = (key, _unquote(key))
        self._where = path

    def _set_columns(self, columns):
        if not isinstance(columns, dict):
            raise TypeError("columns must be a dict of name: type")
        if not 0 < len(columns) <= _MAX_COLUMNS:
            raise ValueError("a Power BI table has 1..%d columns" % _MAX_COLUMNS)
        types = {}
        for k in columns:
            Service.check_key(self, k)
            t = columns[k]
            code = _TYPES.get(t.lower()) if isinstance(t, str) else None
            if code is None:
                raise ValueError("column %r: type must be Number, Text, DateTime or Boolean"
                                 % (k,))
            types[k] = code
        self._types = types

    def __repr__(self):
        return "<PowerBI %s?key=hidden columns=%s every %d ms>" % (
            self._where, len(self._types) if self._types else "any", self.rate.interval)

    # --- validation (at the call) --------------------------------------------------------------
    def check_key(self, key):
        super().check_key(key)
        if self._types is not None and key not in self._types:
            raise ValueError("%r is not a column of this dataset: %s" % (
                key, " ".join(self._types)))

    def _kind(self, key):
        """The column type code of key (0: unknown, any JSON value)."""
        if self._types is not None:
            return self._types.get(key, 0)
        return _DATETIME if key == self._ts else 0

    def _check_field(self, key, v):
        """Every check of one value, typed by its column when columns were given."""
        t = type(v)
        if t is float:
            if v != v or v == _INF or v == _NINF:
                raise ValueError("value for %r is not a finite number" % (key,))
        elif t is str:
            if len(v) > self.max_str:
                raise ValueError("text for %r is over %d characters" % (key, self.max_str))
        elif v is None:
            raise ValueError("None for %r: leave the column out instead" % (key,))
        elif t is not int and t is not bool:
            raise TypeError("value for %r must be a number, str or bool, not %s"
                            % (key, t.__name__))
        ct = self._kind(key)
        if ct == _NUMBER:
            ok = t is int or t is float
        elif ct == _TEXT:
            ok = t is str
        elif ct == _BOOLEAN:
            ok = t is bool
        elif ct == _DATETIME:
            if t is int:
                offset(v)  # range check: ValueError outside 1970..2088
                return
            if t is str:
                if _is_iso(v):
                    return
                raise ValueError("DateTime %r: not ISO-8601 like 2026-11-21T23:59:02Z" % (key,))
            ok = False
        else:
            return  # unknown column: check_key says so
        if not ok:
            raise TypeError("column %r is %s, not %s%s" % (key, _TYPE_NAMES[ct], t.__name__,
                            " (give Unix seconds as an int)" if ct == _DATETIME else ""))

    def check_value(self, key, value):
        self._check_field(key, value)
        if type(value) is str and 6 * (len(value) + len(key)) + 40 > self._cap:
            self.check_row({key: value})  # long text: measured exactly

    def check_row(self, fields):
        """At most 75 columns, and the row fits in one request (an upper bound first; only
        rows near the limit are measured, which allocates)."""
        if len(fields) > _MAX_COLUMNS:
            raise ValueError("a row has at most %d columns" % _MAX_COLUMNS)
        t = 2 if self._ts is None else 6 * len(self._ts) + 38
        n = t
        for k in fields:
            v = fields[k]
            n += 6 * len(k) + 34  # quotes, ': ', ', ', and up to 28 for a number or DateTime
            if type(v) is str:
                n += 6 * len(v)
            elif type(v) is int and not -999999999 <= v <= 999999999:
                n += len(str(v))
        if n > self._cap - 2:
            import json

            n = len(json.dumps(fields).encode())
            if self._ts is not None:
                n += len(json.dumps(self._ts).encode()) + 32
            for k in fields:  # a DateTime given as an int grows into a quoted ISO string
                if type(fields[k]) is int and self._kind(k) == _DATETIME:
                    n += 26
            if n > self._cap - 2:
                raise ValueError("row of %d bytes; requests carry %d (body_size)" % (
                    n, self._cap))

    # --- encoding -------------------------------------------------------------------------------
    def encode(self, ring, limit, body):
        w = body.write
        cap = self._cap
        types = self._types
        tscol = self._ts
        keys = ring.keys
        cnt = ring.count
        w(b"[")
        j = 0
        rows = 0
        while j < cnt and rows < _MAX_ROWS:
            rl = ring.row_len(j)
            if rows and j + rl > limit:
                break
            pos = body.tell()
            w(b", {" if rows else b"{")
            ring.at(j)
            fl = ring.fl
            s = ring.s
            ms = ring.ms
            has_ts = False
            i = 0
            while True:
                k = keys[ring.ki]
                body.dump(k)
                w(b": ")
                v = ring.val
                if k == tscol:
                    has_ts = True
                if type(v) is int and (k == tscol or types is not None
                                       and types.get(k) == _DATETIME):
                    vs, vms = offset(v)
                    write_iso(body, vs, vms)
                else:
                    body.dump(v)
                i += 1
                if i == rl:
                    break
                ring.at(j + i)
                w(b", ")
            if tscol is not None and not has_ts and not fl & _NOTIME:
                w(b", ")
                body.dump(tscol)
                w(b": ")
                write_iso(body, s, ms)
            w(b"}")
            if rows and body.tell() + 1 > cap:
                body.seek(pos)  # this row goes in the next request
                break
            rows += 1
            j += rl
        w(b"]")
        return j

    # --- the direct path (code in powerbi_rows.py, loaded on the first call) ---------------------
    @property
    def streamer(self):
        """The Streamer behind push_rows() (made on first use: ring of `capacity` events and
        a request buffer)."""
        if self._st is None:
            from ..streamer import Streamer

            self._st = Streamer(self, self._capacity, None, _MAX_COLUMNS + 5)
        return self._st

    def push_rows(self, rows):
        """Send rows (a list of dicts) now; returns the number of rows delivered, including
        rows an earlier call kept (push_rows([]) sends just those). Every row is checked first:
        a bad one raises ValueError / TypeError and nothing is buffered. Blocks: waits for the
        rate limit between requests and up to `timeout` s per socket operation. Raises
        PushError: retained=True (network, 5xx, 429, or still backing off after one) keeps the
        rows for the next call; retained=False (400/401/403/404) moved that request's rows to
        streamer.dead."""
        import sys

        if "iotpush.services.powerbi_rows" not in sys.modules:
            import gc

            gc.collect()  # loading code on a tight heap: start from a collected one
        from .powerbi_rows import push_rows

        return push_rows(self, self.streamer, rows)
