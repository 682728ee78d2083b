"""iobeam emulator, as strict as ../shared/specs/iobeam.md (the protocol of iobeam 0.11.0).

Routes below the hub prefix /iobeam (so the client's backend is <hub>/iobeam/v1/):
  POST /v1/tokens/project   refresh: {"refresh_token": <token>}, NO Authorization header;
                            200 {"token", "project_id", "expires", "read", "write", "admin"}
  POST /v1/devices          {"project_id"[, "device_id"][, "device_name"]}; 201 {"project_id",
                            "device_id", "device_name", "created"}; 422 errors[0].code 150 for a
                            taken id, 151 for a taken name
  GET  /v1/devices/timestamp 200 {"server_timestamp": <ms>}
  POST /v1/imports?fmt=table {"project_id", "device_id", "sources": {"fields": ["time", ...],
                            "data": [[<usec int>, <number|null>...], ...]}, "timefmt": "usec"},
                            at most `max_points` (1000) rows x columns; 200 with an empty body
Project tokens are HS256 JWTs this emulator signs (make_token()); a Bearer token must carry its
signature, the project's `pid` and an `exp` in the future (else 403, the status the spec gives for
invalid credentials). Malformed requests get 400 {"errors": [{"code": 100, ...}]} as in the
capture; codes other than 100/150/151 are not in the spec.
"""
import base64
import hashlib
import hmac
import json
import math
import random
import re
import time

from .hub import Emulator, Reject, Reply

PROJECT_ID = 4242
SECRET = b"iotpush-iobeam-emulator-secret"
_ID = re.compile(r"^[a-zA-Z0-9_:-]+$")
_RESERVED = {"time", "time_offset", "all"}
_MAX_USEC = 4 * 10 ** 15  # year 2096: anything later is not a microsecond Unix time


def _b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sign(claims, secret=SECRET):
    """An HS256 JWT of these claims."""
    head = _b64(b'{"alg":"HS256","typ":"JWT"}')
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    sig = _b64(hmac.new(secret, ("%s.%s" % (head, body)).encode(), hashlib.sha256).digest())
    return "%s.%s.%s" % (head, body, sig)


# A token of the default project valid until 2099, for trying the client by hand against
# `python -m tools.emulators`.
TOKEN = sign({"pid": PROJECT_ID, "exp": 4070908800, "refreshable": True, "write": True, "jti": 0})


def _err(status, message, code=100):
    return Reject(status, {"errors": [{"code": code, "message": message}]})


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


class IobeamEmulator(Emulator):
    name = "iobeam"

    def __init__(self, project_id=PROJECT_ID, lifetime_s=30 * 86400, max_points=1000):
        super().__init__()
        self.project_id = project_id
        self.lifetime_s = lifetime_s  # validity of the tokens a refresh issues
        self.max_points = max_points
        self.devices = {}  # device id -> name
        self.rows = []  # {"device_id", "time" (usec), "token", <field>: value...}
        self.issued = []  # tokens handed out by refreshes, in order
        self.now = time.time  # the token clock (tests may substitute a fake one)
        self._rng = random.Random(150)
        self._jti = 0

    def reset(self):
        super().reset()
        self.devices.clear()
        self.rows.clear()
        self.issued.clear()
        self.now = time.time

    # --- tokens ---------------------------------------------------------------------------------
    def make_token(self, exp=None, project_id=None, refreshable=True, write=True, secret=SECRET):
        """A project token signed by this emulator (exp: Unix seconds; default now + lifetime)."""
        with self.lock:
            self._jti += 1
            jti = self._jti
        return sign({"pid": self.project_id if project_id is None else project_id,
                     "exp": int(self.now() + self.lifetime_s if exp is None else exp),
                     "refreshable": refreshable, "write": write, "jti": jti}, secret)

    def claims(self, token):
        """The claims of a token this emulator signed, or None (bad form or signature)."""
        try:
            head, body, sig = token.split(".")
            want = _b64(hmac.new(SECRET, ("%s.%s" % (head, body)).encode(), hashlib.sha256).digest())
            if not hmac.compare_digest(want, sig):
                return None
            c = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (ValueError, TypeError, AttributeError):
            return None
        return c if isinstance(c, dict) else None

    def _bearer(self, req):
        if req.header_count("Authorization") != 1:
            raise _err(403, "Authorization: Bearer <project token> required")
        v = req.header("Authorization")
        if not v.startswith("Bearer "):
            raise _err(403, "Authorization must be 'Bearer <token>'")
        token = v[7:]
        c = self.claims(token)
        if c is None or c.get("pid") != self.project_id:
            raise _err(403, "invalid token")
        if not c.get("exp", 0) > self.now():
            raise _err(403, "token expired")
        return token

    @staticmethod
    def _body(req, keys, required):
        ct = (req.header("Content-Type") or "").split(";")[0].strip().lower()
        if ct != "application/json":
            raise _err(400, "Content-Type must be application/json")
        body = req.json()
        if not isinstance(body, dict) or set(body) - set(keys) or set(required) - set(body):
            raise _err(400, "body must be an object with %s" % sorted(keys))
        return body

    def _project(self, body):
        pid = body.get("project_id")
        if isinstance(pid, bool) or not isinstance(pid, int) or pid != self.project_id:
            raise _err(400, "project_id must be the project's id (an int)")

    # --- routes ---------------------------------------------------------------------------------
    def handle(self, req):
        path = req.path.split("?")[0]
        route = {"/v1/tokens/project": self._tokens, "/v1/devices": self._devices,
                 "/v1/devices/timestamp": self._timestamp, "/v1/imports": self._imports}.get(path)
        if route is None:
            raise _err(404, "no such route")
        return route(req)

    def _tokens(self, req):
        if req.method != "POST":
            raise _err(405, "only the refresh (POST) is emulated")
        if req.header_count("Authorization"):
            raise _err(400, "a refresh carries no Authorization header")
        body = self._body(req, ("refresh_token",), ("refresh_token",))
        old = body["refresh_token"]
        c = self.claims(old) if isinstance(old, str) else None
        if c is None or c.get("pid") != self.project_id:
            raise _err(403, "invalid refresh_token")
        if c.get("refreshable") is not True:
            raise _err(403, "token is not refreshable")
        new = self.make_token(write=c.get("write", True))
        self.issued.append(new)
        exp = time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(self.claims(new)["exp"]))
        return Reply(200, {"token": new, "project_id": self.project_id, "expires": exp,
                           "read": True, "write": bool(c.get("write", True)), "admin": False})

    def _devices(self, req):
        if req.method != "POST":
            raise _err(405, "method not allowed")
        self._bearer(req)
        body = self._body(req, ("project_id", "device_id", "device_name"), ("project_id",))
        self._project(body)
        did, name = body.get("device_id"), body.get("device_name")
        if did is not None and (not isinstance(did, str) or not _ID.match(did)):
            raise _err(400, "device_id can only include a-z, A-Z, 0-9, _, : and -")
        if name is not None and not isinstance(name, str):
            raise _err(400, "device_name must be a string")
        if did in self.devices:
            raise _err(422, "Device ID already in use", 150)
        if name is not None and name in self.devices.values():
            raise _err(422, "Device name already in use", 151)
        if did is None:
            did = "gen-%08x" % self._rng.getrandbits(32)
        if name is None:
            name = "device-%d" % (len(self.devices) + 1)
        self.devices[did] = name
        created = time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(self.now()))
        return Reply(201, {"project_id": self.project_id, "device_id": did, "device_name": name,
                           "created": created})

    def _timestamp(self, req):
        if req.method != "GET":
            raise _err(405, "method not allowed")
        self._bearer(req)
        return Reply(200, {"server_timestamp": int(self.now() * 1000)})

    def _imports(self, req):
        if req.method != "POST":
            raise _err(405, "method not allowed")
        if req.query != [("fmt", "table")]:
            raise _err(400, "only the table format (?fmt=table) is emulated")
        token = self._bearer(req)
        body = self._body(req, ("project_id", "device_id", "sources", "timefmt"),
                          ("project_id", "device_id", "sources", "timefmt"))
        self._project(body)
        did = body["device_id"]
        if not isinstance(did, str) or did not in self.devices:
            raise _err(400, "device_id is not registered in this project")
        if body["timefmt"] != "usec":
            raise _err(400, 'timefmt must be "usec"')
        src = body["sources"]
        if not isinstance(src, dict) or set(src) != {"fields", "data"}:
            raise _err(400, "sources must be {fields, data}")
        fields, data = src["fields"], src["data"]
        if not isinstance(fields, list) or len(fields) < 2 or fields[0] != "time":
            raise _err(400, 'fields must start with "time" and name at least one column')
        cols = fields[1:]
        for f in cols:
            if not isinstance(f, str) or not f or f.lower() in _RESERVED:
                raise _err(400, "invalid column name %r" % (f,))
        if len(set(cols)) != len(cols):
            raise _err(400, "duplicate column names")
        if not isinstance(data, list) or not data:
            raise _err(400, "data must be a non-empty list of rows")
        if len(data) * len(cols) > self.max_points:
            raise _err(400, "%d points in one request; at most %d"
                       % (len(data) * len(cols), self.max_points))
        for row in data:
            if not isinstance(row, list) or len(row) != len(fields):
                raise _err(400, "every row must have %d values" % len(fields))
            t = row[0]
            if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < _MAX_USEC:
                raise _err(400, "time must be integer microseconds: %r" % (t,))
            for v in row[1:]:
                if v is not None and not _is_number(v):
                    raise _err(400, "values must be numbers or null: %r" % (v,))
        for row in data:
            rec = {"device_id": did, "time": row[0], "token": token}
            rec.update(zip(cols, row[1:]))
            self.rows.append(rec)
        return Reply(200, b"")

    def streams(self):
        out = {}
        for r in self.rows:
            for k, v in r.items():
                if k not in ("device_id", "time", "token") and v is not None:
                    out.setdefault(k, []).append([r["time"] / 1e6, v])
        return out
