"""NikDev IoT emulator, as strict as ../shared/specs/nikdev.md (nikdev-iot 0.5.5 on the wire).

Routes (below the hub prefix /nikdev): POST /api/v1/entries/ (JSON {clientTimestamp, entries:
[{timestamp, values: [{field: value}, ...]}]}, whole-second ints) -> 201 {"message": "OK"};
GET /api/v1/values/<id>,<id>,... -> 200 {"data": {"servertime", "values": [{id: {value,
timestamp}}]}}. Both need the x-device-id / x-api-key headers: 401 {"message"} for unknown
credentials, 403 {"message"} when the key has no write access (pushing with the read-only key).
Malformed requests get 400 {"message": ...}. No public server documentation exists: answers
follow what the official client parses; the skew correction from clientTimestamp is presumed.
"""
import math
import time
import urllib.parse

from .hub import Emulator, Reject, Reply

DEVICE_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
API_KEY = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
READ_ONLY_KEY = "16fd2706-8baf-433b-82eb-8c7fada847da"
_ENTRIES = "/api/v1/entries/"
_VALUES = "/api/v1/values/"


def _bad(msg):
    return Reject(400, {"message": msg})


class NikDevEmulator(Emulator):
    name = "nikdev"

    def __init__(self, device_id=DEVICE_ID, api_key=API_KEY, read_only_key=READ_ONLY_KEY):
        super().__init__()
        self.device_id = device_id
        self.api_key = api_key
        self.read_only_key = read_only_key
        self.entries = []  # dicts: timestamp, values [(field, value)], client_ts, server_ts, t
        self.clock_offset = 0  # the server's clock runs this many seconds ahead of ours
        self.now = time.time

    def reset(self):
        """Forget what arrived and return to the default set-up (clocks agree)."""
        super().reset()
        self.entries.clear()
        self.clock_offset = 0
        self.now = time.time

    def server_time(self):
        return int(self.now() + self.clock_offset)

    # --- checks ---------------------------------------------------------------------------------
    def _auth(self, req, write):
        if req.header_count("x-device-id") != 1 or req.header_count("x-api-key") != 1:
            raise Reject(401, {"message": "x-device-id and x-api-key headers are required"})
        key = req.header("x-api-key")
        if req.header("x-device-id") != self.device_id or key not in (self.api_key,
                                                                      self.read_only_key):
            raise Reject(401, {"message": "Invalid device id or API key"})
        if write and key != self.api_key:
            raise Reject(403, {"message": "API key has no write access"})

    @staticmethod
    def _int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    def _check_body(self, body):
        if not isinstance(body, dict) or set(body) != {"clientTimestamp", "entries"}:
            raise _bad("body must be {clientTimestamp, entries}")
        if not self._int(body["clientTimestamp"]) or body["clientTimestamp"] < 0:
            raise _bad("clientTimestamp must be whole Unix seconds")
        if not isinstance(body["entries"], list):
            raise _bad("entries must be a list")
        for e in body["entries"]:
            if not isinstance(e, dict) or set(e) != {"timestamp", "values"}:
                raise _bad("an entry must be {timestamp, values}")
            if not self._int(e["timestamp"]) or e["timestamp"] < 0:
                raise _bad("timestamp must be whole Unix seconds")
            if not isinstance(e["values"], list):
                raise _bad("values must be a list")
            for v in e["values"]:
                if not isinstance(v, dict) or len(v) != 1:
                    raise _bad("each value must be a one-key object {field: value}")
                (k, x), = v.items()
                if not k:
                    raise _bad("empty field id")
                if not isinstance(x, (str, int, float, bool)) or (
                        isinstance(x, float) and not math.isfinite(x)):
                    raise _bad("value of %s must be a string, number or boolean" % k)

    # --- routes ---------------------------------------------------------------------------------
    def handle(self, req):
        if req.path == _ENTRIES:
            return self._push(req)
        if req.path.startswith(_VALUES):
            return self._get(req)
        raise Reject(404, {"message": "Not found"})

    def _push(self, req):
        if req.method != "POST":
            raise Reject(405, {"message": "Method not allowed"})
        self._auth(req, True)
        ct = (req.header("Content-Type") or "").split(";")[0].strip().lower()
        if ct != "application/json":
            raise _bad("Content-Type must be application/json")
        body = req.json()
        self._check_body(body)
        now = self.now()
        skew = self.server_time() - body["clientTimestamp"]
        for e in body["entries"]:
            self.entries.append({
                "timestamp": e["timestamp"], "server_ts": e["timestamp"] + skew,
                "client_ts": body["clientTimestamp"], "t": now,
                "values": [next(iter(v.items())) for v in e["values"]]})
        return Reply(201, {"message": "OK"})

    def _get(self, req):
        if req.method != "GET":
            raise Reject(405, {"message": "Method not allowed"})
        self._auth(req, False)
        raw = req.path[len(_VALUES):]
        ids = [urllib.parse.unquote(p) for p in raw.split(",")]
        if not raw or any(not i for i in ids):
            raise _bad("give field ids as values/<id>,<id>")
        latest = {}
        for e in self.entries:
            for k, v in e["values"]:
                latest[k] = (v, e["server_ts"])
        out = []
        for i in ids:
            v, ts = latest.get(i, (None, None))
            out.append({i: {"value": v, "timestamp": ts}})
        return Reply(200, {"data": {"servertime": self.server_time(), "values": out}})

    def streams(self):
        out = {}
        for e in self.entries:
            for k, v in e["values"]:
                out.setdefault(k, []).append([e["server_ts"], v])
        return out
