"""IOTile Cloud on the real MicroPython interpreter (unix port, library as .mpy) against the
emulator over HTTP: the API calls at 64K, 2,000 stream points over 20 pages, a sum report and a
50 KB upload, each also bisected for the smallest -X heapsize that still completes (printed; the
unix port is 64-bit, so these are upper bounds for 32-bit boards), and readings pushed through
the core Streamer as signed reports whose ids continue across a "reboot"."""
import hashlib
import json
import os
import struct

import pytest

from tools.emulators.hub import Reply
from tools.heapmin import min_heap

STREAM = "s--0000-0001--0000-0000-0000-0002--5001"
# The Streamer path loads the core (Streamer, ring, clock, ...) and the Api: on this 64-bit port it
# runs in 64K words (about what a 64 KB heap holds on a 32-bit board, whose objects are half the
# size), not in 64 KB; its bisected figure is printed like the others.
PUSH_HEAP = "64wK"
FIGURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build",
                       "iotile-heap.txt")


def _env(hub, **kw):
    e = {"IOTILE_URL": hub.base("iotile"), "HUB_URL": hub.url, "IOTILE_STREAM": STREAM}
    e.update({k: str(v) for k, v in kw.items()})
    return e


_written = []  # figures written to FIGURES by this test session


def _report(capsys, what, n):
    line = "iotile smallest heap, %s: %s" % (what, "%d B" % n if n else "over the limit")
    with capsys.disabled():
        print("\n" + line)
    os.makedirs(os.path.dirname(FIGURES), exist_ok=True)
    with open(FIGURES, "a" if _written else "w") as f:  # a fresh file each session
        f.write(line + "\n")
    _written.append(line)
    return n


def _bisect(mp_tests, module, env, lo=16384, hi=65536):
    def completes(n):
        r = mp_tests(module, env=env, heap=str(n))
        return r.returncode == 0 and "OK" in r.output

    return min_heap(completes, lo, hi, 256)


def _signed_report(path, n, device=0xB, first_id=1):
    """A SignedListReport with n readings, built here independently of the library."""
    length = 20 + 16 * n + 24
    data = bytearray(struct.pack("<BBHLLLBBH", 1, length & 0xFF, length >> 8, device, first_id + n,
                                 n * 10, 0, 0, 0x57FF))
    for i in range(n):
        data += struct.pack("<HHLLL", 0x5001 + i % 3, 0, first_id + i, i * 10, (i * 7919) & 0xFFFFFFFF)
    data += struct.pack("<LL", first_id, first_id + n - 1)
    data += hashlib.sha256(data).digest()[:16]
    with open(path, "wb") as f:
        f.write(data)
    return bytes(data)


def test_api_calls_on_micropython_at_64k(mp_tests, hub):
    emu = hub["iotile"]
    emu.add_stream(STREAM, values=range(10))
    hub.extra_routes["iotile-expire"] = lambda req: (emu.expire_all(), Reply(204))[1]
    hub.extra_routes["iotile-fail-next"] = lambda req: (emu.inject(("status", 500)), Reply(204))[1]
    r = mp_tests("t_iotile_api", env=_env(hub))
    assert r.returncode == 0 and r.output.rstrip().endswith("OK"), r.output
    refresh = emu.requests_to("/api/v1/auth/api-jwt-refresh/")
    assert len(refresh) == 1  # one 401, one refresh, the call repeated
    assert "board-org" not in emu.collections["org"]
    assert emu.requests_to("/api/v1/auth/logout/")[0].header("Content-Length") == "0"


def test_reading_2000_points_over_20_pages_at_64k(mp_tests, hub, capsys):
    emu = hub["iotile"]
    emu.data_page_size = 100
    emu.add_stream(STREAM, values=[i % 1000 for i in range(2500)])
    r = mp_tests("t_iotile_read", env=_env(hub, KEEP=100))
    assert r.returncode == 0, r.output
    assert "read 2000 items sum 999000.0 last id 2499" in r.output, r.output
    assert "kept 100 truncated False" in r.output
    pages = [q.arg("page") for q in emu.requests_to("/api/v1/stream/%s/data/" % STREAM)]
    assert pages[:20] == [str(p) for p in range(1, 21)] and pages[20] == "1"
    n = _bisect(mp_tests, "t_iotile_read", _env(hub))
    assert n and n <= 65536
    _report(capsys, "reading 2,000 points over 20 pages", n)
    k = _bisect(mp_tests, "t_iotile_read", _env(hub, KEEP=100))
    assert k and k <= 65536
    _report(capsys, "the same, then keeping 100 items (initialize_from_server)", k)


def test_sum_report_at_64k(mp_tests, hub, capsys):
    emu = hub["iotile"]
    emu.data_page_size = 50
    # project 1: two streams of device 0x97 and 0xa0; device 0x1111 in project 3; one stream
    # of project 2 named directly; a stream with only zeros (left out, as the official client)
    specs = [("s--0000-0001--0000-0000-0000-0097--5002", [10.0] * 100),
             ("s--0000-0001--0000-0000-0000-00a0--5001", [i * 0.5 for i in range(120)]),
             ("s--0000-0003--0000-0000-0000-1111--5001", [20.0] * 100),
             ("s--0000-0002--0000-0000-0000-2222--5001", [30.0] * 100),
             ("s--0000-0001--0000-0000-0000-0097--5003", [0.0] * 10)]
    for slug, vals in specs:
        emu.add_stream(slug, values=vals, start="2026-01-01T00:00:00Z", step_s=60)
    env = _env(hub, SOURCES="p--0000-0001,d--1111,s--0000-0002--0000-0000-0000-2222--5001",
               START="2026-01-01T00:00:00Z", END="2026-01-01T01:40:00Z")
    r = mp_tests("t_iotile_sum", env=env)
    assert r.returncode == 0, r.output
    got = json.loads(r.output.split("RESULT ", 1)[1].splitlines()[0])
    want = {"streams": {}, "total": 0}
    for slug, vals in specs:
        s = sum(vals[:100])  # 100 minutes from START
        if s:
            want["streams"][slug] = {"sum": s, "units": "G"}
            want["total"] += s
    assert got == want
    assert "ERRORS 0" in r.output
    n = _bisect(mp_tests, "t_iotile_sum", env)
    assert n and n <= 65536
    _report(capsys, "sum report over 4 streams (3 sources, 10 pages)", n)


@pytest.mark.parametrize("kind", ["report", "event"])
def test_upload_of_a_50kb_file_at_64k(mp_tests, hub, tmp_path, capsys, kind):
    emu = hub["iotile"]
    path = str(tmp_path / ("big.bin" if kind == "report" else "big.json"))
    if kind == "report":
        data = _signed_report(path, 3200)
    else:
        data = (b'{"accel": [0.1, 0.2, 9.81]}\n' * 1829)[:51200]
        with open(path, "wb") as f:
            f.write(data)
    assert len(data) >= 50 * 1024
    env = _env(hub, FILE=path, KIND=kind, IOTILE_TOKEN=emu.new_token("board@iotpush.test"))
    r = mp_tests("t_iotile_upload", env=env)
    assert r.returncode == 0, r.output
    up = emu.uploads[-1]
    assert up["file"] == data and up["filename"] == os.path.basename(path)
    if kind == "report":
        assert "ANSWER {'count': 3200}" in r.output
        assert emu.reports[-1]["highest"] == 3200 and len(emu.readings) == 3200
    else:
        assert dict(up["fields"])["encoded_extra_data"] == '{"foo": "bar"}'
    n = _bisect(mp_tests, "t_iotile_upload", env)
    assert n and n <= 65536
    _report(capsys, "uploading a %d-byte %s file" % (len(data), kind), n)
    if kind == "event":  # streamed in chunks: the heap needed does not grow with the file
        small = str(tmp_path / "small.json")
        with open(small, "wb") as f:
            f.write(data[:50])
        n_small = _bisect(mp_tests, "t_iotile_upload", dict(env, FILE=small))
        _report(capsys, "uploading a 50-byte event file", n_small)
        assert abs(n - n_small) <= 512


def test_readings_through_the_streamer_continue_their_ids_after_a_reboot(mp_tests, hub, tmp_path, capsys):
    emu = hub["iotile"]
    state = str(tmp_path / "iotile.ids")
    env = _env(hub, STATE=state, N=200, IOTILE_TOKEN=emu.new_token("board@iotpush.test"))
    r = mp_tests("t_iotile_push", env=env, heap=PUSH_HEAP)
    assert r.returncode == 0, r.output
    assert [x["id"] for x in emu.readings] == list(range(1, 201))
    assert [x["value"] for x in emu.readings] == [(i * 3 - 100) & 0xFFFFFFFF for i in range(200)]
    assert [x["stream"] for x in emu.readings] == [0x5002, 0x5001] * 100
    assert all(not rep["duplicate"] for rep in emu.reports)
    r = mp_tests("t_iotile_push", env=dict(env, FIRST="200"), heap=PUSH_HEAP)  # the board rebooted
    assert r.returncode == 0, r.output
    ids = [x["id"] for x in emu.readings]
    assert len(ids) == 400 and ids == sorted(ids) and len(set(ids)) == 400 and ids[200] > 200
    assert [x["value"] for x in emu.readings[200:]] == [(i * 3 - 100) & 0xFFFFFFFF for i in range(200, 400)]
    n = _bisect(mp_tests, "t_iotile_push", dict(env, N="70"), hi=131072)
    assert n
    _report(capsys, "Streamer + IOTile service, 70 readings in 2 reports", n)


def test_upload_over_https_on_micropython(mp_tests, tmp_path):
    """The upload sender's own TLS path (firmware `tls`), against the emulator behind TLS."""
    import shutil
    import ssl
    import subprocess
    import threading

    from tools.emulators import hub as hubmod
    from tools.emulators.iotile import IOTileEmulator

    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a throwaway certificate")
    key, cert = str(tmp_path / "k.pem"), str(tmp_path / "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True, timeout=30)
    emu = IOTileEmulator()
    h = hubmod.Hub([emu], lifetime=120)
    server = hubmod._Server(("127.0.0.1", 0), hubmod._Handler)
    server.hub = h
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    stop = threading.Timer(120, server.shutdown)  # stops by itself even if the test dies
    stop.daemon = True
    stop.start()
    try:
        path = str(tmp_path / "ev.json")
        data = b'{"accel": [0.1, 0.2, 9.81]}\n' * 400
        with open(path, "wb") as f:
            f.write(data)
        env = {"IOTILE_URL": "https://127.0.0.1:%d/iotile" % server.server_address[1], "FILE": path,
               "KIND": "event", "IOTILE_TOKEN": emu.new_token("board@iotpush.test")}
        r = mp_tests("t_iotile_upload", env=env)
        assert r.returncode == 0, r.output
        assert emu.uploads[-1]["file"] == data and "'has_raw_data': True" in r.output
    finally:
        stop.cancel()
        server.shutdown()
        server.server_close()
