"""`make demo DEMO_SECONDS=10`, the README's first command: it starts the dev server, runs
boards/esp32/main.py on the MicroPython interpreter, prints the dashboard URL, stops by itself
and prints how many events arrived per stream."""
import os
import re
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_make_demo_runs_ten_seconds_and_reports_per_stream():
    t0 = time.time()
    r = subprocess.run(["make", "--no-print-directory", "demo", "DEMO_SECONDS=10"], cwd=ROOT,
                       capture_output=True, text=True, timeout=90)
    took = time.time() - t0
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert re.search(r"^dashboard: http://127\.0\.0\.1:\d+/_hub/dashboard ", out, re.M), out
    assert "boards/esp32/boot.py + main.py on MicroPython" in out
    assert "wifi: connected in" in out and "main: #3 " in out
    assert "main: stopped (Ctrl-C); sending what is buffered" in out
    counts = dict(re.findall(r"^  initialstate/(\w+) +(\d+) events$", out, re.M))
    assert set(counts) == {"temperature", "mem_free", "wifi_rssi"}, out
    n = {k: int(v) for k, v in counts.items()}
    assert 8 <= n["temperature"] <= 11 and n["temperature"] == n["mem_free"] == n["wifi_rssi"], n
    assert re.search(r"^  total +%d events$" % sum(n.values()), out, re.M)
    readings = re.findall(r"^main: #(\d+) ", out, re.M)
    # every reading arrived, none twice (Ctrl-C may land between a reading and its line)
    assert n["temperature"] - int(readings[-1]) in (0, 1)
    assert 10 <= took < 40
