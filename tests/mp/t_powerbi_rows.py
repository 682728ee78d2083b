# Power BI push_rows() (the direct path) on MicroPython with a capped heap: 200 rows in calls
# of 8, to the emulator over real HTTP. A call that fails keeps its rows; push_rows([]) after
# the wait sends them. The pytest side checks every row arrived once, in order, values exact.
import gc
import os
import time

from iotpush import PushError
from iotpush.services.powerbi import PowerBI

pb = PowerBI(os.getenv("PBI_URL"), columns={"temp": "Number", "n": "Number", "label": "Text"},
             timeout=5, rate=1000, body_size=768, capacity=32)
failures = 0
sent = 0
rows = []
gc.collect()
free0 = gc.mem_free()
for i in range(200):
    rows.append({"temp": i / 7, "n": i, "label": "row %d" % i} if i % 2 else {"n": i})
    if len(rows) < 8:
        continue
    try:
        sent += pb.push_rows(rows)
    except PushError as e:
        assert e.retained, e
        while pb.streamer.pending:
            failures += 1
            time.sleep_ms(pb.streamer.wait_ms())
            try:
                sent += pb.push_rows([])
            except PushError as e2:
                assert e2.retained, e2
    rows = []
gc.collect()
st = pb.streamer
print("sent", sent, "failures", failures, "dropped", st.dropped, "heap free", free0, "->",
      gc.mem_free())
assert st.dropped == st.rejected == 0 and st.pending == 0
print("OK")
