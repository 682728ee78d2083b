# DataStore.add() refuses bad rows before anything is buffered. Runs under pytest and on
# MicroPython.
from iobeamutil import client
from sharedutil import raises


def test_bad_rows_are_refused_at_add():
    from iotpush.services.iobeam import Timestamp

    c = client()
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
