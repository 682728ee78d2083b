# Sends N events one way, for bytes on the wire counted by a proxy (tools/wirecount.py):
#   b_wire <who> <transport> <case> <mode> <n>     ($BASE: the proxy's base URL)
import json
import os
import sys
import time

import bcases

who, transport, case, mode, n = sys.argv[1:6]
n = int(n)
base = os.getenv("BASE")
KEYS = bcases.KEYS
if who == "iotpush":
    from iotpush import Streamer

    svc = bcases.make(case, base, mode)
    if transport == "keepalive":
        from iotpush.sockhttp import KeepAlive

        svc.transport = KeepAlive(10)
    st = Streamer(svc, capacity=n)
    for i in range(n):
        st.log(KEYS[i % 4], bcases.value(i))
    sent = 0
    while st.pending:
        sent += st.flush()
    st.close()
    assert sent == n
else:
    import requests

    url = base + "/api/events"
    headers = {"Content-Type": "application/json", "X-IS-AccessKey": "ist_TESTACCESSKEY0000000000000000",
               "X-IS-BucketKey": "bench", "Accept-Version": "<=0.0.4"}
    events = [{"key": KEYS[i % 4], "value": bcases.value(i), "epoch": time.time()} for i in range(n)]
    step = 10 if who == "seed" else 1
    for i in range(0, n, step):
        body = json.dumps(events[i:i + 10] if step == 10 else events[i])
        r = requests.post(url, data=body, headers=headers)
        assert r.status_code == 204
        r.close()
print("OK")
