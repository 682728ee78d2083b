"""The README's IOTile Cloud section runs as written, pasted into the real MicroPython interpreter
against the emulator. Only the domain is swapped (Api() -> Api(domain=<emulator>)); `password` is
defined and, for the blocks that start "after login", the login done first, as a user would."""
import os
import re
import struct
import subprocess

import pytest

from tools import mprun

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "s3cret p\u00e4ss"


def _blocks():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    part = text.split("## IOTile Cloud", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", part, re.S)


def _find(blocks, marker):
    found = [b for b in blocks if marker in b]
    assert len(found) == 1, marker  # keep the test in step with the README
    return found[0]


@pytest.fixture
def paste(hub, tmp_path):
    blocks = _blocks()
    domain = hub.base("iotile")

    def run(marker, after_login=True):
        code = _find(blocks, marker).replace("Api()", "Api(domain=%r)" % domain)
        pre = blocks[0] + "password = %r\n" % PASSWORD
        if after_login:
            pre += "api = Api(domain=%r)\nassert api.login(email='user@example.com', password=password)\n" % domain
        r = subprocess.run([mprun.micropython(), "-X", "heapsize=128K"], input=pre + code,
                           env=mprun.env_for(), capture_output=True, text=True, timeout=60,
                           cwd=str(tmp_path))
        out = r.stdout + r.stderr
        assert "Traceback" not in out and "Error" not in out, out
        return out

    return run


def test_login_and_generic_blocks(paste, hub):
    emu = hub["iotile"]
    paste("ok = api.login(", after_login=False)
    assert len(emu.requests_to("/api/v1/auth/logout/")) == 1
    assert len(emu.requests_to("/api/v1/auth/api-jwt-refresh/")) == 1
    paste('new = api.org.post(')
    assert emu.collections["org"] == {} and len(emu.requests_to("/api/v1/org/my-new-org/")) == 4
    assert emu.requests_to("/api/v1/project/")[0].query == [("org__slug", "my-new-org")]


def test_stream_data_reports_and_mdo_blocks(paste, hub):
    emu = hub["iotile"]
    emu.add_stream("s--0000-0001--0000-0000-0000-0002--5001", values=range(150))
    emu.add_stream("s--0000-0001--0000-0000-0000-0001--5001", values=range(3), mdo=(2, 1, 1.0),
                   start="2026-01-01T00:00:00Z")
    emu.add_stream("s--0000-0002--0000-0000-0000-2222--5001", values=[3.0] * 5, start="2026-01-01T00:00:00Z")
    out = paste('sd = StreamData("s--0000-0001--0000-0000-0000-0002--5001", api)')
    rows = re.findall(r"^2016-01-01T\d\d:\d\d:00\.000000Z (\d+)\.0$", out, re.M)
    assert rows == [str(v) for v in range(50, 150)]  # the last 100 of 150, in order
    paste("gen = AccumulationReportGenerator(api)")
    assert [r.query for r in emu.requests_to("/api/v1/stream/")] == [
        [("project", "p--0000-0001")], [("device", "d--0000-0000-0000-1111")]]
    out = paste("mdo = MdoHelper(")
    assert "2026-01-01T00:01:00.000000Z 3.0" in out  # 1 * 2 / 1 + 1


def test_upload_blocks(paste, hub, tmp_path):
    emu = hub["iotile"]
    paste("w = ReportWriter(", after_login=False)
    paste("resp = api.streamer.report.upload_file(")
    assert emu.reports[-1]["device"] == 0xA and [r["value"] for r in emu.readings] == [42, 43]
    (tmp_path / "data.bin").write_bytes(struct.pack("<4f", 0.1, 0.2, 9.81, 0.0))
    paste("resp = api.event.upload.upload_file(")
    assert emu.uploads[-1]["file"] == (tmp_path / "data.bin").read_bytes()


def test_push_and_slug_blocks(paste, hub, tmp_path):
    emu = hub["iotile"]
    paste("st = Streamer(IOTile(", after_login=False)
    assert [(r["stream"], r["value"]) for r in emu.readings] == [(0x5001, 42), (0x5002, 22)]
    assert (tmp_path / "iotile.ids").exists()
    paste("project = IOTileProjectSlug(5)", after_login=False)
