# nikdev.py: NikDev IoT (https://iot.nik-dev.se/api/v1/), with the API of nikdev-iot users.
#
#   from iotpush.services.nikdev import Api, PushException, GetException
#   api = Api({"deviceId": "<uuid>", "apiKey": "<uuid>"})   # or Api.from_credentials(id, key)
#   api.add_value("temperature", 21.5); api.commit(); api.push()
#
# Wire: POST <base>entries/ with x-device-id / x-api-key, body {"clientTimestamp": <s>,
# "entries": [{"timestamp": <s>, "values": [{"<field>": <value>}, ...]}, ...]} (whole Unix
# seconds); GET <base>values/<id>,<id> -> {"data": {"servertime": s, "values": [...]}}.
#
# Committed entries are rows in the core's ring buffer (bounded, overflow counted); the values
# staged by add_value() wait in two preallocated lists. push() is one attempt per call: it
# sends every committed entry (several requests if they exceed one request body) and raises
# PushException on the first failure, keeping the unsent entries -- for 4xx too, as nikdev-iot
# 0.5.5 does (the user fixes the key or calls reset_unpushed_entries()).
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import time
from micropython import const

from ..clock import REF, clock
from ..errors import PushError
from ..ring import F_CONT, F_NOCLOCK, F_NOTS
from ..service import Service, check_url
from ..streamer import Streamer
from ..transport import PERMANENT, TRANSIENT, classify

BASE_URL = "https://iot.nik-dev.se/api/v1/"
USER_AGENT = "iotpush/0.1"
_REF_HI = const(1600)  # clock.REF // 10**6
BAD_LUCK = "Bad luck: client timeout or unexpected server error."
_INF = float("inf")
_NINF = float("-inf")
_CONFIG_KEYS = ("deviceId", "apiKey", "baseUrl", "requestTimeout", "capacity", "keys",
                "bodySize")


def _check_uuid(v, what):
    """A NikDev credential: a UUID string. The error never echoes the value."""
    if not isinstance(v, str):
        raise TypeError("%s must be a str" % what)
    b = v.encode()  # bytes: indexing the str would intern each character as a qstr
    ok = len(b) == 36
    i = 0
    while ok and i < 36:
        c = b[i]
        ok = c == 45 if i in (8, 13, 18, 23) else c in b"0123456789abcdefABCDEF"
        i += 1
    if not ok:
        raise ValueError("%s must be a UUID: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" % what)
    return v


def server_message(body):
    """The "message" of a JSON error answer, or None (cold path)."""
    try:
        import json

        m = json.loads(body)
        m = m.get("message") if isinstance(m, dict) else None
    except (ValueError, TypeError, UnicodeError):
        return None
    return m if isinstance(m, str) and m else None


def _unix(body, s):
    """Write Unix seconds for clock offset s (no big int, no allocation)."""
    q = s // 1000000
    hi = _REF_HI + q
    if hi > 0:
        body.digits(hi)
        body.digits(s - q * 1000000, 6)
    else:
        body.digits(REF + s)  # 1970: small


class NikDev(Service):
    """NikDev IoT entries API for the core Streamer: one log_row() = one entry.

    Each request carries as many whole entries as fit in about `body_size` bytes (at least
    one). Used directly with a Streamer, a 4xx moves the batch to the dead letters (core
    default); the Api class sets keep_rejected so every failure keeps the entries.
    Blocking: up to `timeout` s per socket operation. Memory: the Streamer's buffers.
    """

    name = "nikdev"
    max_events = 1000
    max_key = 100
    max_str = 1000
    body_size = 1024
    allow_none = False

    def __init__(self, device_id, api_key, base_url=BASE_URL, timeout=10, rate=10, burst=10,
                 body_size=1024):
        super().__init__(timeout, rate, burst)
        _check_uuid(device_id, "deviceId")
        _check_uuid(api_key, "apiKey")
        check_url(base_url, "baseUrl")
        if not base_url.endswith("/"):
            base_url += "/"
        if not isinstance(body_size, int) or not 512 <= body_size <= 65536:
            raise ValueError("body_size must be an int in 512..65536")
        self.base_url = base_url
        self.device_id = device_id
        self.body_size = body_size
        self.keep_rejected = False
        self._soft = body_size - 256  # start no new entry beyond this
        self._secrets = (api_key,)
        self.url = base_url + "entries/"
        self.get_headers = {"x-device-id": device_id, "x-api-key": api_key,
                            "User-Agent": USER_AGENT}
        self.headers = {"x-device-id": device_id, "x-api-key": api_key,
                        "Content-Type": "application/json", "User-Agent": USER_AGENT}

    def __repr__(self):
        return "<NikDev %s device=%s apiKey=hidden>" % (self.base_url, self.device_id)

    def outcome(self, status):
        o = classify(status)
        if o == PERMANENT and self.keep_rejected:
            return TRANSIENT  # nikdev-iot keeps entries on 4xx; each push() is one attempt
        return o

    def encode(self, ring, limit, body):
        w = body.write
        clock.stamp()
        now = clock.s
        w(b'{"clientTimestamp": ')
        _unix(body, now)
        w(b', "entries": [')
        keys = ring.keys
        cnt = ring.count
        j = 0
        while j < cnt:
            rl = ring.row_len(j)
            if j and (j + rl > limit or body.tell() > self._soft):
                break  # whole entries only
            ring.at(j)
            w(b'{"timestamp": ' if not j else b', {"timestamp": ')
            _unix(body, now if ring.fl & F_NOTS else ring.s)
            w(b', "values": [{')
            i = 0
            while True:
                body.dump(keys[ring.ki])
                w(b": ")
                body.dump(ring.val)
                i += 1
                if i == rl:
                    break
                ring.at(j + i)
                w(b"}, {")
            w(b"}]}")
            j += rl
        w(b"]}")
        return j


class PushException(PushError):
    """push() failed. retained_data: True when the entries are still kept for the next push()
    (always, in iotpush: timeouts, network errors, 5xx and 4xx alike). status: the HTTP
    status, None for a network fault. Also an iotpush PushError (.retained, .status)."""

    def __init__(self, message, retained_data=True, status=None):
        super().__init__(message, status, retained_data)
        self.retained_data = retained_data


class GetException(Exception):
    """get() failed. status: the HTTP status, None for a network fault or a bad answer."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class Api:
    """NikDev IoT client with nikdev-iot's names: add_value, commit, push, commit_and_push,
    get, reset, reset_unpushed_entries, from_credentials.

    config: {"deviceId", "apiKey"} (UUID strings) and optionally "baseUrl" (default
    https://iot.nik-dev.se/api/v1/), "requestTimeout" (s, default 10), and iotpush's
    "capacity" (values kept committed, default 256: beyond it the oldest are dropped and
    counted in .dropped), "keys" (distinct field ids, default 32; also the most values one
    entry can hold) and "bodySize" (bytes a request, default 1024; more entries go in more
    requests). State is per instance. add_value() and commit() never touch the network
    and allocate nothing for numbers once a field id is known; push() and get() block for up
    to requestTimeout s per socket operation.
    """

    def __init__(self, config=None):
        if not isinstance(config, dict):
            raise TypeError('config must be a dict like {"deviceId": "...", "apiKey": "..."}')
        for k in config:
            if k not in _CONFIG_KEYS:
                raise ValueError("unknown config key %r; keys: %s" % (k, " ".join(_CONFIG_KEYS)))
        for k in ("deviceId", "apiKey"):
            if k not in config:
                raise ValueError("config needs %r" % k)
        capacity = config.get("capacity", 256)
        keys = config.get("keys", 32)
        self.service = NikDev(config["deviceId"], config["apiKey"],
                              config.get("baseUrl", BASE_URL), config.get("requestTimeout", 10),
                              body_size=config.get("bodySize", 1024))
        self.service.keep_rejected = True
        self.streamer = Streamer(self.service, capacity, None, keys)
        n = keys if keys < capacity else capacity
        self._fk = [None] * n  # staged field ids and values, in add order
        self._fv = [None] * n
        self._n = 0
        self.discarded = 0  # values thrown away by reset_unpushed_entries()

    @classmethod
    def from_credentials(cls, device_id, api_key):
        return cls({"deviceId": device_id, "apiKey": api_key})

    # --- staging and committing (no network) -----------------------------------------------
    def add_value(self, field_id, value):
        """Stage a value; the same field again before commit() replaces it in place.
        value: int, float (finite), str (<= 1000 characters) or bool."""
        svc = self.service
        if type(field_id) is not str or self.streamer.ring.key_index(field_id) < 0:
            svc.check_key(field_id)
        t = type(value)
        if t is float:
            if value != value or value == _INF or value == _NINF:
                raise ValueError("value for %r is not a finite number" % (field_id,))
        elif t is str or value is None:
            svc.check_value(field_id, value)
        elif t is not int and t is not bool:
            raise TypeError("value for %r must be int, float, str or bool" % (field_id,))
        fk = self._fk
        n = self._n
        for i in range(n):
            if fk[i] == field_id:
                self._fv[i] = value
                return
        if n == len(fk):
            raise ValueError("an entry holds at most %d values (config 'keys')" % n)
        fk[n] = field_id
        self._fv[n] = value
        self._n = n + 1

    def commit(self):
        """Freeze the staged values into an entry stamped now (whole seconds on the wire).
        Nothing staged: nothing happens (nikdev-iot would send an empty entry)."""
        n = self._n
        if not n:
            return
        ring = self.streamer.ring
        fk = self._fk
        fv = self._fv
        new = 0
        for i in range(n):
            if ring.key_index(fk[i]) < 0:
                new += 1
        if new:
            ring.ensure_keys(new)  # may raise (too many field ids): nothing is committed then
            for i in range(n):
                if ring.key_index(fk[i]) < 0:
                    ring.add_key(fk[i])
        clock.stamp()
        s = clock.s
        ms = clock.ms
        fl = 0 if clock.synced else F_NOCLOCK
        for i in range(n):
            ring.push(ring.key_index(fk[i]), fv[i], s, ms, fl)
            fl |= F_CONT
            fk[i] = None
            fv[i] = None
        self._n = 0

    def reset(self):
        """Forget the staged (uncommitted) values."""
        for i in range(self._n):
            self._fk[i] = None
            self._fv[i] = None
        self._n = 0

    def reset_unpushed_entries(self):
        """Throw away every committed entry not pushed yet (counted in .discarded)."""
        ring = self.streamer.ring
        self.discarded += ring.count
        ring.discard(ring.count)

    # --- sending ------------------------------------------------------------------------------
    def push(self):
        """Send every committed entry; one attempt per call (no retry loop, no backoff wait).
        Raises PushException on failure; the entries not delivered stay for the next push()."""
        st = self.streamer
        st._backoff.reset()  # the caller decides when to try again: try now
        try:
            while st.pending:
                st.flush()
                w = st.wait_ms()  # the rate limit (10 requests/s by default)
                if w and st.pending:
                    time.sleep_ms(w)
        except PushError as e:
            raise self._push_error(e.status)

    def commit_and_push(self):
        self.commit()
        self.push()

    def _push_error(self, status):
        if status is None or status >= 500:
            return PushException(BAD_LUCK, True, status)
        svc = self.service
        msg = server_message(svc.transport.body or b"") or str(status)
        return PushException(svc.redact("Bad request: " + msg), True, status)

    def get(self, field_ids):
        """Latest value of each field: a list of Value(field_id, value, timestamp), the
        timestamps moved by round(local time - server time) as nikdev-iot does. Raises
        GetException. Blocks up to requestTimeout s per socket operation; the code lives in
        nikdev_get.py and is loaded on the first call."""
        import sys

        if "iotpush.services.nikdev_get" not in sys.modules:
            import gc

            gc.collect()  # loading code on a tight heap: start from a collected one
        from .nikdev_get import get

        return get(self.service, field_ids)

    # --- state --------------------------------------------------------------------------------
    @property
    def pending(self):
        """Values committed and not pushed yet."""
        return self.streamer.pending

    @property
    def pending_entries(self):
        """Entries committed and not pushed yet."""
        ring = self.streamer.ring
        j = n = 0
        while j < ring.count:
            j += ring.row_len(j)
            n += 1
        return n

    @property
    def staged(self):
        """Values added and not committed yet."""
        return self._n

    @property
    def dropped(self):
        """Committed values lost to overflow (the buffer holds config 'capacity' values)."""
        return self.streamer.dropped

    def __repr__(self):
        return "<nikdev.Api device=%s entries=%d staged=%d dropped=%d apiKey=hidden>" % (
            self.service.device_id, self.pending_entries, self._n, self.dropped)
