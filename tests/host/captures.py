"""Access to the official clients' captured requests (../shared/specs/captures/*.json)."""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAPTURES = os.path.join(os.path.dirname(ROOT), "shared", "specs", "captures")

# Headers that describe the client or the connection rather than the API.
NOT_API = {"host", "user-agent", "accept-encoding", "accept", "connection", "content-length"}


def scenario(service, name):
    with open(os.path.join(CAPTURES, service + ".json"), encoding="utf-8") as f:
        data = json.load(f)
    for s in data["scenarios"]:
        if s["name"] == name:
            return s
    raise KeyError(name)


def api_headers(headers):
    """{lower-case name: value} of the API-relevant headers of a request."""
    items = headers.items() if isinstance(headers, dict) else headers
    return {k.lower(): v for k, v in items if k.lower() not in NOT_API}
