# Bytes allocated per Streamer.log() on MicroPython, measured exactly: GC off, gc.mem_alloc()
# before and after N calls. Prints one line per case; asserts zero for numbers.

from iotpush import Streamer
from iotpush.services.initialstate import InitialState
from allocmeter import per_call

N = 100
st = Streamer(InitialState("ist_x", "b", base_url="http://127.0.0.1:9/api"), capacity=64)
f = 21.5
i = 7
s = "a short string"


def log_float():
    st.log("temperature", f)


def log_int():
    st.log("count", i)


def log_bool():
    st.log("door", True)


def log_str():
    st.log("status", s)


def log_ts():
    st.log("count", i, 1700000000)


results = {}
for name, fn in (("float", log_float), ("int", log_int), ("bool", log_bool), ("str", log_str),
                 ("int with ts", log_ts)):
    results[name] = per_call(fn, N)
    print("alloc per log(%s): %s bytes" % (name, results[name]))
for name in ("float", "int", "bool", "str"):
    assert results[name] == 0, (name, results[name])
assert results["int with ts"] <= 32  # the (s, ms) tuple of clock.offset()
assert st.dropped > 0  # the ring overflowed during the run: eviction allocates nothing either
print("OK")
