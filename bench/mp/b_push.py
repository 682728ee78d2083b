# 1,000 events pushed as a sensor loop would (log, then send when a batch is ready), for the
# smallest heap that completes it: b_push <who> <transport> <case> <capacity>  ($BASE)
# iotpush: log() each event, flush() once 20 wait (a Streamer of `capacity` events); seed: a list
# of dicts, json.dumps and requests.post every 10 events (ISStreamer's buffer size).
import os
import sys
import time

who, transport, case, capacity = sys.argv[1:5]
base = os.getenv("BASE")
import bcases

KEYS = bcases.KEYS
N = 1000
sent = 0
if who == "iotpush":
    from iotpush import Streamer

    svc = bcases.make(case, base, "json")
    if transport == "keepalive":
        from iotpush.sockhttp import KeepAlive

        svc.transport = KeepAlive(10)
    st = Streamer(svc, capacity=int(capacity))
    for i in range(N):
        st.log(KEYS[i % 4], bcases.value(i))
        if st.pending >= 20:
            sent += st.flush()
    while st.pending:
        sent += st.flush()
    st.close()
else:
    import json

    import requests

    url = base + "/api/events"
    headers = {"Content-Type": "application/json", "X-IS-AccessKey": "ist_TESTACCESSKEY0000000000000000",
               "X-IS-BucketKey": "bench", "Accept-Version": "<=0.0.4"}
    events = []
    for i in range(N):
        events.append({"key": KEYS[i % 4], "value": bcases.value(i), "epoch": time.time()})
        if len(events) >= 10:
            r = requests.post(url, data=json.dumps(events), headers=headers)
            assert r.status_code == 204
            r.close()
            sent += len(events)
            events = []
assert sent == N, sent
print("OK")
