# First boot of a board (see t_iobeam_500): build with saveToDisk().registerDevice(). The token
# given expires within 24 h, so the client refreshes it first; then it registers (the emulator
# makes up an id) and saves the id to IOBEAM_DIR.
import os

from iotpush.services.iobeam import ClientBuilder

where = os.getenv("IOBEAM_DIR")
client = (ClientBuilder(4242, os.getenv("IOBEAM_TOKEN")).setBackend(os.getenv("IOBEAM_URL"))
          .setTimeout(5).setBodySize(1024).saveToDisk(where).registerDevice().build())
with open(where + "/iobeam_device_id") as f:
    assert f.read() == client.getDeviceId()
print("device", client.getDeviceId())
print("OK")
