# Api.get() on MicroPython with a capped heap, against the emulator over real HTTP: the pytest
# side pushed the values first; this prints what get() read back (field, value, timestamp).
import os

from iotpush.services.nikdev import Api, GetException

api = Api({"deviceId": "0f8fad5b-d9cb-469f-a165-70867728950e",
           "apiKey": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
           "baseUrl": os.getenv("NIKDEV_URL"), "requestTimeout": 5, "capacity": 16,
           "keys": 4, "bodySize": 512})  # a device that mostly reads
for v in api.get(["temperature", "status message", "door_open", "nothing"]):
    print("got|%s|%r|%r" % (v.field_id, v.value, v.timestamp))
try:
    api.get("a,b")  # the emulator has the value of neither; a comma inside an id is escaped
    print("escaped ok")
except GetException as e:
    print("get failed:", e)
print("OK")
