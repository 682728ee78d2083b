# Device side of `make demo`: runs on the MicroPython interpreter, pushes synthetic sensor data
# through iotpush to the Initial State emulator whose URL is in $IS_URL.
import os
import time

from iotpush import Streamer
from iotpush.services.initialstate import InitialState

svc = InitialState("ist_TESTACCESSKEY0000000000000000", "demo", "iotpush demo",
                   base_url=os.getenv("IS_URL"), rate=20, burst=10)
st = Streamer(svc, capacity=64)
seconds = int(os.getenv("DEMO_SECONDS") or "5")
start = time.ticks_ms()
i = 0
while time.ticks_diff(time.ticks_ms(), start) < seconds * 1000:
    st.log("temperature", 21.0 + (i % 20) / 10)
    st.log("humidity", 40 + i % 7)
    i += 1
    st.poll()
    time.sleep_ms(100)
st.close()
print("device: logged %d readings, %r" % (i * 2, st))
