# client.py: the iobeam Client, and the core service behind its DataStores: one transport, token
# and request buffer for all of them. Imports: POST <base>imports?fmt=table
# {"project_id", "device_id", "sources": {"fields": ["time", ...], "data": [[usec, v...]...]},
# "timefmt": "usec"}, at most 1000 points (rows x columns) a request; only a 200 imports.
#
# Client provides the interface of iotpush.service.Service that the core Streamer uses (name,
# max_events, method/url/headers/has_body, transport, rate, prepare, check_key/value/row, encode,
# outcome, redact) without subclassing it: service.py and the rate limiter it loads stay
# resident at 4.7 KB (64-bit unix port, measured), more than the 64 KB heap the 500-row test
# runs in has to spare. iobeam documents no rate limit and its official client paces nothing,
# so requests are not paced (failures still back off).
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from micropython import const

from ...clock import clock
from ...encode import Body
from ...errors import PushError
from ...transport import DELIVERED, TRANSIENT, Transport, classify
from .base import USER_AGENT, cold
from .stamp import write_usec

_POINTS = const(1000)  # data points (rows x columns) per import request
_TAIL = const(24)  # ']}, "timefmt": "usec"}' and slack
_ROW = const(24)  # "[", a 16-digit time, "]" and slack: a row without its values
_VAL = const(26)  # ", " + the longest number json writes (-2.2250738585072014e-308)


class _Unpaced:
    """The Streamer's rate limiter for iobeam: never waits."""

    def take(self):
        return 0

    wait_ms = take


class Client:
    """An iobeam client for one project and device; ClientBuilder makes it. send() blocks up to
    the timeout per socket operation of each request. Memory: one request buffer (2 x body size)
    for all stores (made by the first createDataStore()), plus the stores."""

    name = "iobeam"
    max_events = 2 * _POINTS  # a request: up to 1000 one-column rows, each + its microseconds
    method = "POST"
    has_body = True
    rate = _Unpaced()

    def __init__(self, b):
        self.transport = Transport(b._timeout)
        self.projectId = b._pid
        self._token = b._token
        self._exp = b._exp
        self._stale = False  # the service refused the token: refresh before the next try
        self._base = b._base
        self._path = b._path
        self.url = b._base + "imports?fmt=table"
        self.body_size = b._body_size
        self._body = None  # the request buffer of all stores, made by the first createDataStore()
        self.headers = {"Authorization": "Bearer " + b._token,
                        "Content-Type": "application/json", "User-Agent": USER_AGENT}
        self._stores: list = []
        self._vals: list = []  # one slot per column of the widest store (encode)
        self._did = b._did
        if b._path is not None:  # read the saved id, or save the one given
            self._did = cold("disk", "start", b._path, b._did)

    # --- device -------------------------------------------------------------------------------
    def registerDevice(self, deviceId=None, deviceName=None, setOnDupe=False):
        """POST devices unless this client has that id (or any id, for deviceId None).
        setOnDupe: adopt an id the project already has instead of raising DuplicateIdError.
        Blocking; raises PushError or its subclasses DuplicateIdError, UnauthorizedError,
        UnknownCodeError."""
        if self._did is None or deviceId is not None and deviceId != self._did:
            if self._stale or self._expiring():  # first, alone: one cold module at a time
                cold("token", "refresh", self)
            cold("devices", "register", self, deviceId, deviceName, setOnDupe)
        return self

    def registerOrSetId(self, deviceId, deviceName=None):
        return self.registerDevice(deviceId, deviceName, True)

    def setDeviceId(self, deviceId):
        """Use an id registered elsewhere (CLI, web app, an earlier run)."""
        cold("devices", "set_id", self, deviceId)

    def getDeviceId(self):
        return self._did

    def isRegistered(self):
        return self._did is not None

    # --- data ---------------------------------------------------------------------------------
    def createDataStore(self, columns, capacity=50):
        """The DataStore of these columns (the existing one if a store has the same columns).
        capacity: full rows it holds; the buffer is allocated now. ValueError/TypeError for bad
        or reserved names (time, time_offset, all)."""
        for s in self._stores:
            if s.hasSameColumns(columns):
                return s
        if self._body is None:  # first, before the cold call below splits the free RAM
            self._body = Body(self.body_size)
            self._body.data()  # both halves now, side by side, not at the first send
        return cold("checks", "new_store", self, columns, capacity)

    def send(self):
        """Send the rows of every store; True when all were imported (blocking).

        PushError when a request fails: rows are kept for a network fault, 5xx, 401/403 (the
        token is refreshed before the next try), 408/425/429 and a failed token refresh; any
        other 4xx moves that one request's rows to the store's `dead` letters (retained=False).
        Stores after a failed one wait for the next send(). While a backoff from an earlier
        failure runs, send() raises PushError(retained=True) at once without any request;
        wait_ms() says how long.
        """
        for s in self._stores:
            while s.pending:
                w = s.next_retry_ms
                if w:
                    raise PushError("iobeam: next try in %d ms; last: %s" % (w, s.last_error),
                                    s.last_status, True)
                s.flush()
        return True

    def wait_ms(self):
        """ms until send() may try again after a failure (0: now)."""
        w = 0
        for s in self._stores:
            if s.pending and s.next_retry_ms > w:
                w = s.next_retry_ms
        return w

    # --- the service side ---------------------------------------------------------------------
    def prepare(self):
        pass  # DataStore.flush() refreshes the token when due

    def check_key(self, key):  # only reached through Streamer.log/log_row: add() checks first
        raise ValueError("%r is not a column of this store" % (key,))

    def check_value(self, key, value):
        if value is not None:
            raise TypeError("value for %r must be a number or None" % (key,))

    def check_row(self, fields):
        pass

    def outcome(self, status):
        if status == 200:
            return DELIVERED
        if status == 401 or status == 403:
            self._stale = True
            return TRANSIENT
        if status is not None and status < 400:  # 201, 204...: not the 200 that means imported
            return TRANSIENT
        return classify(status)

    def encode(self, ring, limit, body):
        keys = ring.keys
        n = len(keys) - 1  # the last key marks a row's microseconds
        w = body.write
        w(b'{"project_id": ')
        body.dump(self.projectId)
        w(b', "device_id": ')
        body.dump(self._did)
        w(b', "sources": {"fields": ["time"')
        for i in range(n):
            w(b", ")
            body.dump(keys[i])
        w(b'], "data": [')
        room = self.body_size - _TAIL - _ROW - _VAL * n  # room left for the longest row
        most = _POINTS // n
        vals = self._vals
        cnt = ring.count
        j = rows = 0
        while j < cnt and rows < most:
            k = ring.row_len(j)
            if j + k > limit or rows and body.tell() > room:
                break  # whole rows only: the rest goes in the next request
            for i in range(n):
                vals[i] = None  # a column the row does not give is null
            us = 0
            ring.at(j)
            s = ring.s
            ms = ring.ms
            e = j + 1
            while True:
                if ring.ki < n:
                    vals[ring.ki] = ring.val
                else:
                    us = ring.val
                if e == j + k:
                    break
                ring.at(e)
                e += 1
            w(b", [" if rows else b"[")
            write_usec(body, s, ms, us)
            for i in range(n):
                v = vals[i]
                if v is None:
                    w(b", null")
                elif v is True:
                    w(b", 1")
                elif v is False:
                    w(b", 0")
                else:
                    w(b", ")
                    body.dump(v)
            w(b"]")
            rows += 1
            j += k
        w(b']}, "timefmt": "usec"}')
        return j

    def _expiring(self):
        """The official client's rule: refresh once now >= exp - 24 h. Judged only on a set
        clock; otherwise a 401/403 from the service makes us refresh."""
        if not clock.synced:
            clock.resync()
        clock.stamp()
        return clock.synced and clock.s >= self._exp - 86400

    def redact(self, text):
        return text.replace(self._token, "***")
