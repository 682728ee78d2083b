# push.py: readings from the board to IOTile Cloud through the core Streamer, as streamer reports.
#
# api = Api(domain=...); api.login(email=..., password=...)
# st = Streamer(IOTile(api, device=0xA), capacity=256)
# st.log("5001", 42)            # key: the variable's local id (hex) or its v--...--5001 slug
# st.flush()
#
# Each batch (<= max_events readings) becomes one SignedListReport (slr.py) sent as the "file"
# part of POST streamer/report/?timestamp=<now>. Reading ids come from a counter kept on flash
# (`state` file, reserved `reserve` ids at a time), so they keep increasing across reboots and a
# report sent again after a lost answer carries the same ids: the server recognises it by its
# highest id. Before its first report the service also reads the server's streamer record
# (GET streamer/t--<device>--<index>/, field last_id) and moves its ids above it, so a lost or
# replaced state file cannot make the server ignore new readings as old ones. Timestamps are seconds on the board's clock counted from 2000-01-01, like an IOTile
# device's uptime: the server places each reading at (time the report arrived) - (report's sent
# timestamp) + (reading timestamp), which is right even when the RTC was never set.
# Values are 32-bit integers: ints and bools as they are, floats as round(value * scale).
#
# Memory: the Streamer's ring plus a ~1.5 KB request body. encode() allocates one SHA-256 object,
# its digest and the URL per request. A flash write happens once per `reserve` readings.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import hashlib
import os
import random
from micropython import const

from ...clock import clock
from ...errors import PushError
from ...ring import F_NOTS
from ...service import Service
from ...timefmt import isoformat
from ...transport import DELIVERED, PERMANENT, TRANSIENT, classify
from ...urlenc import quote
from .errors import HttpNotFoundError, RestHttpBaseException
from .slr import HEADER, READING, pack_header, pack_ids, pack_reading

_HEXDIGITS = b"0123456789abcdefABCDEF"


def stream_id(key):
    """The stream id of a key: a variable's local id in hex ('5001') or its slug."""
    h = key
    if key[:3] == "v--":
        from .gid import IOTileVariableSlug

        h = IOTileVariableSlug(key).formatted_local_id()  # ValueError says what is wrong
    if not 0 < len(h) <= 4 or [c for c in h.encode() if c not in _HEXDIGITS]:
        raise ValueError("iotile key %r is not a variable id like '5001' or 'v--0000-0001--5001'"
                         % key[:40])
    n = int(h, 16)
    if not n:
        raise ValueError("iotile variable 0000 is not a valid stream")
    return n

_Y2K = const(653315200)  # clock.REF - 946684800 (2000-01-01T00:00:00Z): offsets -> IOTile seconds
_EVMASK = const(0xFFFFF)  # the ring's eviction counter wraps at this mask (ring.py)
_MAXID = const(0xFFFFFFFF)
_NO_TOKEN = "iotile: not logged in (or the token was dropped): call api.login() or api.set_token()"


class IOTile(Service):
    """Streamer service: IOTile(api, device, streamer=0, selector=0x57FF, state="iotile.ids",
    reserve=256, scale=1, timeout=None, rate=1, burst=5).

    device: the device id (int or d-- slug, at most 32 bits in a report header). state: the file
    that keeps the next reading id (None: ids restart at 1 on every boot, so the server ignores
    reports until they pass its last id; only for tests). scale: floats are sent as
    round(value * scale), ints as value * scale; the result must fit 32 bits.
    """

    name = "iotile"
    max_events = 64
    max_key = 18
    max_str = 0
    body_size = 1280
    allow_none = False
    check_numbers = True

    def __init__(self, api, device, streamer=0, selector=0x57FF, state="iotile.ids", reserve=256,
                 scale=1, timeout=None, rate=1, burst=5, sync_ids=True):
        if not hasattr(api, "refresh_token"):
            raise TypeError("api must be an iotile Api (logged in, or given set_token())")
        super().__init__(timeout if timeout is not None else api.transport.timeout, rate, burst)
        if type(device) is int:
            dev = device
        else:
            from .gid import IOTileDeviceSlug

            dev = IOTileDeviceSlug(device).get_id()
        if dev < 0:
            raise ValueError("device id must be >= 0")
        if dev > _MAXID:
            raise ValueError("device id must fit 32 bits for streamer reports")
        if type(streamer) is not int or not 0 <= streamer <= 0xFF:
            raise ValueError("streamer must be an int in 0..255")
        if type(selector) is not int or not 0 <= selector <= 0xFFFF:
            raise ValueError("selector must be an int in 0..0xffff")
        if type(reserve) is not int or reserve < 1:
            raise ValueError("reserve must be an int >= 1")
        t = type(scale)
        if (t is not int and t is not float) or not scale > 0 or scale == float("inf"):
            raise ValueError("scale must be a finite number > 0")
        if state is not None and not isinstance(state, str):
            raise TypeError("state must be a file path (str) or None")
        self.api = api
        self.device = dev
        self.streamer = streamer
        self.selector = selector
        self.scale = scale
        self.state = state
        self.reserve = reserve
        self.sync_ids = sync_ids
        self._sid = {}  # key -> stream id
        self._base = self._load()  # reading id of the ring's oldest event
        self._reserved = self._base
        self._save(self._base + reserve)
        self._ring = None  # type: object  # the Streamer's ring (set by encode)
        self._ev = 0  # ring.evictions that _base accounts for
        self._ev_sent = 0
        self._n = 0  # events in the request in flight (0: none)
        self._refreshed = False
        self._tok = None
        r = random.getrandbits
        b = "%08x%08x%08x%08x" % (r(32), r(32), r(32), r(32))
        self._pre = ('--%s\r\nContent-Disposition: form-data; name="file"; filename="report.bin"'
                     '\r\n\r\n' % b).encode()
        self._post = ("\r\n--%s--\r\n" % b).encode()
        self._ctype = "multipart/form-data; boundary=" + b
        self._url = api.base_url + "/streamer/report/?timestamp="
        self._hb = bytearray(HEADER)
        self._rb = bytearray(READING)
        self.reports = 0  # reports the server took

    def __repr__(self):
        return "<IOTile device=0x%x streamer=%d next_id=%d>" % (self.device, self.streamer, self._base)

    def redact(self, text):
        return self.api.redact(text)

    # --- reading ids on flash -----------------------------------------------------------------
    def _load(self):
        if self.state is None:
            return 1
        try:
            f = open(self.state)
        except OSError as e:
            if e.args and e.args[0] == 2:  # ENOENT: first boot, no file yet
                return 1
            raise
        try:
            s = f.read(24)
        finally:
            f.close()
        try:
            n = int(s.strip())
        except ValueError:
            n = 0
        if not 0 < n <= _MAXID:
            raise ValueError("reading-id state file %s is corrupt; delete it to start again "
                             "above the server's last id (sync_ids)" % self.state)
        return n

    def _save(self, upto):
        """Reserve ids below `upto`: write it to the state file (atomically) first."""
        if upto > _MAXID:
            raise ValueError("reading ids exhausted")
        if self.state is not None:
            tmp = self.state + ".tmp"
            f = open(tmp, "w")
            try:
                f.write("%d\n" % upto)
            finally:
                f.close()
            try:
                os.rename(tmp, self.state)
            except OSError:  # FAT will not rename over an existing file
                os.remove(self.state)
                os.rename(tmp, self.state)
        self._reserved = upto

    @property
    def next_id(self):
        """The id the oldest unsent reading gets."""
        return self._base

    # --- validation at log() ------------------------------------------------------------------
    def check_key(self, key):
        if not isinstance(key, str):
            raise TypeError("iotile keys are variable ids like '5001' or 'v--0000-0001--5001'")
        if key not in self._sid:
            self._sid[key] = stream_id(key)

    def check_value(self, key, value):
        if value is None or type(value) is str:
            raise TypeError("iotile readings are 32-bit integers (int, bool, or float with "
                            "scale), not %s (key %r)" % ("None" if value is None else "str", key))
        self._raw(value, key)

    def _raw(self, v, key=None):
        if v is True or v is False:
            v = 1 if v else 0
        if self.scale != 1:
            v = v * self.scale
        if type(v) is float:
            v = round(v)
        if not -0x80000000 <= v <= _MAXID:
            raise ValueError("value for %r does not fit a 32-bit IOTile reading (scale=%s)"
                             % (key, self.scale))
        return v

    # --- sending ------------------------------------------------------------------------------
    def prepare(self):
        if not self.api.token:
            raise PushError(_NO_TOKEN, None)
        if self.sync_ids:
            self._sync_ids()

    def streamer_slug(self):
        """t--DDDD-DDDD-DDDD-DDDD--IIII: the server's record of this device's streamer."""
        d = self.device
        return "t--0000-0000-%04x-%04x--%04x" % (d >> 16, d & 0xFFFF, self.streamer)

    def _sync_ids(self):
        """Move the next id above the last one the server has for this streamer."""
        try:
            rec = self.api.streamer(self.streamer_slug()).get()
        except HttpNotFoundError:
            return  # no record yet: a new device
        except RestHttpBaseException as e:
            raise PushError(self.redact("iotile: reading the streamer record: %s" % e), e.status)
        except OSError as e:
            raise PushError("iotile: reading the streamer record: %r" % (e,), None)
        last = rec.get("last_id") if isinstance(rec, dict) else None
        if type(last) is int and self._base <= last < _MAXID:
            self._base = last + 1
            try:
                self._save(last + 1 + self.reserve)
            except OSError as e:
                raise PushError("iotile: cannot keep reading ids in %s (%r)" % (self.state, e), None)

    def _sync(self, ring):
        """Account for events the ring evicted since we last looked (their ids are skipped)."""
        if self._ring is not ring:
            self._ring = ring
            self._ev = ring.evictions
        gone = (ring.evictions - self._ev) & _EVMASK
        self._base += gone
        self._ev = ring.evictions

    def encode(self, ring, limit, body):
        if not self.api.token:  # e.g. a refresh failed: keep the readings until a new login
            raise PushError(_NO_TOKEN + "; %d events kept" % ring.count, None)
        self._sync(ring)
        n = ring.count if ring.count < limit else limit
        lo = self._base
        hi = lo + n - 1
        if hi >= self._reserved:
            try:
                self._save(hi + 1 + self.reserve)
            except (OSError, ValueError) as e:
                raise PushError("iotile: cannot keep reading ids in %s (%r); %d events kept"
                                % (self.state, e, ring.count), None)
        c = clock
        c.stamp()
        sent = c.s + _Y2K
        if sent < 0:
            sent = 0
        h = hashlib.sha256()
        w = body.write
        w(self._pre)
        b = self._hb
        pack_header(b, n, self.device, hi + 1, sent, self.streamer, self.selector)
        h.update(b)
        w(b)
        b = self._rb
        keys = ring.keys
        sid = self._sid
        for j in range(n):
            ring.at(j)
            ts = sent if ring.fl & F_NOTS else ring.s + _Y2K
            if ts < 0:
                ts = 0
            pack_reading(b, sid[keys[ring.ki]], lo + j, ts, self._raw(ring.val))
            h.update(b)
            w(b)
        pack_ids(b, lo, hi)
        mv = memoryview(b)[:8]
        h.update(mv)
        w(mv)
        pos = body.tell()
        w(h.digest())
        body.seek(pos + 16)  # keep the first 16 bytes of the digest
        w(self._post)
        self.url = self._url + quote(isoformat(c.s, c.ms))
        tok = self.api.token
        if tok is not self._tok or self.headers is None:
            self._tok = tok
            self.headers = {"User-Agent": "iotpush/0.1", "Content-Type": self._ctype,
                            "Authorization": "%s %s" % (self.api.token_type, tok)}
        self._n = n
        self._ev_sent = ring.evictions
        return n

    def outcome(self, status):
        r = classify(status)
        if status == 401 and self._n and not self._refreshed and self.api.auto_refresh:
            self._refreshed = True
            if self.api.refresh_token():
                self._n = 0
                return TRANSIENT  # sent again soon with the new token
        if r == DELIVERED or r == PERMANENT:
            if self._n:
                # the batch leaves the ring (delivered, or to the dead letters): ids move on
                gone = (self._ring.evictions - self._ev_sent) & _EVMASK  # type: ignore[attr-defined]
                self._base += self._n if self._n > gone else gone
                self._ev = self._ring.evictions  # type: ignore[attr-defined]
            if r == DELIVERED:
                self.reports += 1
                self._refreshed = False
        self._n = 0
        return r

