# The iotile-cloud calls a board user meets, against the emulator, on MicroPython at 64K:
# login, generic resources, nested resources, query parameters, stream data, errors, refresh.
import os

import requests
from iotpush.services.iotile import (Api, HttpClientError, HttpNotFoundError, HttpServerError,
                                     StreamData)

url = os.getenv("IOTILE_URL")
hub = os.getenv("HUB_URL")


def control(route):  # the test's own hooks on the hub (fault injection, token expiry)
    r = requests.post(hub + "/_hub/" + route, timeout=5)
    assert r.status_code == 204, r.status_code
    r.close()


api = Api(domain=url, timeout=5)
assert not api.login(email="board@iotpush.test", password="wrong")
assert api.token is None and "Unable to login" in api.last_error
assert api.login(email="board@iotpush.test", password="board-pass") and api.token
new = api.org.post({"name": "Board Org"})
assert new["slug"] == "board-org", new
assert api.org(new["slug"]).put({"about": "About Org"})["about"] == "About Org"
assert api.org(new["slug"]).patch({"about": "new"})["about"] == "new"
assert api.org(new["slug"]).get()["name"] == "Board Org"
p = api.project.post({"name": "Board Project", "org": "board-org"})
assert api.project.get(org__slug="board-org")["count"] == 1
assert api.org("board-org").projects.get()["results"][0]["slug"] == p["slug"]
try:
    api.org("nope").get()
    raise AssertionError("no 404")
except HttpNotFoundError as e:
    assert e.status == 404 and "Not found" in str(e)
try:
    api.org.post({"name": "Board Org"})
    raise AssertionError("no 400")
except HttpClientError as e:
    assert e.status == 400 and "already exists" in str(e), str(e)
control("iotile-fail-next")  # the next request answers 500
try:
    api.org.get()
    raise AssertionError("no 500")
except HttpServerError as e:
    assert e.status == 500
sd = StreamData(os.getenv("IOTILE_STREAM"), api)
sd.initialize_from_server(lastn=5)
assert [r["value"] for r in sd.data] == [5.0, 6.0, 7.0, 8.0, 9.0], list(sd.data)
sd.initialize_from_server(start="2016-01-01T00:01:00Z", end="2016-01-01T00:03:00Z")
assert [r["timestamp"] for r in sd.data] == ["2016-01-01T00:01:00.000000Z",
                                             "2016-01-01T00:02:00.000000Z"], list(sd.data)
old = api.token
control("iotile-expire")  # the token stops working: the next call refreshes once and repeats
assert api.org(new["slug"]).get()["slug"] == "board-org"
assert api.token != old
assert api.org(new["slug"]).delete() is True
assert api.org(new["slug"]).delete() is False
assert api.logout() and api.token is None
print("OK")
