# 500 Power BI rows through a Streamer (log_row) to the emulator's Push URL over real HTTP, on
# MicroPython with a capped heap. The emulator answers some requests with injected faults
# (429 + Retry-After, 503, a reset); the rows are kept and sent again after the wait. The
# pytest side checks that every row arrived once, in order, with exact values.
import gc
import os
import time

from iotpush import PushError, Streamer
from iotpush.services.powerbi import PowerBI

pb = PowerBI(os.getenv("PBI_URL"),
             columns={"temp": "Number", "n": "Number", "room": "Text", "door": "Boolean",
                      "ts": "DateTime"},
             timestamp_column="ts", timeout=5, rate=1000, body_size=512)
st = Streamer(pb, capacity=32)
failures = 0


def send():
    global failures
    try:
        st.flush()
    except PushError as e:
        assert e.retained, e
        failures += 1
        w = st.wait_ms()
        print("kept, retry in", w, "ms:", e)
        time.sleep_ms(w)


gc.collect()
free0 = gc.mem_free()
for i in range(500):
    r = {"temp": i * 0.37 + 1 / 3, "n": i}
    if i % 3 == 0:
        r["room"] = "r%d \u00b0C" % i
    if i % 4 == 0:
        r["door"] = i % 8 == 0
    st.log_row(r)
    while st.pending >= 16:
        send()
while st.pending:
    send()
gc.collect()
print("failures", failures, "dropped", st.dropped, "rejected", st.rejected, "heap free", free0,
      "->", gc.mem_free())
assert st.dropped == st.rejected == 0
print("OK")
