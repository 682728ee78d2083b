# Helpers for the iobeam shared tests (tests/shared/test_iobeam_*_shared.py): one client without
# network, and one import request encoded and parsed back. Each of those modules runs in its own
# MicroPython interpreter (64K heap), so each makes one client.
import json

# The capture's expired project token (payload {"pid":4242,"exp":1795299551,"refreshable":true}).
TOKEN = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJwaWQiOjQyNDIsImV4cCI6MTc5NTI5OTU1MSwicmVmcmVzaGF"
         "ibGUiOnRydWV9.R8bhrJR_qmfIqusKvVk273FQgcAXYzCxUb0sFg3Lrjg")


# --- the table encoder on this interpreter ------------------------------------------------------------


def client():
    from iotpush.services.iobeam import ClientBuilder

    return (ClientBuilder(4242, TOKEN).setBackend("http://127.0.0.1:9/v1/").setBodySize(512)
            .setDeviceId("iotpush-dev-1").build())


def request(c, store):
    """(events covered, the JSON) of the next import request for this store."""
    b = c._body  # the request buffer all stores share
    b.reset()
    n = c.encode(store.ring, c.max_events, b)
    return n, json.loads(str(bytes(b.data()), "utf-8"))
