"""Initial State Events API emulator, as strict as ../shared/specs/initialstate.md.

Routes (below the hub prefix /initialstate): POST /api/buckets (JSON; 201 new, 204 exists),
GET|POST /api/buckets?accessKey&bucketKey&bucketName, POST /api/events (JSON array or one
object), GET|POST /api/events?accessKey&bucketKey&key=value... Answers 400 for malformed
requests, 401 for a wrong access key, 413 over 1 MB, 429 with Retry-After over the rate limit.
Every /events answer carries X-RateLimit-Limit / -Remaining / -Reset.
"""
import math
import time

from .hub import Emulator, Reject, Reply

ACCESS_KEY = "ist_TESTACCESSKEY0000000000000000"
_BAD_BUCKET_CHARS = ':"\''


class InitialStateEmulator(Emulator):
    name = "initialstate"

    def __init__(self, access_key=ACCESS_KEY, max_events=10, rate_limit=None, window_s=10):
        """rate_limit: requests per window_s seconds before 429 (None: unlimited).
        max_events: events per request accepted (the docs' "up to 10 events per API call")."""
        super().__init__()
        self.access_key = access_key
        self.max_events = max_events
        self.rate_limit = rate_limit
        self.window_s = window_s
        self.buckets = {}  # bucket key -> name
        self.events = []  # dicts: key, value, epoch (or None), iso8601, bucket, t (server time)
        self._window = []
        self.now = time.time  # the rate limiter's clock (tests may substitute a fake one)

    def reset(self):
        super().reset()
        self.buckets.clear()
        self.events.clear()
        self._window.clear()

    # --- helpers --------------------------------------------------------------------------------
    def _rate(self):
        now = self.now()
        self._window = [t for t in self._window if now - t < self.window_s]
        reset = int(now) + self.window_s
        if self.rate_limit is not None and len(self._window) >= self.rate_limit:
            retry = max(1, int(math.ceil(self.window_s - (now - self._window[0]))))
            raise Reject(429, b"", {
                "X-RateLimit-Limit": str(self.rate_limit), "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset), "Retry-After": str(retry)})
        self._window.append(now)
        limit = self.rate_limit if self.rate_limit is not None else 10 ** 6
        return {"X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(max(0, limit - len(self._window))),
                "X-RateLimit-Reset": str(reset)}

    def _auth_headers(self, req, need_bucket):
        if req.header_count("X-IS-AccessKey") != 1 or req.header("X-IS-AccessKey") != self.access_key:
            raise Reject(401, b"")
        bk = req.header("X-IS-BucketKey")
        if need_bucket:
            self._check_bucket_key(bk)
        return bk

    @staticmethod
    def _check_bucket_key(bk):
        if not isinstance(bk, str) or not 0 < len(bk) <= 250 or any(c in _BAD_BUCKET_CHARS for c in bk):
            raise Reject(400, {"message": "invalid bucketKey"})

    @staticmethod
    def _json_type(req):
        ct = (req.header("Content-Type") or "").split(";")[0].strip().lower()
        if ct != "application/json":
            raise Reject(400, {"message": "Content-Type must be application/json"})

    @staticmethod
    def _check_event(ev):
        if not isinstance(ev, dict):
            raise Reject(400, {"message": "event must be an object"})
        extra = set(ev) - {"key", "value", "epoch", "iso8601"}
        if extra:
            raise Reject(400, {"message": "unknown event fields %s" % sorted(extra)})
        k = ev.get("key")
        if not isinstance(k, str) or not 0 < len(k) <= 100:
            raise Reject(400, {"message": "key must be a string of 1..100 characters"})
        if "value" not in ev:
            raise Reject(400, {"message": "value is required"})
        v = ev["value"]
        if isinstance(v, str):
            if len(v) > 2000:
                raise Reject(400, {"message": "value longer than 2000 characters"})
        elif not isinstance(v, (bool, int, float)) or (isinstance(v, float) and not math.isfinite(v)):
            raise Reject(400, {"message": "value must be a string, number or boolean"})
        if "epoch" in ev and (isinstance(ev["epoch"], bool) or not isinstance(ev["epoch"], (int, float))):
            raise Reject(400, {"message": "epoch must be a number"})
        if "iso8601" in ev and not isinstance(ev["iso8601"], str):
            raise Reject(400, {"message": "iso8601 must be a string"})

    # --- routes ---------------------------------------------------------------------------------
    def handle(self, req):
        if req.path == "/api/buckets":
            return self._buckets(req)
        if req.path == "/api/events":
            return self._events(req)
        raise Reject(404, {"message": "no such route"})

    def _buckets(self, req):
        if req.method not in ("POST", "GET"):
            raise Reject(405, b"")
        if req.arg("accessKey") is not None:  # URL-parameter variant
            if req.arg("accessKey") != self.access_key:
                raise Reject(401, b"")
            bk, name = req.arg("bucketKey"), req.arg("bucketName")
        else:
            if req.method != "POST":
                raise Reject(405, b"")
            self._json_type(req)
            self._auth_headers(req, need_bucket=False)
            body = req.json()
            if not isinstance(body, dict) or set(body) - {"bucketKey", "bucketName"}:
                raise Reject(400, {"message": "body must be {bucketKey, bucketName}"})
            bk, name = body.get("bucketKey"), body.get("bucketName")
        self._check_bucket_key(bk)
        if name is not None and (not isinstance(name, str) or len(name) > 250):
            raise Reject(400, {"message": "bucketName longer than 250 characters"})
        if bk in self.buckets:
            return Reply(204)
        self.buckets[bk] = name
        return Reply(201)

    def _events(self, req):
        if req.arg("accessKey") is not None:
            return self._events_url(req)
        if req.method != "POST":
            raise Reject(405, b"")
        self._json_type(req)
        bk = self._auth_headers(req, need_bucket=True)
        if len(req.body) > 1024 * 1024:
            raise Reject(413, b"")
        body = req.json()
        events = body if isinstance(body, list) else [body]
        if not events or len(events) > self.max_events:
            raise Reject(400, {"message": "1..%d events per request" % self.max_events})
        for ev in events:
            self._check_event(ev)
        headers = self._rate()
        now = self.now()
        for ev in events:
            self.events.append({"key": ev["key"], "value": ev["value"], "epoch": ev.get("epoch"),
                                "iso8601": ev.get("iso8601"), "bucket": bk, "t": now})
        return Reply(204, b"", headers)

    def _events_url(self, req):
        if req.method not in ("GET", "POST"):
            raise Reject(405, b"")
        if req.arg("accessKey") != self.access_key:
            raise Reject(401, b"")
        bk = req.arg("bucketKey")
        self._check_bucket_key(bk)
        pairs = [(k, v) for k, v in req.query if k not in ("accessKey", "bucketKey")]
        if not pairs:
            raise Reject(400, {"message": "no events"})
        for k, v in pairs:
            self._check_event({"key": k, "value": v})
        headers = self._rate()
        now = self.now()
        for k, v in pairs:
            self.events.append({"key": k, "value": v, "epoch": None, "iso8601": None,
                                "bucket": bk, "t": now})
        return Reply(204, b"", headers)

    def streams(self):
        out = {}
        for ev in self.events:
            out.setdefault(ev["key"], []).append(
                [ev["epoch"] if ev["epoch"] is not None else ev["t"], ev["value"]])
        return out
