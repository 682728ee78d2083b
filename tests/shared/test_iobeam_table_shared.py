# The iobeam table encoder against the capture's request. Runs under pytest and on MicroPython.
from iobeamutil import client, request


def test_table_encoding_matches_the_capture():
    from iotpush.services.iobeam import Timestamp, TimeUnit

    c = client()
    s = c.createDataStore(["temperature", "humidity"], capacity=4)
    s.add(Timestamp(1700000000000), {"temperature": 21.5, "humidity": 40})
    s.add(Timestamp(1700000001, unit=TimeUnit.SECONDS), {"temperature": 21.75})
    s.add(Timestamp(1700000002500000, unit=TimeUnit.MICROSECONDS), {"humidity": 41.25})
    n, got = request(c, s)
    assert n == s.pending == 4
    assert got == {"project_id": 4242, "device_id": "iotpush-dev-1", "timefmt": "usec",
                   "sources": {"fields": ["time", "temperature", "humidity"],
                               "data": [[1700000000000000, 21.5, 40],
                                        [1700000001000000, 21.75, None],
                                        [1700000002500000, None, 41.25]]}}
