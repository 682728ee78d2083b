# checks.py: argument checks (TypeError/ValueError at the call that caused them), making a
# DataStore, and rows() for debugging. A cold module: loaded for a call by base.cold() and
# forgotten after it.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from ...clock import REF
from .store import DataStore

_ID_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_:-"


def check_id(device_id):
    """iobeam's device id rule: ^[a-zA-Z0-9_:-]+$ (here 1..128 characters)."""
    if not isinstance(device_id, str):
        raise TypeError("deviceId must be a str")
    if not 0 < len(device_id) <= 128:
        raise ValueError("deviceId must be 1..128 characters")
    for c in device_id.encode():  # bytes: iterating a str would intern each character
        if c not in _ID_CHARS:
            raise ValueError("deviceId can only include a-z, A-Z, 0-9, _, : and -: %r" % device_id)
    return device_id


def check_base(url):
    """The rule of iotpush.service.check_url (not imported: service.py would stay resident)."""
    if not isinstance(url, str):
        raise TypeError("baseUrl must be a str like 'https://api.iobeam.com/v1/'")
    if url.startswith("https://"):
        host = url[8:].split("/", 1)[0]
    elif url.startswith("http://"):
        host = url[7:].split("/", 1)[0]
    else:
        raise ValueError("baseUrl must start with http:// or https://")
    port = host.rsplit(":", 1)[1] if ":" in host else "80"
    if not host or " " in url or "@" in host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("baseUrl needs a valid host[:port]")


def check_reg(device_id, name, set_on_dupe):
    if device_id is not None or set_on_dupe:
        check_id(device_id)
    if name is not None and (not isinstance(name, str) or not 0 < len(name) <= 128):
        raise ValueError("deviceName must be None or a str of 1..128 characters")
    return device_id, name, set_on_dupe


def check_columns(columns, capacity, body_size):
    if not isinstance(columns, list) or not columns:
        raise TypeError("columns must be a non-empty list of stream names")
    n = len(columns)
    need = 230 + 24 + 26 * n + 24  # head, the longest row, tail (see Client.encode)
    for c in columns:
        if not isinstance(c, str) or not 0 < len(c) <= 100:
            raise ValueError("column names must be str of 1..100 characters: %r" % (c,))
        if c.lower() in ("time", "time_offset", "all"):
            raise ValueError("%r is a reserved column name (time, time_offset, all)" % c)
        for ch in c.encode():
            if ch < 32:
                raise ValueError("column names must not contain control characters: %r" % c)
        need += 6 * len(c) + 4
    if n > 254 or len(set(columns)) != n:
        raise ValueError("columns must be at most 254 distinct names")
    if type(capacity) is not int or not 0 < capacity * n <= 65535:
        raise ValueError("capacity must be an int of rows in 1..%d for %d columns" % (65535 // n, n))
    if need > body_size:
        raise ValueError("a request with these columns needs setBodySize(%d) or more" % need)


def new_store(client, columns, capacity):
    """Client.createDataStore() once no store has these columns."""
    check_columns(columns, capacity, client.body_size)
    s = DataStore(client, list(columns), capacity)
    client._stores.append(s)
    while len(client._vals) < len(columns):
        client._vals.append(None)
    return s


def rows(store):
    """A copy of a DataStore's rows as dicts, "time" in microseconds."""
    ring = store.ring
    cols = store.columns()
    n = len(cols)
    out = []
    j = 0
    while j < ring.count:
        k = ring.row_len(j)
        ring.at(j)
        row = {"time": (REF + ring.s) * 1000000 + ring.ms * 1000}
        for c in cols:
            row[c] = None
        for e in range(j, j + k):
            ring.at(e)
            if ring.ki < n:
                row[cols[ring.ki]] = ring.val
            else:
                row["time"] += ring.val
        out.append(row)
        j += k
    return out
