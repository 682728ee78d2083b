"""The board folders (boards/esp32, boards/picow): boot.py, main.py and main_sleep.py run as a
board runs them -- boot.py from source, then the example -- on the real MicroPython interpreter
with a heap of 64wK (64 KB of a 32-bit board; this unix build is 64-bit) and fakes for the
board-only modules (tests/mp_lib), pushing to the Initial State emulator over HTTP. boot.py's
bounded Wi-Fi and NTP logic also runs on CPython with fake time; the files type-check against
each board's stubs; the config templates hold no keys; manifest.py freezes exactly lib/."""
import json
import os
import runpy
import shutil
import subprocess
import sys

import pytest

from tools import mprun

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOARDS = ("esp32", "picow")
EMU_KEY = "ist_TESTACCESSKEY0000000000000000"
HEAP = "64wK"


def board_config(board, base_url, **top):
    with open(os.path.join(ROOT, "boards", board, "config.json")) as f:
        cfg = json.load(f)
    cfg["wifi"].update(ssid="TestNet", password="testpassword")
    cfg["initialstate"].update(access_key=EMU_KEY, base_url=base_url)
    cfg["interval_s"] = 0.2
    cfg.update(**top)
    return cfg


def make_flash(tmp_path, board, cfg):
    flash = tmp_path / ("flash-" + board)
    flash.mkdir()
    for d in (board, "shared"):  # what `make deploy` puts on the board
        for f in os.listdir(os.path.join(ROOT, "boards", d)):
            if f.endswith(".py") and f != "manifest.py":
                shutil.copy(os.path.join(ROOT, "boards", d, f), flash / f)
    (flash / "config.json").write_text(json.dumps(cfg))
    return flash


@pytest.fixture
def run_board(mp_tests, hub, tmp_path):
    """run(board, module, *args, env=None, **config_overrides) -> CompletedProcess (.output)"""
    mp_dir = os.path.join(ROOT, "build", "mp-tests", "mp")  # compiled by the mp_tests fixture

    def run(board, module, *args, env=None, **top):
        cfg = board_config(board, hub.base("initialstate") + "/api", **top)
        flash = make_flash(tmp_path, board, cfg)
        e = mprun.env_for(False, [mp_dir], dict(os.environ, **(env or {})))
        e["FAKEBOARD_MARKER"] = str(flash / ".reset")
        r = subprocess.run([mprun.micropython(), "-X", "heapsize=" + HEAP, "-m", "t_board", module,
                            *map(str, args)], env=e, cwd=str(flash), capture_output=True,
                           text=True, timeout=120)
        r.output = r.stdout + r.stderr
        r.flash = flash
        return r

    return run


def _wdt(output):
    line = [x for x in output.splitlines() if x.startswith("wdt feeds=")][0]
    d = dict(kv.split("=") for kv in line.split()[1:])
    return {k: int(v) for k, v in d.items()}


# --- on MicroPython ---------------------------------------------------------------------------
@pytest.mark.parametrize("board,lo,hi", [("esp32", 38, 46), ("picow", 18, 30)])
def test_main_pushes_the_boards_own_sensor(run_board, hub, board, lo, hi):
    r = run_board(board, "main", 6)
    assert r.returncode == 0, r.output
    assert "wifi: connected in" in r.output and "boot: clock already set" in r.output
    assert "main: 6 readings" in r.output and "pending=0 dropped=0 rejected=0" in r.output
    s = hub["initialstate"].streams()
    assert sorted(s) == ["mem_free", "temperature", "wifi_rssi"]
    assert [len(v) for v in s.values()] == [6, 6, 6]
    temps = [v for _, v in s["temperature"]]
    assert all(lo <= t <= hi and isinstance(t, float) for t in temps), temps
    assert all(isinstance(v, int) and 1000 < v < 200000 for _, v in s["mem_free"]), s["mem_free"]
    assert [v for _, v in s["wifi_rssi"]] == [-52] * 6
    w = _wdt(r.output)
    assert w["timeout_ms"] == 8000 and w["feeds"] >= 12
    assert w["max_gap_ms"] < 1000  # fed between steps; a real WDT would never have fired
    assert hub["initialstate"].buckets == {board + "_board": "ESP32 board" if board == "esp32"
                                           else "Pico W board"}


def test_main_keeps_readings_through_server_errors(run_board, hub):
    emu = hub["initialstate"]
    emu.inject(("status", 503), ("reset",))
    r = run_board("esp32", "main", 8)
    assert r.returncode == 0, r.output
    assert "HTTP 503" in r.output and "events kept" in r.output
    s = emu.streams()
    assert [len(s[k]) for k in ("temperature", "mem_free", "wifi_rssi")] == [8, 8, 8]
    assert "pending=0 dropped=0 rejected=0 delivered=24" in r.output


def test_main_without_wifi_buffers_and_says_why(run_board, hub):
    r = run_board("esp32", "main", 3, env={"FAKE_WIFI": "wrong_password"})
    assert r.returncode == 0, r.output
    assert "boot: Wi-Fi: wrong password for 'TestNet' (status -3): check wifi.password in " \
           "config.json; main.py will try again" in r.output
    assert "testpassword" not in r.output
    assert "readings stay buffered" in r.output
    assert "pending=6" in r.output  # temperature + mem_free, 3 readings, nothing lost
    assert hub["initialstate"].events == []


@pytest.mark.parametrize("board", BOARDS)
def test_deep_sleep_example_sends_then_sleeps(run_board, hub, board):
    r = run_board(board, "main_sleep", sleep_s=120)
    assert r.returncode == 0, r.output
    assert "main: 1 delivered; deep sleep for 120 s" in r.output
    assert (r.flash / ".reset").read_text() == "deepsleep 120000"
    assert len(hub["initialstate"].events) == 1


def test_deep_sleep_example_stays_awake_until_delivered(run_board, hub):
    emu = hub["initialstate"]
    emu.inject(("status", 503), ("status", 503))
    r = run_board("esp32", "main_sleep", sleep_s=60)
    assert r.returncode == 0, r.output
    assert "staying awake" in r.output
    n = len(emu.events)
    assert n >= 2 and "main: %d delivered; deep sleep for 60 s" % n in r.output
    assert (r.flash / ".reset").read_text() == "deepsleep 60000"


# --- boot.py on CPython, fake time --------------------------------------------------------------
def _run_boot(board, monkeypatch):
    # as on the board: sensorapp.py beside boot.py; imported afresh with this test's fakes
    monkeypatch.syspath_prepend(os.path.join(ROOT, "boards", "shared"))
    monkeypatch.delitem(sys.modules, "sensorapp", raising=False)
    runpy.run_path(os.path.join(ROOT, "boards", board, "boot.py"), run_name="__main__")
    sys.modules.pop("sensorapp", None)


def _boot(board, tmp_path, monkeypatch, cfg):
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    monkeypatch.chdir(tmp_path)
    _run_boot(board, monkeypatch)


@pytest.fixture
def rp2_or_esp32(monkeypatch):
    """make the fake `machine` look like the board's: rp2 has no SOFT_RESET cause"""
    def pick(board):
        if board == "picow":
            monkeypatch.delattr(sys.modules["machine"], "SOFT_RESET")
    return pick


@pytest.mark.parametrize("board", BOARDS)
def test_boot_gives_up_in_bounded_time(mp, board, tmp_path, monkeypatch, capsys, rp2_or_esp32):
    from iotpush.clock import clock

    rp2_or_esp32(board)
    monkeypatch.setattr(clock, "synced", False)  # power-on: the RTC is not set
    net = sys.modules["network"]
    net.WLAN.fail_status = net.STAT_NO_AP_FOUND
    t0 = mp.clock.ms
    _boot(board, tmp_path, monkeypatch, board_config(board, "http://127.0.0.1:9/api"))
    out = capsys.readouterr().out
    assert out.count("wifi: connecting to 'TestNet'") == 3
    assert "boot: Wi-Fi: could not join 'TestNet' after 3 tries: network not found" in out
    assert "main.py will try again" in out
    assert mp.clock.ms - t0 == 2000 + 4000  # the backoff only: failures were reported at once


@pytest.mark.parametrize("board", BOARDS)
def test_boot_sets_the_clock_by_ntp_when_unset(mp, board, tmp_path, monkeypatch, capsys,
                                               rp2_or_esp32):
    import types

    from iotpush.clock import clock

    rp2_or_esp32(board)
    calls = []
    ntp = types.ModuleType("ntptime")
    ntp.settime = lambda: calls.append((ntp.host, ntp.timeout))
    monkeypatch.setitem(sys.modules, "ntptime", ntp)
    monkeypatch.setattr(clock, "synced", False)
    monkeypatch.setattr(clock, "resync", lambda: setattr(clock, "synced", True))
    cfg = board_config(board, "http://127.0.0.1:9/api")
    cfg["ntp"] = {"host": "ntp.example", "timeout_s": 3}
    _boot(board, tmp_path, monkeypatch, cfg)
    out = capsys.readouterr().out
    assert calls == [("ntp.example", 3)] and "boot: clock set by NTP: <Clock" in out


def test_boot_leaves_the_network_alone_after_a_soft_reset(mp, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys.modules["machine"], "reset_cause", lambda: 5)
    _boot("esp32", tmp_path, monkeypatch, board_config("esp32", "http://127.0.0.1:9/api"))
    assert capsys.readouterr().out == "boot: soft reset: Wi-Fi and NTP left to main.py\n"
    assert sys.modules["network"].WLAN.ifaces.get(0) is None  # never touched


def test_picow_boot_detects_a_soft_reset_by_its_clock(mp, tmp_path, monkeypatch, capsys,
                                                      rp2_or_esp32):
    # rp2 has no SOFT_RESET cause and reports PWRON_RESET; a set clock means no power cycle
    rp2_or_esp32("picow")
    assert not hasattr(sys.modules["machine"], "SOFT_RESET")
    _boot("picow", tmp_path, monkeypatch, board_config("picow", "http://127.0.0.1:9/api"))
    assert "soft reset: Wi-Fi and NTP left to main.py" in capsys.readouterr().out


def test_boot_reports_a_broken_config(mp, tmp_path, monkeypatch, capsys):
    (tmp_path / "config.json").write_text('{"wifi": {"ssid": "<your Wi-Fi name>"}}')
    monkeypatch.chdir(tmp_path)
    _run_boot("esp32", monkeypatch)
    out = capsys.readouterr().out
    assert out == ("boot: config.json: wifi.ssid still holds the template's placeholder: put "
                   "your own value there; main.py will try again\n")


# --- static checks ------------------------------------------------------------------------------
@pytest.mark.parametrize("board", BOARDS)
def test_board_files_type_check_against_the_boards_stubs(board):
    files = ["boards/%s/%s" % (board, f) for f in ("boot.py", "main.py", "main_sleep.py")]
    files.append("boards/shared/sensorapp.py")
    r = subprocess.run([sys.executable, "-m", "mypy", "--config-file", "mypy-%s.ini" % board, *files],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("board", BOARDS)
def test_config_template_has_placeholders_not_keys(mp, board):
    from iotpush import config

    with open(os.path.join(ROOT, "boards", board, "config.json")) as f:
        text = f.read()
    cfg = config.parse(text)
    for path in ("wifi.ssid", "wifi.password", "initialstate.access_key"):
        with pytest.raises(config.ConfigError, match="placeholder"):
            cfg.get(path, str)
    assert "ist_" not in text.replace("ist_...", "")
    with pytest.raises(config.ConfigError, match="initialstate.access_key still holds"):
        config.service(cfg)


def test_manifest_freezes_exactly_lib(tmp_path):
    """Runs the manifests with stand-ins for the firmware build's manifest functions (include
    resolves relative to the including manifest, package() relative to base_path)."""
    calls = []

    def run_manifest(path):
        path = os.path.abspath(path)
        here = os.path.dirname(path)

        def include(p):
            if p.startswith("$(PORT_DIR)"):
                calls.append(("include-port", p))
                return
            run_manifest(os.path.join(here, p))

        def package(name, files=None, base_path=".", opt=None):
            calls.append(("package", os.path.normpath(os.path.join(here, base_path, name)), opt))

        g = {"include": include, "package": package, "require": lambda *a, **k: calls.append(a),
             "metadata": lambda **k: calls.append(("metadata", k["version"])),
             "module": lambda *a, **k: calls.append(("module",) + a)}
        with open(path) as f:
            exec(f.read(), g)

    run_manifest(os.path.join(ROOT, "boards", "esp32", "manifest.py"))
    from tools import package_json

    assert ("include-port", "$(PORT_DIR)/boards/manifest.py") in calls
    assert ("metadata", package_json.VERSION) in calls
    pkgs = [c for c in calls if c[0] == "package"]
    assert pkgs == [("package", os.path.join(ROOT, "lib", "iotpush"), 3)]
    calls.clear()
    run_manifest(os.path.join(ROOT, "boards", "picow", "manifest.py"))
    assert [c for c in calls if c[0] == "package"] == pkgs
