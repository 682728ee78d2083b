"""The README's quick start works as written, pasted into the real MicroPython interpreter,
against the local Initial State emulator (only the service's address and key are swapped)."""
import os
import re
import subprocess

from tools import mprun

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _blocks(section):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    part = text.split("## " + section, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", part, re.S)


def _paste(code):
    r = subprocess.run([mprun.micropython(), "-X", "heapsize=128K"], input=code,
                       env=mprun.env_for(), capture_output=True, text=True, timeout=60)
    return r.stdout + r.stderr


def test_quick_start_runs_on_micropython_against_the_emulator(hub):
    code = _blocks("Quick start (Initial State)")[0]
    base = hub.base("initialstate") + "/api"
    real = 'InitialState("ist_YOURACCESSKEY", "garden", bucket_name="Garden")'
    assert real in code  # the README still shows this call: keep the test in step with it
    code = code.replace(real, 'InitialState("ist_TESTACCESSKEY0000000000000000", "garden", '
                              'bucket_name="Garden", base_url=%r)' % base)
    out = _paste(code)
    assert "Traceback" not in out, out
    assert "<Streamer initialstate pending=0 dropped=0" in out, out
    emu = hub["initialstate"]
    got = [(e["key"], e["value"]) for e in emu.events]
    assert got[0] == ("temperature", 21.5)
    assert sorted(got[1:]) == [("door", "open"), ("humidity", 40)]  # one row: dict order
    assert emu.buckets == {"garden": "Garden"}


def test_isstreamer_style_quick_start_runs_too(hub):
    code = _blocks("Quick start (Initial State)")[1]
    base = hub.base("initialstate") + "/api"
    real = 'access_key="ist_YOURACCESSKEY")'
    assert real in code
    code = code.replace(real, 'access_key="ist_TESTACCESSKEY0000000000000000", base_url=%r)' % base)
    out = _paste(code)
    assert "Traceback" not in out, out
    assert [(e["key"], e["value"]) for e in hub["initialstate"].events] == [("temperature", 21.5)]
