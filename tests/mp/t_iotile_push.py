# Readings through the core Streamer as IOTile streamer reports: N readings on two streams, ids
# from the state file (a second run continues where the first stopped, as after a reboot).
import os

from iotpush import PushError, Streamer
from iotpush.services.iotile import Api, IOTile

api = Api(domain=os.getenv("IOTILE_URL"), timeout=5)
api.set_token(os.getenv("IOTILE_TOKEN"))
svc = IOTile(api, device=0xA, state=os.getenv("STATE"), rate=1000, burst=1000)
st = Streamer(svc, capacity=64)
n = int(os.getenv("N", "200"))
first = int(os.getenv("FIRST", "0"))
sent = 0
for i in range(first, first + n):
    st.log("5001" if i % 2 else "v--0000-0000--5002", i * 3 - 100)
    if st.pending >= 64:
        sent += st.flush()
while st.pending:
    try:
        sent += st.flush()
    except PushError as e:
        print("retry:", e)
print("sent", sent, "next id", svc.next_id, "reports", svc.reports)
assert sent == n and st.dropped == 0 and st.rejected == 0
print("OK")
