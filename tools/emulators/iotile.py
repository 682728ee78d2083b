"""IOTile Cloud emulator, as strict as ../shared/specs/iotile.md (iotile-cloud 0.9.14 on the wire).

Mounted at /iotile on the hub, so the client's domain is hub.base("iotile") and the API root is
/iotile/api/v1/. Routes:

- auth/login/ (POST {"email","password"} -> 200 {"jwt","username","email"}, 400 otherwise),
  auth/api-jwt-refresh/ (POST {"token"} -> 200 {"token"}), auth/logout/ (POST, no body -> 204).
- Generic DRF-style resources (the names in RESOURCES): GET <res>/ (paginated {"count","next","previous","results"},
  filters from the query: org__slug=x compares the field "org"), POST <res>/ (201),
  GET/PUT/PATCH/DELETE <res>/<id or slug>/, GET <res>/<id>/<children>/ (e.g. org/<slug>/projects/).
- stream/<slug>/data/ with lastn, start, end (ISO-8601; start <= t < end), page, page_size;
  data/?filter=<stream slug>.
- Uploads (multipart/form-data, parsed part by part): event/upload/ (fields then "file"),
  streamer/report/?timestamp=... (one "file" part holding a SignedListReport format 1, parsed and
  its hash-only signature checked; readings at or below the streamer's last id are recognised as
  already received and not stored again); streamer/t--<device>--<index>/ gives that last id.

Strict on the wire format the official client produces: every path ends in "/", JSON calls carry
Content-Type: application/json (GETs and bodiless calls too) and "Authorization: jwt <token>";
uploads carry no JSON content type, a 32-hex-digit boundary, CRLF line ends, no part
Content-Type and a Content-Length. Violations answer 400/401/404/405/415 with a DRF-style message.
Assumptions where the real service is not documented: page sizes (100, 1000 for data), the
start/end bounds, and the answer to a streamer report (201 {"count": readings newly stored}).
"""
import datetime
import hashlib
import json
import re
import struct
import time
import urllib.parse

from .hub import Emulator, Reject, Reply

PREFIX = "/api/v1/"
USERS = {"user@example.com": ("iotpush-user", "s3cret p\u00e4ss"),
         "board@iotpush.test": ("board", "board-pass")}
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_STREAM = re.compile(r"^s--[0-9a-f]{4}-[0-9a-f]{4}--[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}--[0-9a-f]{4}$")
RESOURCES = {"account", "org", "project", "device", "stream", "variable", "event", "fleet",
             "streamer", "datablock", "property", "vartype", "sg", "dt", "ota", "report"}
_DISP = re.compile(r'^Content-Disposition: form-data; name="([^"\r\n]+)"(?:; filename="([^"\r\n]*)")?$')
Y2K = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)


def parse_time(s):
    """An ISO-8601 UTC time as the client sends it (Z, +00:00 or naive UTC); None if invalid."""
    if not isinstance(s, str) or not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|\+00:00)?$", s):
        return None
    try:
        t = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=datetime.timezone.utc)


def iso(t):
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stream_slug(project, device, variable):
    return "s--%04x-%04x--%04x-%04x-%04x-%04x--%04x" % (
        project >> 16, project & 0xFFFF, (device >> 48) & 0xFFFF, (device >> 32) & 0xFFFF,
        (device >> 16) & 0xFFFF, device & 0xFFFF, variable)


def parse_report(data):
    """Parse and check a SignedListReport (format 1, hash-only signature). Returns a dict or
    raises ValueError with the reason."""
    if len(data) < 44:
        raise ValueError("report shorter than header + footer (%d bytes)" % len(data))
    fmt, lo8, hi16, device, report_id, sent, flags, streamer, selector = struct.unpack_from("<BBHLLLBBH", data)
    length = hi16 << 8 | lo8
    if fmt != 1:
        raise ValueError("report format %d is not 1 (SignedListReport)" % fmt)
    if length != len(data):
        raise ValueError("report header says %d bytes, file has %d" % (length, len(data)))
    if (length - 44) % 16:
        raise ValueError("report body is not a whole number of 16-byte readings")
    if flags != 0:
        raise ValueError("signature flags %d: only hash-only (0) reports can be checked here" % flags)
    if hashlib.sha256(data[:-16]).digest()[:16] != data[-16:]:
        raise ValueError("signature mismatch (SHA-256 of the report, first 16 bytes)")
    lowest, highest = struct.unpack_from("<LL", data, length - 24)
    readings = []
    for off in range(20, length - 24, 16):
        stream, reserved, rid, ts, value = struct.unpack_from("<HHLLL", data, off)
        if reserved:
            raise ValueError("reading at byte %d has a non-zero reserved field" % off)
        readings.append({"stream": stream, "id": rid, "timestamp": ts, "value": value})
    ids = [r["id"] for r in readings if r["id"]]
    if (min(ids) if ids else 0) != lowest or (max(ids) if ids else 0) != highest:
        raise ValueError("footer ids %d..%d do not match the readings" % (lowest, highest))
    return {"device": device, "report_id": report_id, "sent": sent, "streamer": streamer,
            "selector": selector, "lowest": lowest, "highest": highest, "readings": readings}


class IOTileEmulator(Emulator):
    name = "iotile"

    def __init__(self, page_size=100, data_page_size=1000):
        super().__init__()
        self.page_size = page_size
        self.data_page_size = data_page_size
        self.now = time.time  # the clock that places report readings (tests may fake it)
        self._init_state()

    def _init_state(self):
        self.users = dict(USERS)
        self.tokens = {}  # token -> {"email", "access": bool, "refresh": bool}
        self.collections = {}  # resource name -> {key: object}
        self.rows = {}  # stream slug -> [row, ...] (sorted by timestamp)
        self.device_projects = {}  # device id -> project id (for report readings)
        self.uploads = []  # {"path", "query", "fields": [(name, value)], "filename", "file"}
        self.reports = []  # parsed reports with "new" (readings stored) and "duplicate"
        self.readings = []  # readings stored from reports (with "slug" and "utc")
        self.acks = {}  # (device, streamer) -> highest reading id received
        self._n = 0

    def reset(self):
        super().reset()
        self._init_state()

    # --- test helpers -------------------------------------------------------------------------
    def new_token(self, email="user@example.com"):
        self._n += 1
        tok = "JWT.EMU.%d.%s" % (self._n, hashlib.sha256(b"%d%f" % (self._n, time.time())).hexdigest()[:16])
        self.tokens[tok] = {"email": email, "access": True, "refresh": True}
        return tok

    def expire(self, token):
        """The token stops opening resources but can still be refreshed."""
        self.tokens[token]["access"] = False

    def expire_all(self):
        """Every token issued so far stops opening resources (each can still be refreshed)."""
        for info in self.tokens.values():
            info["access"] = False

    def revoke(self, token):
        self.tokens.pop(token, None)

    def add(self, resource, obj, key="slug"):
        self.collections.setdefault(resource, {})[str(obj[key])] = obj
        return obj

    def add_stream(self, slug, values=(), start="2016-01-01T00:00:00Z", step_s=60, unit="G",
                   mdo=(1, 1, 0.0), project=None, device=None):
        """A stream object and its data rows (values at start, start + step_s, ...)."""
        parts = slug.split("--")
        obj = {"id": len(self.collections.get("stream", {})) + 1, "slug": slug,
               "project": project or "p--" + parts[1], "device": device or "d--" + parts[2],
               "variable": "v--%s--%s" % (parts[1], parts[3]), "data_label": "",
               "output_unit": {"unit_short": unit, "m": mdo[0], "d": mdo[1], "o": mdo[2]}}
        self.add("stream", obj)
        t0 = parse_time(start)
        self.rows[slug] = []
        self.add_rows(slug, values, t0, step_s, mdo)
        return obj

    def add_rows(self, slug, values, t0, step_s=60, mdo=(1, 1, 0.0)):
        rows = self.rows.setdefault(slug, [])
        for i, v in enumerate(values):
            rid = len(rows)
            t = t0 + datetime.timedelta(seconds=i * step_s)
            rows.append({"id": rid, "type": "Num", "timestamp": iso(t), "int_value": int(v),
                         "value": float(v), "display_value": str(v),
                         "output_value": float(v) * mdo[0] / mdo[1] + mdo[2], "streamer_local_id": None})

    # --- request checks -----------------------------------------------------------------------
    def _user(self, req):
        auth = req.header("Authorization")
        if req.header_count("Authorization") > 1:
            raise Reject(400, {"detail": "more than one Authorization header"})
        if auth is None:
            raise Reject(401, {"detail": "Authentication credentials were not provided."})
        scheme, _, tok = auth.partition(" ")
        if scheme != "jwt" or not tok:
            raise Reject(401, {"detail": "Authorization must be 'jwt <token>'"})
        info = self.tokens.get(tok)
        if info is None:
            raise Reject(401, {"detail": "Error decoding signature."})
        if not info["access"]:
            raise Reject(401, {"detail": "Signature has expired."})
        return info["email"]

    @staticmethod
    def _json_call(req):
        if req.header_count("Content-Type") != 1 or req.header("Content-Type") != "application/json":
            raise Reject(415, {"detail": "JSON calls carry Content-Type: application/json (the official "
                                         "client sends it on every call)"})
        if req.header("Transfer-Encoding"):
            raise Reject(400, {"detail": "chunked request bodies are not accepted"})
        if req.method in ("GET",) and req.body:
            raise Reject(400, {"detail": "GET with a body"})
        if req.method in ("POST", "PUT", "PATCH", "DELETE") and not req.body:
            if req.header("Content-Length") != "0":
                raise Reject(411, {"detail": "a request without a body needs Content-Length: 0"})

    @staticmethod
    def _obj(req):
        body = req.json()
        if not isinstance(body, dict):
            raise Reject(400, {"detail": "JSON object expected"})
        return body

    def _page(self, req, items, default_size, path):
        try:
            page = int(req.arg("page", "1"))
            size = int(req.arg("page_size", str(default_size)))
        except ValueError:
            raise Reject(404, {"detail": "Invalid page."})
        if page < 1 or size < 1:
            raise Reject(404, {"detail": "Invalid page."})
        pages = max(1, -(-len(items) // size))
        if page > pages:
            raise Reject(404, {"detail": "Invalid page."})
        base = "http://%s/%s%s" % (req.header("Host", "127.0.0.1"), self.name, path)

        def link(p):
            q = [(k, v) for k, v in req.query if k != "page"] + [("page", str(p))]
            return base + "?" + urllib.parse.urlencode(q)

        return Reply(200, {"count": len(items), "next": link(page + 1) if page < pages else None,
                           "previous": link(page - 1) if page > 1 else None,
                           "results": items[(page - 1) * size: page * size]})

    # --- routes -------------------------------------------------------------------------------
    def handle(self, req):
        path = req.path
        if not path.startswith(PREFIX):
            raise Reject(404, {"detail": "Not found."})
        rest = path[len(PREFIX):]
        if not rest.endswith("/"):
            raise Reject(404, {"detail": "Not found (every API path ends in '/')."})
        segs = rest[:-1].split("/")
        if segs[0] == "auth" and len(segs) == 2:
            return self._auth(req, segs[1])
        if segs in (["event", "upload"], ["streamer", "report"]) and req.method == "POST":
            email = self._user(req)
            return self._upload(req, segs[0], email)
        self._json_call(req)
        self._user(req)
        if len(segs) == 2 and segs[0] == "streamer" and segs[1].startswith("t--"):
            return self._streamer_record(req, segs[1])
        if len(segs) == 3 and segs[0] == "stream" and segs[2] == "data":
            return self._stream_data(req, segs[1])
        if segs == ["data"]:
            return self._raw_data(req)
        return self._generic(req, segs)

    def _auth(self, req, action):
        if req.method != "POST":
            raise Reject(405, {"detail": 'Method "%s" not allowed.' % req.method})
        self._json_call(req)
        if action == "login":
            body = self._obj(req)
            if set(body) != {"email", "password"} or not all(isinstance(v, str) for v in body.values()):
                raise Reject(400, {"detail": "login takes {email, password}"})
            user = self.users.get(body["email"])
            if user is None or user[1] != body["password"]:
                raise Reject(400, {"non_field_errors": ["Unable to login with provided credentials."]})
            return Reply(200, {"jwt": self.new_token(body["email"]), "username": user[0],
                               "email": body["email"]})
        if action == "api-jwt-refresh":
            if req.header("Authorization") is not None:
                raise Reject(400, {"detail": "refresh carries the token in the body, not a header"})
            body = self._obj(req)
            if set(body) != {"token"}:
                raise Reject(400, {"detail": "refresh takes {token}"})
            info = self.tokens.get(body["token"])
            if info is None or not info["refresh"]:
                raise Reject(400, {"non_field_errors": ["Signature has expired."]})
            return Reply(200, {"token": self.new_token(info["email"])})
        if action == "logout":
            tok = (req.header("Authorization") or "").partition(" ")[2]
            self._user(req)
            if req.body:
                raise Reject(400, {"detail": "logout has no body"})
            self.revoke(tok)
            return Reply(204)
        raise Reject(404, {"detail": "Not found."})

    def _generic(self, req, segs):
        name = segs[0]
        if name not in RESOURCES:
            raise Reject(404, {"detail": "Not found."})
        coll = self.collections.setdefault(name, {})
        if len(segs) == 1:
            if req.method == "GET":
                items = [o for o in coll.values() if self._match(o, req.query)]
                return self._page(req, items, self.page_size, req.path)
            if req.method == "POST":
                body = self._obj(req)
                self._n += 1
                obj = dict(body)
                obj.setdefault("id", "%04x" % (0xc000 + self._n))
                slug = re.sub(r"[^a-z0-9]+", "-", str(obj.get("name", obj["id"])).lower()).strip("-")
                obj.setdefault("slug", slug or obj["id"])
                if obj["slug"] in coll:
                    raise Reject(400, {"slug": ["%s with this slug already exists." % name]})
                coll[obj["slug"]] = obj
                return Reply(201, obj)
            raise Reject(405, {"detail": 'Method "%s" not allowed.' % req.method})
        obj = coll.get(segs[1]) or next((o for o in coll.values() if str(o.get("id")) == segs[1]), None)
        if obj is None:
            raise Reject(404, {"detail": "Not found."})
        if len(segs) == 3:
            child = segs[2][:-1] if segs[2].endswith("s") else segs[2]
            if req.method != "GET" or child not in self.collections:
                raise Reject(404, {"detail": "Not found."})
            items = [o for o in self.collections[child].values()
                     if o.get(name) in (obj.get("slug"), obj.get("id")) and self._match(o, req.query)]
            return self._page(req, items, self.page_size, req.path)
        if len(segs) > 3:
            raise Reject(404, {"detail": "Not found."})
        if req.method == "GET":
            return Reply(200, obj)
        if req.method in ("PUT", "PATCH"):
            body = self._obj(req)
            for k in ("id", "slug"):
                body.pop(k, None)
            obj.update(body)
            return Reply(200, obj)
        if req.method == "DELETE":
            del coll[obj["slug"] if obj.get("slug") in coll else segs[1]]
            return Reply(204)
        raise Reject(405, {"detail": 'Method "%s" not allowed.' % req.method})

    @staticmethod
    def _match(obj, query):
        for k, v in query:
            if k in ("page", "page_size"):
                continue
            if str(obj.get(k.split("__")[0])) != v:
                return False
        return True

    def _select(self, req, slug):
        allowed = {"lastn", "start", "end", "page", "page_size", "filter"}
        unknown = {k for k, _ in req.query} - allowed
        if unknown:
            raise Reject(400, {"detail": "unknown parameters %s" % sorted(unknown)})
        rows = list(self.rows.get(slug, []))
        start, end = req.arg("start"), req.arg("end")
        for name, v in (("start", start), ("end", end)):
            if v is not None and parse_time(v) is None:
                raise Reject(400, {"detail": "%s is not an ISO-8601 time" % name})
        if start is not None:
            rows = [r for r in rows if parse_time(r["timestamp"]) >= parse_time(start)]
        if end is not None:
            rows = [r for r in rows if parse_time(r["timestamp"]) < parse_time(end)]
        lastn = req.arg("lastn")
        if lastn is not None:
            if not lastn.isdigit():
                raise Reject(400, {"detail": "lastn must be a number"})
            rows = rows[-int(lastn):] if int(lastn) else []
        return rows

    def _streamer_record(self, req, slug):
        """GET streamer/t--<device>--<index>/: the highest reading id received (as the mock)."""
        if req.method != "GET":
            raise Reject(405, {"detail": 'Method "%s" not allowed.' % req.method})
        m = re.match(r"^t--([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})--([0-9a-f]{4})$", slug)
        if not m:
            raise Reject(404, {"detail": "Not found."})
        device = int("".join(m.groups()[:4]), 16)
        key = (device, int(m.group(5), 16))
        if key not in self.acks:
            raise Reject(404, {"detail": "Not found."})
        return Reply(200, {"slug": slug, "device": "d--" + slug[3:22], "index": key[1],
                           "last_id": self.acks[key]})

    def _stream_data(self, req, slug):
        if req.method != "GET":
            raise Reject(405, {"detail": 'Method "%s" not allowed.' % req.method})
        if slug not in self.collections.get("stream", {}) and slug not in self.rows:
            raise Reject(404, {"detail": "Not found."})
        return self._page(req, self._select(req, slug), self.data_page_size, req.path)

    def _raw_data(self, req):
        slug = req.arg("filter")
        if req.method != "GET":
            raise Reject(405, {"detail": 'Method "%s" not allowed.' % req.method})
        if not slug or not _STREAM.match(slug):
            raise Reject(400, {"detail": "data/ needs ?filter=<stream slug>"})
        p = slug.split("--")
        rows = [dict(r, stream=slug, project="p--" + p[1], device="d--" + p[2],
                     variable="v--%s--%s" % (p[1], p[3])) for r in self._select(req, slug)]
        return self._page(req, rows, self.data_page_size, req.path)

    # --- uploads ------------------------------------------------------------------------------
    def _multipart(self, req):
        """[(name, filename or None, bytes)] of a multipart/form-data body, checked strictly."""
        ct = req.header("Content-Type") or ""
        m = re.match(r"^multipart/form-data; boundary=(.+)$", ct)
        if req.header_count("Content-Type") != 1 or not m:
            raise Reject(415, {"detail": "uploads are multipart/form-data; boundary=..."})
        if not _HEX32.match(m.group(1)):
            raise Reject(400, {"detail": "boundary must be 32 lower-case hex digits (as requests makes)"})
        if req.header("Transfer-Encoding") or req.header("Content-Length") != str(len(req.body)):
            raise Reject(411, {"detail": "uploads carry a Content-Length matching the body"})
        delim = b"--" + m.group(1).encode()
        body = req.body
        if not body.startswith(delim + b"\r\n") or not body.endswith(b"\r\n" + delim + b"--\r\n"):
            raise Reject(400, {"detail": "multipart body must open with --boundary CRLF and close with "
                                         "CRLF --boundary-- CRLF"})
        inner = body[len(delim) + 2: -(len(delim) + 6)]
        parts = []
        for raw in inner.split(b"\r\n" + delim + b"\r\n"):
            head, sep, data = raw.partition(b"\r\n\r\n")
            if not sep:
                raise Reject(400, {"detail": "multipart part without a blank line after its headers"})
            lines = head.split(b"\r\n")
            if len(lines) != 1:
                raise Reject(400, {"detail": "a part carries only Content-Disposition (got %d header lines)"
                                             % len(lines)})
            d = _DISP.match(lines[0].decode("utf-8", "replace"))
            if not d:
                raise Reject(400, {"detail": "bad part header %r" % lines[0][:80]})
            parts.append((d.group(1), d.group(2), data))
        if not parts or parts[-1][0] != "file" or parts[-1][1] is None:
            raise Reject(400, {"detail": "the last part must be the file, named 'file', with a filename"})
        if any(fn is not None for _, fn, _ in parts[:-1]):
            raise Reject(400, {"detail": "exactly one file part"})
        return parts

    def _upload(self, req, kind, email):
        if (req.header("Content-Type") or "").startswith("application/json"):
            raise Reject(415, {"detail": "uploads must not be sent as JSON"})
        parts = self._multipart(req)
        fields = [(n, v.decode("utf-8")) for n, _, v in parts[:-1]]
        name, filename, data = parts[-1]
        rec = {"path": req.path, "query": list(req.query), "fields": fields, "filename": filename,
               "file": data, "sha256": hashlib.sha256(data).hexdigest(), "user": email}
        if kind == "event":
            if req.query:
                raise Reject(400, {"detail": "event upload takes no query parameters"})
            f = dict(fields)
            unknown = set(f) - {"stream", "timestamp", "encoded_extra_data"}
            if unknown or len(f) != len(fields):
                raise Reject(400, {"detail": "unknown or repeated fields %s" % sorted(unknown)})
            if not _STREAM.match(f.get("stream", "")):
                raise Reject(400, {"stream": ["a stream slug s--xxxx-xxxx--xxxx-xxxx-xxxx-xxxx--xxxx"]})
            if "timestamp" in f and parse_time(f["timestamp"]) is None:
                raise Reject(400, {"timestamp": ["not an ISO-8601 time"]})
            if "encoded_extra_data" in f:
                try:
                    json.loads(f["encoded_extra_data"])
                except ValueError:
                    raise Reject(400, {"encoded_extra_data": ["not JSON"]})
            self.uploads.append(rec)
            return Reply(201, {"id": len(self.uploads), "stream": f["stream"], "has_raw_data": True})
        # streamer report
        ts = req.arg("timestamp")
        if ts is None:
            raise Reject(400, {"error": "missing timestamp argument"})
        if parse_time(ts) is None:
            raise Reject(400, {"error": "timestamp is not ISO-8601"})
        if fields:
            raise Reject(400, {"error": "a report upload has only the file part"})
        try:
            rep = parse_report(data)
        except ValueError as e:
            raise Reject(400, {"error": str(e)})
        self.uploads.append(rec)
        key = (rep["device"], rep["streamer"])
        ack = self.acks.get(key, 0)
        received = self.now()
        new = [r for r in rep["readings"] if r["id"] > ack]
        project = self.device_projects.get(rep["device"], 0)
        for r in new:
            r = dict(r, device=rep["device"], slug=stream_slug(project, rep["device"], r["stream"]),
                     utc=received - rep["sent"] + r["timestamp"])
            self.readings.append(r)
            t = datetime.datetime.fromtimestamp(r["utc"], datetime.timezone.utc)
            rows = self.rows.setdefault(r["slug"], [])
            rows.append({"id": len(rows), "type": "Num", "timestamp": iso(t), "int_value": r["value"],
                         "value": float(r["value"]), "display_value": str(r["value"]),
                         "output_value": float(r["value"]), "streamer_local_id": r["id"]})
        if rep["highest"] > ack:
            self.acks[key] = rep["highest"]
        rep.update(new=len(new), duplicate=bool(rep["readings"]) and not new, query_timestamp=ts)
        self.reports.append(rep)
        return Reply(201, {"count": len(new)})

    def streams(self):
        out = {}
        for r in self.readings:
            out.setdefault(r["slug"], []).append([r["utc"], r["value"]])
        return out
