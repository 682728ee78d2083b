"""Power BI streaming-dataset Push URL emulator, as strict as ../shared/specs/powerbi.md.

Route (below the hub prefix /powerbi): POST /beta/<tenant>/datasets/<dataset>/rows?key=<key>
with Content-Type application/json and a JSON array of row objects -> 200 (empty body).
Answers: 404 for an unknown dataset or a column not in its schema, 403 for a missing or wrong
key (the key is compared after URL-decoding, so a key pasted without its %2B/%2F/%3D escapes
fails as it would on the real service), 400 for a body that is not a JSON array of objects, a
value of the wrong type, text over 4,000 characters or over 10,000 rows, 413 over 15 KB (the
streaming limit; our reading of the docs), 429 with Retry-After over `rate_per_s` requests a
second (None: unlimited). Errors carry {"error": {"code", "message"}}.
"""
import datetime
import math
import re
import time

from .hub import Emulator, Reject, Reply

TENANT = "00000000-1111-2222-3333-444444444444"
DATASET = "55555555-6666-7777-8888-999999999999"
KEY = "FAKEkey+with/slash=="
KEY_IN_URL = "FAKEkey%2Bwith%2Fslash%3D%3D"
COLUMNS = {  # the seed's dataset plus the columns iotpush's tests use
    "string_value": "Text", "number_value": "Number", "datetime_value": "DateTime",
    "temp": "Number", "room": "Text", "ts": "DateTime", "door": "Boolean", "n": "Number",
    "label": "Text",
}
MAX_BYTES = 15 * 1024
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def _err(status, code, msg, headers=None):
    return Reject(status, {"error": {"code": code, "message": msg}}, headers)


def push_path(tenant=TENANT, dataset=DATASET):
    return "/beta/%s/datasets/%s/rows" % (tenant, dataset)


class PowerBIEmulator(Emulator):
    name = "powerbi"

    def __init__(self, rate_per_s=None, max_bytes=MAX_BYTES):
        super().__init__()
        self.rate_per_s = rate_per_s
        self.max_bytes = max_bytes
        self.datasets = {}
        self.add_dataset(TENANT, DATASET, KEY, COLUMNS)
        self.rows = []  # dicts: tenant, dataset, row (as received), t (arrival time)
        self._window = []
        self.now = time.time

    def add_dataset(self, tenant, dataset, key, columns):
        for t in columns.values():
            assert t in ("Number", "Text", "DateTime", "Boolean"), t
        self.datasets[(tenant, dataset)] = {"key": key, "columns": dict(columns)}

    def reset(self):
        """Forget what arrived and return to the default set-up (one dataset, no rate limit)."""
        super().reset()
        self.rows.clear()
        self._window.clear()
        self.rate_per_s = None
        self.max_bytes = MAX_BYTES
        self.now = time.time
        self.datasets = {}
        self.add_dataset(TENANT, DATASET, KEY, COLUMNS)

    def _rate(self):
        if self.rate_per_s is None:
            return
        now = self.now()
        self._window = [t for t in self._window if now - t < 1.0]
        if len(self._window) >= self.rate_per_s:
            raise _err(429, "TooManyRequests", "rate limit exceeded", {"Retry-After": "1"})
        self._window.append(now)

    @staticmethod
    def _check_value(col, ctype, v):
        if ctype == "Number":
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        elif ctype == "Text":
            ok = isinstance(v, str)
            if ok and len(v) > 4000:
                raise _err(400, "InvalidRequest", "text of %s over 4000 characters" % col)
        elif ctype == "Boolean":
            ok = isinstance(v, bool)
        else:
            ok = isinstance(v, str) and bool(_ISO.match(v))
        if not ok:
            raise _err(400, "InvalidRequest", "value of %s is not a %s" % (col, ctype))

    def handle(self, req):
        parts = req.path.split("/")
        if len(parts) != 6 or parts[1] != "beta" or parts[3] != "datasets" or parts[5] != "rows":
            raise _err(404, "NotFound", "no such route")
        ds = self.datasets.get((parts[2], parts[4]))
        if ds is None:
            raise _err(404, "ItemNotFound", "dataset not found")
        if req.method != "POST":
            raise _err(405, "MethodNotAllowed", "POST rows")
        keys = [v for k, v in req.query if k == "key"]
        if len(keys) != 1 or keys[0] != ds["key"]:
            raise _err(403, "Forbidden", "invalid or missing key")
        self._rate()
        ct = (req.header("Content-Type") or "").split(";")[0].strip().lower()
        if ct != "application/json":
            raise _err(400, "InvalidRequest", "Content-Type must be application/json")
        if len(req.body) > self.max_bytes:
            raise _err(413, "RequestEntityTooLarge", "over %d bytes" % self.max_bytes)
        body = req.json()
        if not isinstance(body, list):
            raise _err(400, "InvalidRequest", "body must be a JSON array")
        if not body or len(body) > 10000:
            raise _err(400, "InvalidRequest", "1..10000 rows a request")
        cols = ds["columns"]
        for row in body:
            if not isinstance(row, dict):
                raise _err(400, "InvalidRequest", "each row must be an object")
            for col, v in row.items():
                if col not in cols:
                    raise _err(404, "NotFound", "column %s is not in the schema" % col)
                self._check_value(col, cols[col], v)
        now = self.now()
        for row in body:
            self.rows.append({"tenant": parts[2], "dataset": parts[4], "row": row, "t": now})
        return Reply(200, b"")

    def streams(self):
        """Every non-DateTime column as a stream, timed by the row's first DateTime value (or
        the arrival time when it has none)."""
        out = {}
        for r in self.rows:
            cols = self.datasets[(r["tenant"], r["dataset"])]["columns"]
            t = r["t"]
            for col, v in r["row"].items():
                if cols.get(col) == "DateTime" and isinstance(v, str):
                    try:
                        t = datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
                    except ValueError:
                        pass
                    break
            for col, v in r["row"].items():
                if cols.get(col) != "DateTime":
                    out.setdefault(col, []).append([t, v])
        return out
