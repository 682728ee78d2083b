# iobeam values, nulls, bools and microseconds through the table encoder and back. Runs under
# pytest and on MicroPython.
from iobeamutil import client, request


def test_values_nulls_bools_and_microseconds_round_trip():
    from iotpush.services.iobeam import Timestamp, TimeUnit

    c = client()
    s = c.createDataStore(["a", "b", "c"], capacity=4)
    rows = [(1700000000123456, {"a": 1 / 3, "b": -7, "c": None}),
            (1700000000123457, {"b": True}),
            (1700000000999999, {"a": False, "c": 2 ** 40}),
            (1700000001000000, {"c": -1.5e-300})]
    for t, d in rows:
        s.add(Timestamp(t, unit=TimeUnit.MICROSECONDS), d)
    assert s.pending == 8 + 2  # one slot per value given, one per row with sub-ms microseconds
    assert len(s) == 12  # as iobeam counts: rows x columns
    n, got = request(c, s)
    assert n == s.pending
    assert got["sources"]["data"] == [[1700000000123456, 1 / 3, -7, None],
                                      [1700000000123457, None, 1, None],
                                      [1700000000999999, 0, None, 2 ** 40],
                                      [1700000001000000, None, None, -1.5e-300]]
    assert s.rows()[1] == {"time": 1700000000123457, "a": None, "b": True, "c": None}
