"""tools/devserver: every emulator plus the dashboard on 127.0.0.1, its JSON, and the page in
headless Chromium (Debian's chromium, driven by Playwright): it loads, draws a chart from what
the library sent over HTTP, and the chart grows when new events arrive. The browser is required:
without it this test fails (make test installs it)."""
import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest

from tools import devserver

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = "/usr/bin/chromium"
EMU_KEY = "ist_TESTACCESSKEY0000000000000000"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def dev():
    hub = devserver.start("127.0.0.1", 0, lifetime=120)
    yield hub
    hub.stop()


def push(hub, key, values, ts0=1790000000):
    """Send events through the library (CPython harness) to the Initial State emulator."""
    from iotpush import Streamer
    from iotpush.services.initialstate import InitialState

    st = Streamer(InitialState(EMU_KEY, "dash", base_url=hub.base("initialstate") + "/api",
                               rate=1000, burst=1000))
    for i, v in enumerate(values):
        st.log(key, v, ts=ts0 + i)
    assert st.flush() == len(values)


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.headers.get("Content-Type"), r.read()


def test_streams_json_lists_what_arrived(dev, mp):
    push(dev, "temperature", [20.5, 21.0, 21.5])
    push(dev, "door", ["open", "closed"])
    status, ctype, body = get(dev.url + "/_hub/streams?tail=2")
    assert status == 200 and ctype == "application/json"
    data = json.loads(body)
    emu = data["emulators"]["initialstate"]
    assert emu["path"] == "/initialstate" and emu["requests"] == 2
    assert emu["streams"]["temperature"] == {"count": 3, "points": [[1790000001, 21.0],
                                                                     [1790000002, 21.5]]}
    assert emu["streams"]["door"]["points"][-1] == [1790000001, "closed"]
    assert set(data["emulators"]) == set(dev.emulators)  # every emulator the hub found
    assert get(dev.url + "/_hub/received")[0] == 200
    with pytest.raises(urllib.error.HTTPError) as e:
        get(dev.url + "/_hub/streams?tail=x")
    assert e.value.code == 400


def test_page_and_assets_are_local(dev):
    status, ctype, html = get(dev.url + "/_hub/dashboard")
    assert status == 200 and ctype.startswith("text/html")
    assert get(dev.url + "/_hub/")[2] == html
    refs = re.findall(rb'(?:src|href)="([^"]+)"', html)
    assert b"/_hub/dashboard.js" in refs and b"/_hub/dashboard.css" in refs
    assert all(r.startswith((b"/", b"data:")) for r in refs), refs  # nothing from another host
    for name in ("dashboard.js", "dashboard.css"):
        status, ctype, body = get(dev.url + "/_hub/" + name)
        assert status == 200
        # the only absolute URL is the SVG namespace name, which is never fetched
        assert re.findall(rb"https?://[^\s\"'`]+", body) in ([], [b"http://www.w3.org/2000/svg"])


def test_binds_loopback_unless_told(dev):
    assert dev._server.server_address[0] == "127.0.0.1"
    lines = []
    devserver.describe(dev, lines.append)
    assert lines[0] == "iotpush dev server, dashboard: %s/_hub/dashboard" % dev.url
    assert any(re.match(r"  initialstate +http://127\.0\.0\.1:\d+/initialstate$", x) for x in lines)
    lan = devserver.Hub(host="0.0.0.0", port=8321)  # not started: nothing binds a LAN address here
    lines = []
    devserver.describe(lan, lines.append)
    assert "listening on every interface" in lines[-1] and "hostname -I" in lines[-1]
    r = subprocess.run([sys.executable, "-m", "tools.devserver", "--help"], cwd=ROOT,
                       capture_output=True, text=True)
    assert "--host" in r.stdout and "0.0.0.0" in r.stdout


def test_busy_port_is_refused_clearly(dev):
    with pytest.raises(SystemExit, match=r"cannot listen on 127\.0\.0\.1:%d" % dev.port):
        devserver.start("127.0.0.1", dev.port, lifetime=5)
    other = devserver.start("127.0.0.1", dev.port, lifetime=5, fallback=True)
    try:
        assert other.port != dev.port
    finally:
        other.stop()


def test_dashboard_in_headless_chromium_draws_and_grows(dev, mp, tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.fail("the browser test needs Debian's chromium at %s: `make test` installs it "
                    "(apt-get install -y chromium chromium-driver)" % CHROMIUM)
    from playwright.sync_api import sync_playwright

    push(dev, "temperature", [20.0, 20.5, 21.0, 20.8, 21.4])
    seen = []
    errors = []
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = ctx.new_page()
            page.on("request", lambda r: seen.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(devserver.dashboard_url(dev) + "?poll=150")
            card = 'article[data-key="initialstate/temperature"]'
            page.wait_for_selector(card + ' svg[data-points="5"]', timeout=10000)
            first = page.get_attribute(card + " polyline", "points").split()
            assert len(first) == 5
            assert "5 events" in page.inner_text(card + " .meta")
            assert page.inner_text(card + " .meta").startswith("21.4")
            page.screenshot(path=str(tmp_path / "before.png"))
            push(dev, "temperature", [22.0, 22.5, 23.0], ts0=1790000005)
            push(dev, "humidity", [40, 41])
            push(dev, "status", ["ok", "door open"])
            page.wait_for_selector(card + ' svg[data-points="8"]', timeout=10000)
            grown = page.get_attribute(card + " polyline", "points").split()
            assert len(grown) == 8 and grown[:5] != first  # the x scale moved to fit the new span
            page.wait_for_selector('article[data-key="initialstate/humidity"]', timeout=10000)
            status = 'article[data-key="initialstate/status"]'
            page.wait_for_selector(status + " .text-values", timeout=10000)
            assert "door open" in page.inner_text(status + " .text-values")  # text: a list
            assert page.is_hidden(status + " svg") and page.is_visible(card + " svg")
            assert page.get_attribute("body", "data-total") == "12"
            assert "12 events in 3 streams" in page.inner_text("#status")
            os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
            page.screenshot(path=os.path.join(ROOT, "build", "dashboard.png"), full_page=True)
        finally:
            ctx.close()
    assert not errors, errors
    assert seen and all(u.startswith(dev.url + "/") for u in seen), seen
