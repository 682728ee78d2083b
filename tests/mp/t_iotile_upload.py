# Upload a file from flash (here: the host's filesystem) as multipart/form-data, streamed in
# 512-byte chunks: KIND=report -> streamer/report/?timestamp=..., KIND=event -> event/upload/.
import os

from iotpush.services.iotile import Api

api = Api(domain=os.getenv("IOTILE_URL"), timeout=5)
api.set_token(os.getenv("IOTILE_TOKEN"))
path = os.getenv("FILE")
if os.getenv("KIND") == "report":
    r = api.streamer.report.upload_file(filename=path, timestamp="2026-01-01T00:00:00Z")
else:
    r = api.event.upload.upload_file(filename=path, data={
        "stream": "s--0000-0001--0000-0000-0000-0002--5001",
        "timestamp": "2026-01-01T00:00:00Z", "encoded_extra_data": '{"foo": "bar"}'})
print("ANSWER", r)
print("OK")
