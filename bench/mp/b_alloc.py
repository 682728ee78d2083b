# Bytes allocated per Streamer.log()/log_row() call, exactly: GC off, gc.mem_alloc() around N
# calls (the loop itself allocates nothing per iteration). b_alloc <case>
import gc
import sys

import bcases
from iotpush import Streamer

N = 100
st = Streamer(bcases.make(sys.argv[1], "http://127.0.0.1:9/x", "json"), capacity=64)
f = 21.5
i = 7
s = "a short string"
row = {"temperature": 21.5, "humidity": 40, "door": True}


def per_call(fn):
    fn()  # warm: the keys go into the key table once
    gc.collect()
    gc.disable()
    a = gc.mem_alloc()
    for _ in range(N):
        fn()
    b = gc.mem_alloc()
    gc.enable()
    return (b - a) / N


cases = (
    ("log(float)", lambda: st.log("temperature", f)),
    ("log(int)", lambda: st.log("count", i)),
    ("log(bool)", lambda: st.log("door", True)),
    ("log(str) of a string the caller holds", lambda: st.log("status", s)),
    ("log(str) of a string made per call (the caller's)", lambda: st.log("status", "v%d" % i)),
    ("the caller's string alone", lambda: "v%d" % i),
    ("log(int, ts=...)", lambda: st.log("count", i, 1700000000)),
    ("log_row() of 3 fields (dict held by the caller)", lambda: st.log_row(row)),
)
for name, fn in cases:
    print("alloc %s: %s" % (name, per_call(fn)))
print("OK")
