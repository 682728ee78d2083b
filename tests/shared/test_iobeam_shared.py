# The iobeam table encoder and DataStore.add() checks. Runs under pytest and on MicroPython.
import json

from sharedutil import raises

# The capture's expired project token (payload {"pid":4242,"exp":1795299551,"refreshable":true}).
TOKEN = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJwaWQiOjQyNDIsImV4cCI6MTc5NTI5OTU1MSwicmVmcmVzaGF"
         "ibGUiOnRydWV9.R8bhrJR_qmfIqusKvVk273FQgcAXYzCxUb0sFg3Lrjg")


# --- the table encoder on this interpreter ------------------------------------------------------------
def _client(body=512):
    from iotpush.services.iobeam import ClientBuilder

    return (ClientBuilder(4242, TOKEN).setBackend("http://127.0.0.1:9/v1/").setBodySize(body)
            .setDeviceId("iotpush-dev-1").build())


def _request(client, store):
    b = client._body  # the request buffer all stores share
    b.reset()
    n = client.encode(store.ring, client.max_events, b)
    return n, json.loads(str(bytes(b.data()), "utf-8"))


def test_table_encoding_matches_the_capture():
    from iotpush.services.iobeam import Timestamp, TimeUnit

    c = _client()
    s = c.createDataStore(["temperature", "humidity"], capacity=4)
    s.add(Timestamp(1700000000000), {"temperature": 21.5, "humidity": 40})
    s.add(Timestamp(1700000001, unit=TimeUnit.SECONDS), {"temperature": 21.75})
    s.add(Timestamp(1700000002500000, unit=TimeUnit.MICROSECONDS), {"humidity": 41.25})
    n, got = _request(c, s)
    assert n == s.pending == 4
    assert got == {"project_id": 4242, "device_id": "iotpush-dev-1", "timefmt": "usec",
                   "sources": {"fields": ["time", "temperature", "humidity"],
                               "data": [[1700000000000000, 21.5, 40],
                                        [1700000001000000, 21.75, None],
                                        [1700000002500000, None, 41.25]]}}


def test_values_nulls_bools_and_microseconds_round_trip():
    from iotpush.services.iobeam import Timestamp, TimeUnit

    c = _client()
    s = c.createDataStore(["a", "b", "c"], capacity=4)
    rows = [(1700000000123456, {"a": 1 / 3, "b": -7, "c": None}),
            (1700000000123457, {"b": True}),
            (1700000000999999, {"a": False, "c": 2 ** 40}),
            (1700000001000000, {"c": -1.5e-300})]
    for t, d in rows:
        s.add(Timestamp(t, unit=TimeUnit.MICROSECONDS), d)
    assert s.pending == 8 + 2  # one slot per value given, one per row with sub-ms microseconds
    assert len(s) == 12  # as iobeam counts: rows x columns
    n, got = _request(c, s)
    assert n == s.pending
    assert got["sources"]["data"] == [[1700000000123456, 1 / 3, -7, None],
                                      [1700000000123457, None, 1, None],
                                      [1700000000999999, 0, None, 2 ** 40],
                                      [1700000001000000, None, None, -1.5e-300]]
    assert s.rows()[1] == {"time": 1700000000123457, "a": None, "b": True, "c": None}


def test_bad_rows_are_refused_at_add():
    from iotpush.services.iobeam import Timestamp

    c = _client()
    s = c.createDataStore(["temperature", "humidity"], capacity=4)
    ts = Timestamp(1700000000000)
    raises(ValueError, s.add, ts, {"pressure": 1})  # not a column
    raises(ValueError, s.add, ts, {"time": 1})
    raises(ValueError, s.add, ts, {})
    raises(TypeError, s.add, ts, [("temperature", 1)])
    raises(TypeError, s.add, ts, {"temperature": "21.5"})
    raises(TypeError, s.add, ts, {"temperature": [21.5]})
    raises(ValueError, s.add, ts, {"temperature": float("nan")})
    raises(ValueError, s.add, ts, {"temperature": float("inf"), "humidity": 1})
    raises(ValueError, s.add, ts, {"temperature": 2 ** 63})
    raises(TypeError, s.add, 1700000000.0, {"temperature": 1})
    raises(TypeError, s.add, "now", {"temperature": 1})
    assert s.pending == 0
    s.add(1700000000000, {"temperature": -2 ** 63, "humidity": 2 ** 63 - 1})  # an int: ms
    assert s.pending == 2
