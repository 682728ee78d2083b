# Streamer.run() as a background task and await aflush() on MicroPython's asyncio, against the
# Initial State emulator while it stalls the first request for 1 s. With the keep-alive
# transport (arequest) the sensor loop keeps its pace meanwhile; with $TRANSPORT=requests the
# same loop is blocked for the stall (the check below can fail). Prints the longest gap.
import asyncio
import os
import time

from iotpush import Streamer
from iotpush.services.initialstate import InitialState
from iotpush.sockhttp import KeepAlive

svc = InitialState("ist_TESTACCESSKEY0000000000000000", "mpaio", base_url=os.getenv("IS_URL"),
                   rate=1000, burst=1000, timeout=3)
blocking = os.getenv("TRANSPORT") == "requests"
if not blocking:
    svc.transport = KeepAlive(3)
st = Streamer(svc, capacity=256)
N = 200


async def sensor():
    gap = 0
    last = time.ticks_ms()
    for i in range(N):
        st.log("s", i)
        await asyncio.sleep_ms(5)
        now = time.ticks_ms()
        gap = max(gap, time.ticks_diff(now, last))
        last = now
    return gap


async def main():
    task = asyncio.create_task(st.run(interval_ms=50))
    gap = await sensor()
    for _ in range(300):  # up to 6 s for the rest to go out
        if not st.pending:
            break
        await asyncio.sleep_ms(20)
    task.cancel()
    await asyncio.sleep_ms(0)
    st.log("s", N)
    n = await st.aflush()
    return gap, n


gap, n = asyncio.run(main())
print("longest sensor gap ms", gap, "aflush", n, "delivered", st.delivered, st)
assert n == 1 and st.pending == 0 and st.delivered == N + 1
if blocking:
    assert gap >= 900, gap
else:
    assert gap < 400, gap
st.close()
print("OK")
