# A server redirecting to another host: the frozen requests would follow it with our headers
# (the access key) and body; the library must refuse. The pytest side checks that the other host
# saw no connection, and that a same-origin redirect still delivers.
import os

from iotpush import PushError, Streamer
from iotpush.retry import Backoff
from iotpush.services.initialstate import InitialState

svc = InitialState("ist_TESTACCESSKEY0000000000000000", "redir", base_url=os.getenv("IS_URL"),
                   rate=1000, burst=1000, timeout=2)
st = Streamer(svc, capacity=8, backoff=Backoff(1, 1))
st.log("x", 1)
refused = 0
for _ in range(2):  # two cross-origin redirects injected
    try:
        st.flush()
    except PushError as e:
        assert e.retained and "refused" in str(e), e
        refused += 1
    while st.wait_ms():  # the 1 ms backoff
        pass
assert refused == 2 and st.pending == 1
assert st.flush() == 1  # then a same-origin redirect, followed
st.log("x", 2)
assert st.flush() == 1
print("OK")
