"""The local dashboard: every service emulator on one port, a page that charts what arrives, and
JSON endpoints, so boards (or `make demo`) can be watched without any cloud account.

    python -m tools.devserver [--host 127.0.0.1] [--port 8321] [--lifetime 3600]

Routes (besides the emulators at /<service>/...):
  /_hub/dashboard            the page (HTML, CSS and JS served from tools/devserver/static)
  /_hub/streams?tail=N       JSON: per emulator and stream, the event count and the last N points
  /_hub/received             JSON: everything that arrived (the hub's own route)
"""
import json
import os
import time

from tools.emulators import Hub, Reply

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8"}
DEFAULT_TAIL = 300
MAX_TAIL = 5000


def _static(name):
    path = os.path.join(STATIC, name)
    with open(path, "rb") as f:
        body = f.read()
    ctype = _TYPES[os.path.splitext(name)[1]]

    def route(req):
        return Reply(200, body, {"Content-Type": ctype, "Cache-Control": "no-store"})

    return route


def snapshot(hub, tail=DEFAULT_TAIL):
    """{"time": server seconds, "emulators": {name: {"requests": n, "path": "/name",
    "streams": {stream: {"count": n, "points": [[t, v], ...] (the last `tail`)}}}}}"""
    out = {"time": time.time(), "emulators": {}}
    for name, emu in sorted(hub.emulators.items()):
        with emu.lock:
            streams = emu.streams()
            n = len(emu.log)
        out["emulators"][name] = {
            "requests": n,
            "path": "/" + name,
            "streams": {k: {"count": len(v), "points": v[-tail:] if tail else []}
                        for k, v in sorted(streams.items())},
        }
    return out


def _streams_route(hub):
    def route(req):
        try:
            tail = int(req.arg("tail", DEFAULT_TAIL))
        except ValueError:
            return Reply(400, {"message": "tail must be an int"})
        tail = max(0, min(tail, MAX_TAIL))
        body = json.dumps(snapshot(hub, tail), default=repr).encode()
        return Reply(200, body, {"Content-Type": "application/json", "Cache-Control": "no-store"})

    return route


def add_dashboard(hub):
    """Mount the dashboard routes on a Hub (before or after start())."""
    hub.extra_routes["dashboard"] = _static("dashboard.html")
    hub.extra_routes[""] = hub.extra_routes["dashboard"]
    hub.extra_routes["dashboard.js"] = _static("dashboard.js")
    hub.extra_routes["dashboard.css"] = _static("dashboard.css")
    hub.extra_routes["streams"] = _streams_route(hub)
    return hub


def dashboard_url(hub):
    return hub.url + "/_hub/dashboard"


def start(host="127.0.0.1", port=8321, lifetime=3600, fallback=False):
    """A started Hub with every emulator and the dashboard. With fallback, a busy port is
    replaced by a free one instead of failing."""
    try:
        hub = Hub(host=host, port=port, lifetime=lifetime)
        add_dashboard(hub)
        return hub.start()
    except OSError as e:
        if not fallback:
            raise SystemExit("devserver: cannot listen on %s:%d (%s): is another dev server or "
                             "`make demo` running? Pick another port: --port N" % (host, port, e))
    hub = Hub(host=host, port=0, lifetime=lifetime)
    add_dashboard(hub)
    return hub.start()


def describe(hub, out=print):
    """Print the URLs a person needs."""
    out("iotpush dev server, dashboard: %s" % dashboard_url(hub))
    out("service emulators (base URLs for config.json):")
    for name in sorted(hub.emulators):
        out("  %-14s %s" % (name, hub.base(name)))
    out("JSON: %s/_hub/streams (last points per stream), %s/_hub/received (everything)" % (
        hub.url, hub.url))
    if hub.host in ("0.0.0.0", ""):
        out("listening on every interface: from a board on your network use "
            "http://<this computer's address>:%d/<service>/... (find the address with "
            "`hostname -I` or `ip -4 addr`)" % hub.port)
