# 1,000 events through Streamer to the Initial State emulator over real HTTP, on MicroPython
# with a capped heap. The pytest side checks that all arrived once, in order, values exact.
import gc
import os

from iotpush import PushError, Streamer
from iotpush.services.initialstate import InitialState

base = os.getenv("IS_URL")
svc = InitialState("ist_TESTACCESSKEY0000000000000000", "mp_bucket", "MicroPython",
                   base_url=base, rate=1000, burst=1000, timeout=5)
st = Streamer(svc, capacity=int(os.getenv("CAPACITY", "64")))
gc.collect()
start_free = gc.mem_free()
n = 0
for i in range(1000):
    m = i % 4
    if m == 0:
        v = i * 0.37 + 1 / 3
    elif m == 1:
        v = i
    elif m == 2:
        v = "s%d" % i
    else:
        v = i % 8 == 3
    st.log("k%d" % m, v)
    if st.pending >= 40:
        n += st.flush()
while st.pending:
    try:
        n += st.flush()
    except PushError as e:
        print("retry:", e)
gc.collect()
print("delivered", n, "dropped", st.dropped, "heap free", start_free, "->", gc.mem_free())
assert n == 1000 and st.dropped == 0 and st.rejected == 0
print("OK")
