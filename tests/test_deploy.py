"""tools/deploy (make deploy) and installing with mip, end to end without a board: the stand-in
board (tools/fakeboard.py: the MicroPython unix port behind a pty, restarted on soft reset)
takes mpremote's commands as a board does. Also the dry run and the refusals."""
import json
import os
import shlex
import subprocess
import sys
import time

import pytest

from tools import deploy, mpy_build
from tools.fakeboard import FakeBoard

ROOT = mpy_build.ROOT
EMU_KEY = "ist_TESTACCESSKEY0000000000000000"
LIB_FILES = sorted(mpy_build.sources())  # iotpush/... .py


def write_config(path, board="esp32", base_url="http://127.0.0.1:9/initialstate/api", **top):
    with open(os.path.join(ROOT, "boards", board, "config.json")) as f:
        cfg = json.load(f)
    cfg["wifi"].update(ssid="TestNet", password="testpassword")
    cfg["initialstate"].update(access_key=EMU_KEY, base_url=base_url)
    cfg.update(interval_s=0.3, **top)
    path.write_text(json.dumps(cfg, indent=1))
    return str(path)


def make(*args, timeout=120):
    r = subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True,
                       text=True, timeout=timeout)
    r.output = r.stdout + r.stderr
    return r


def mpremote(port, *args, timeout=60):
    r = subprocess.run([deploy.mpremote(), "connect", port, *args], cwd=ROOT, capture_output=True,
                       text=True, timeout=timeout)
    r.output = r.stdout + r.stderr
    return r


def commands(output):
    """The commands printed as `$ <shell words>` (a quoted argument may span lines)."""
    out, buf = [], None
    for line in output.splitlines():
        if buf is None and not line.startswith("$ "):
            continue
        buf = line[2:] if buf is None else buf + "\n" + line
        try:
            out.append(shlex.split(buf))
            buf = None
        except ValueError:  # inside a quoted, multi-line argument
            pass
    return out


@pytest.fixture
def board(tmp_path):
    log = open(tmp_path / "board.log", "wb")
    b = FakeBoard(tmp_path / "flash", link=str(tmp_path / "ttyFAKE"), lifetime=120, log=log)
    b.start()
    yield b
    b.stop()
    log.close()


def test_dry_run_prints_the_exact_commands(tmp_path):
    cfg = write_config(tmp_path / "config.json")
    r = make("deploy", "PORT=/dev/ttyNOPE", "BOARD=picow", "CONFIG=" + cfg, "MAIN=sleep", "DRY_RUN=1")
    assert r.returncode == 0, r.output
    assert "dry run: port /dev/ttyNOPE is not there now" in r.output
    assert r.output.rstrip().endswith("dry run: nothing was copied")
    probe, copy = commands(r.output)
    assert probe[:4] == [deploy.rel(deploy.mpremote()), "connect", "/dev/ttyNOPE", "exec"]
    assert copy[:4] == probe[:3] + ["exec"]
    # every compiled library file goes to its place in /lib/iotpush, one mpremote line each
    chain = " ".join(copy)
    for rel in LIB_FILES:
        src = "build/deploy/mpy-v6/iotpush/" + rel[len("iotpush/"):-3] + ".mpy"
        assert os.path.exists(os.path.join(ROOT, src)), src
        assert src in copy
    parts = [p.split() for p in chain.split(" + ")]
    dests = {p[-1]: p[2:-1] for p in parts if p[:2] == ["fs", "cp"]}
    assert sorted(d[len(":lib/"):] + f.rsplit("/", 1)[1] for d, fs in dests.items()
                  if d.startswith(":lib/iotpush/") for f in fs) == sorted(
        rel[:-3] + ".mpy" for rel in LIB_FILES)
    assert dests[":boot.py"] == ["boards/picow/boot.py"]
    assert dests[":main.py"] == ["boards/picow/main_sleep.py"]
    assert dests[":config.json"] == [deploy.rel(cfg)]
    assert parts[-1] == ["reset"]


def test_refuses_a_missing_port_before_touching_anything(tmp_path):
    cfg = write_config(tmp_path / "config.json")
    r = make("deploy", "PORT=/dev/ttyNOPE", "BOARD=esp32", "CONFIG=" + cfg)
    assert r.returncode != 0
    assert "deploy: no board at /dev/ttyNOPE (that port does not exist). Plug the board in" in r.output
    assert "deploy: nothing was copied" in r.output and "$ " not in r.output
    r = make("deploy", "PORT=", "BOARD=esp32", "CONFIG=" + cfg)
    assert "deploy: no port given: make deploy PORT=/dev/ttyUSB0 BOARD=esp32" in r.output


def test_refuses_an_unfilled_config(tmp_path):
    r = make("deploy", "PORT=/dev/ttyNOPE", "BOARD=esp32",
             "CONFIG=" + os.path.join(ROOT, "boards", "esp32", "config.json"))
    assert r.returncode != 0
    assert "deploy: config.json: wifi.ssid still holds the template's placeholder" in r.output
    r = make("deploy", "PORT=/dev/ttyNOPE", "BOARD=esp32", "CONFIG=" + str(tmp_path / "none.json"))
    assert "deploy: no " in r.output and "cp boards/esp32/config.json config.json" in r.output
    cfg = write_config(tmp_path / "c.json", service="nosuch", nosuch={"key": "x"})
    r = make("deploy", "PORT=/dev/ttyNOPE", "BOARD=esp32", "CONFIG=" + cfg)
    assert "service 'nosuch': iotpush has no such service" in r.output


def test_refuses_a_board_of_another_kind(tmp_path, monkeypatch, capsys):
    cfg = write_config(tmp_path / "config.json")
    d = deploy.Deploy(str(tmp_path / "config.json"), "esp32", cfg)
    monkeypatch.setattr(deploy, "check_port", lambda port: None)
    monkeypatch.setattr(d, "run", lambda args, capture=False: "IOTPUSH-PROBE rp2 2822\n")
    with pytest.raises(deploy.DeployError, match="is rp2, not esp32: use BOARD=picow"):
        d.go()
    assert deploy.mpy_args(2822) == [] and deploy.mpy_args(5) == ["-b", "5"]
    assert deploy.mpy_args(4) is None


def test_deploy_onto_the_stand_in_board_then_run_the_example(tmp_path, board, hub):
    emu = hub["initialstate"]
    cfg = write_config(tmp_path / "config.json", base_url=hub.base("initialstate") + "/api")
    r = make("deploy", "PORT=" + board.port, "BOARD=esp32", "CONFIG=" + cfg)
    assert r.returncode == 0, r.output
    assert ".mpy v6.3" in r.output and "done in" in r.output
    for rel in LIB_FILES:  # the library, compiled, in /lib as on a board
        assert os.path.exists(os.path.join(board.flash, "lib", rel[:-3] + ".mpy")), rel
    assert not any(f.endswith(".py") for _, _, fs in os.walk(os.path.join(board.flash, "lib"))
                   for f in fs)
    with open(os.path.join(board.flash, "main.py")) as f, \
            open(os.path.join(ROOT, "boards", "esp32", "main.py")) as g:
        assert f.read() == g.read()
    # the commands run are the ones the dry run shows
    dry = make("deploy", "PORT=" + board.port, "BOARD=esp32", "CONFIG=" + cfg, "DRY_RUN=1")
    assert commands(dry.output) == commands(r.output)
    # after the reset the board runs boot.py and main.py by itself and data arrives
    deadline = time.time() + 20
    while time.time() < deadline and len(emu.streams().get("temperature", [])) < 3:
        time.sleep(0.2)
    assert len(emu.streams().get("temperature", [])) >= 3, open(board.log.name, "rb").read()[-2000:]
    boot_log = open(board.log.name, "rb").read().decode("utf-8", "replace")  # + file data
    assert "[fake board] hard reset" in boot_log and "wifi: connected in" in boot_log
    # and at the REPL: import the deployed library and run the example for two readings
    r = mpremote(board.port, "exec", "import iotpush, main; print(iotpush.__file__); main.run(2)")
    assert r.returncode == 0, r.output
    assert "lib/iotpush/__init__.mpy" in r.output
    assert "main: 2 readings, <Streamer initialstate pending=0" in r.output


def test_mip_installs_a_working_library_from_the_local_package_json(board, hub):
    r = mpremote(board.port, "mip", "install", "--target", "lib", "package.json")
    assert r.returncode == 0, r.output
    for rel in LIB_FILES:
        with open(os.path.join(board.flash, "lib", rel), "rb") as f, \
                open(os.path.join(ROOT, "lib", rel), "rb") as g:
            assert f.read() == g.read(), rel
    code = ("from iotpush import Streamer\n"
            "from iotpush.services.initialstate import InitialState\n"
            "st = Streamer(InitialState(%r, 'mip', base_url=%r))\n"
            "st.log('x', 1.25)\n"
            "print('delivered', st.flush(), st)\n") % (EMU_KEY, hub.base("initialstate") + "/api")
    r = mpremote(board.port, "exec", code)
    assert r.returncode == 0, r.output
    assert "delivered 1 <Streamer initialstate pending=0" in r.output
    assert [(e["key"], e["value"]) for e in hub["initialstate"].events] == [("x", 1.25)]


def test_fakeboard_soft_reset_and_ctrl_c_behave_like_a_board(board):
    with open(os.path.join(board.flash, "main.py"), "w") as f:
        f.write("import time\nn = 0\nwhile True:\n    n += 1\n    time.sleep_ms(20)\n")
    r = mpremote(board.port, "reset")
    assert r.returncode == 0, r.output
    time.sleep(0.5)
    # resume: no soft reset; Ctrl-C interrupts main.py and its globals are there
    r = mpremote(board.port, "resume", "exec", "import machine; print(n > 5, machine.reset_cause())")
    assert r.output.strip() == "True 2", r.output
    r = mpremote(board.port, "exec", "import machine; print(machine.reset_cause())")
    assert r.output.strip() == "5", r.output  # mpremote's soft reset: main.py did not run
    assert board.restarts >= 2
