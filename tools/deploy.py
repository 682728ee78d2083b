"""Put iotpush, a board folder and config.json onto a board with mpremote.

    make deploy PORT=/dev/ttyUSB0 BOARD=esp32            # or BOARD=picow, PORT=/dev/ttyACM0
    python -m tools.deploy --port PORT --board esp32 [--config config.json] [--main sleep]
                           [--dry-run] [--no-reset]

Steps: check config.json (before anything touches the board), ask the board for its .mpy
version and platform, compile lib/ with mpy-cross for that version, then in one mpremote
session: remove the old /lib/iotpush, copy the compiled library to /lib/iotpush, boot.py,
main.py (or main_sleep.py as main.py) and config.json to /, and reset the board so it starts.
Every mpremote command is printed before it runs; --dry-run prints them and runs none.
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys
import time

from tools import mpy_build

ROOT = mpy_build.ROOT
PLATFORMS = {"esp32": "esp32", "picow": "rp2"}
EXAMPLES = {"main": "main.py", "sleep": "main_sleep.py"}
_PROBE = 'import sys; print("IOTPUSH-PROBE", sys.platform, getattr(sys.implementation, "_mpy", 0))'
_CLEAN = """import os
def rm(p):
    try:
        d = os.stat(p)[0] & 0x4000
    except OSError:
        return
    if d:
        for n in os.listdir(p):
            rm(p + "/" + n)
        os.rmdir(p)
    else:
        os.remove(p)
rm("lib/iotpush")
for d in (%s,):
    try:
        os.mkdir(d)
    except OSError:
        pass"""


class DeployError(Exception):
    """Refused before (or while) touching the board; the message says what to do."""


def mpremote():
    exe = os.path.join(os.path.dirname(sys.executable), "mpremote")
    return exe if os.path.exists(exe) else shutil.which("mpremote") or "mpremote"


def rel(p):
    """p relative to the current directory when it is below it (shorter commands to print)."""
    r = os.path.relpath(p)
    return p if r.startswith("..") else r


def check_config(path, board):
    """Check config.json on the host with the library's own loader: the board would only say
    the same after a reset, without a screen."""
    if not os.path.exists(path):
        raise DeployError(
            "no %s: copy the template and fill it in (it is git-ignored):\n"
            "    cp boards/%s/config.json config.json" % (path, board))
    sys.path.insert(0, os.path.join(ROOT, "lib"))
    try:
        from iotpush import config  # plain Python: runs on CPython as well
    finally:
        sys.path.pop(0)
    try:
        with open(path) as f:
            cfg = config.parse(f.read(), os.path.basename(path))
        cfg.get("wifi.ssid", str, lo=1, hi=32)
        cfg.get("wifi.password", str)
        name = cfg.get("service", str)
        sect = cfg.get(name, dict)
        for k in sect:
            if k[:1] != "_":
                cfg.get(name + "." + k)
        if not os.path.exists(os.path.join(ROOT, "lib", "iotpush", "services", name + ".py")):
            raise config.ConfigError("%s: service %r: iotpush has no such service (lib/iotpush/"
                                     "services)" % (os.path.basename(path), name))
    except config.ConfigError as e:
        raise DeployError(str(e))
    return cfg


def check_port(port):
    if not port:
        raise DeployError("no port given: make deploy PORT=/dev/ttyUSB0 BOARD=esp32 (find the "
                          "port with `ls /dev/ttyUSB* /dev/ttyACM*` or `.venv/bin/mpremote devs`)")
    if not os.path.exists(port):
        raise DeployError(
            "no board at %s (that port does not exist). Plug the board in with a USB cable that "
            "carries data; an ESP32 usually shows up as /dev/ttyUSB0 or /dev/ttyACM0, a Pico W as "
            "/dev/ttyACM0 (`ls /dev/ttyUSB* /dev/ttyACM*`, or `.venv/bin/mpremote devs`)" % port)
    if not os.access(port, os.R_OK | os.W_OK):
        raise DeployError("no permission to open %s: add yourself to its group (often dialout: "
                          "sudo usermod -aG dialout $USER, then log in again)" % port)


def mpy_args(mpy):
    """mpy-cross arguments for a board's sys.implementation._mpy, or None to copy .py files."""
    ver = mpy & 0xFF
    if ver == 6:  # MicroPython >= 1.19; bytecode-only files load on every 6.x
        return []
    if ver == 5:  # 1.12 .. 1.18
        return ["-b", "5"]
    return None


class Deploy:
    def __init__(self, port, board, config="config.json", main="main", dry_run=False,
                 reset=True, out=sys.stdout):
        self.port, self.board, self.config = port, board, config
        self.main, self.dry_run, self.reset, self.out = main, dry_run, reset, out
        self.commands = []

    def say(self, *a):
        print(*a, file=self.out, flush=True)

    def run(self, args, capture=False):
        cmd = [mpremote(), "connect", self.port] + args
        shown = [rel(cmd[0])] + cmd[1:]
        self.commands.append(cmd)
        self.say("$ " + shlex.join(shown))
        if self.dry_run:
            return ""
        r = subprocess.run(cmd, stdout=subprocess.PIPE if capture else None, text=True,
                           timeout=120)
        if r.returncode:
            raise DeployError("mpremote failed (exit %d) on the command above; is the board "
                              "busy in another terminal (mpremote repl, screen, Thonny)?"
                              % r.returncode)
        return r.stdout or ""

    def go(self):
        t0 = time.time()
        folder = os.path.join(ROOT, "boards", self.board)
        if self.board not in PLATFORMS or not os.path.isdir(folder):
            raise DeployError("unknown board %r: BOARD=esp32 or BOARD=picow" % self.board)
        if self.main not in EXAMPLES:
            raise DeployError("unknown example %r: MAIN=main or MAIN=sleep" % self.main)
        self.say("[1/4] checking %s" % self.config)
        check_config(self.config, self.board)
        if self.dry_run:
            if not self.port or not os.path.exists(self.port):
                self.say("      (dry run: port %s is not there now)" % (self.port or "-"))
        else:
            check_port(self.port)
        self.say("[2/4] asking the board for its .mpy version")
        text = self.run(["exec", _PROBE], capture=True)
        if self.dry_run:
            platform, mpy = PLATFORMS[self.board], 6
            self.say("      (dry run: assuming %s with .mpy v6, MicroPython >= 1.19)" % platform)
        else:
            line = [x for x in text.splitlines() if x.startswith("IOTPUSH-PROBE")]
            if not line:
                raise DeployError("the board did not answer the probe: %r" % text[-200:])
            _, platform, mpy_s = line[0].split()
            mpy = int(mpy_s)
            self.say("      %s, .mpy v%d.%d" % (platform, mpy & 0xFF, mpy >> 8 & 3))
            if platform != PLATFORMS[self.board] and platform != "linux":
                other = [b for b, p in PLATFORMS.items() if p == platform]
                raise DeployError("the board at %s is %s, not %s: use BOARD=%s" % (
                    self.port, platform, self.board, other[0] if other else "?"))
            if platform == "linux":
                self.say("      (the unix port: a stand-in board, tools/fakeboard.py)")
        extra = mpy_args(mpy)
        if extra is None:
            src, what = os.path.join(ROOT, "lib", "iotpush"), "source (.py: old firmware)"
            self.say("[3/4] this firmware takes no .mpy v5/v6: copying .py files (update "
                     "MicroPython to >= 1.19 to save tens of KB of RAM)")
        else:
            out = os.path.join(ROOT, "build", "deploy", "mpy-v%d" % (mpy & 0xFF))
            self.say("[3/4] compiling lib/ with %s%s -> %s" % (
                rel(mpy_build.mpy_cross()), "".join(" " + a for a in extra), rel(out)))
            files = mpy_build.build(out, extra_args=extra)
            src, what = os.path.join(out, "iotpush"), "%d .mpy files" % len(files)
        main_src = os.path.join(folder, EXAMPLES[self.main])
        ex = "main.py" if self.main == "main" else EXAMPLES[self.main] + " as main.py"
        self.say("[4/4] copying iotpush (%s), boot.py, %s, %s" % (
            what, ex, os.path.basename(self.config)))
        groups = {}  # board folder -> files, so that mpremote prints one line per file
        for d, _, fs in sorted(os.walk(src)):
            dest = "lib/iotpush" + d[len(src):].replace(os.sep, "/")
            groups[dest] = [rel(os.path.join(d, f)) for f in sorted(fs)
                            if f.endswith(".mpy" if extra is not None else ".py")]
        args = ["exec", _CLEAN % ", ".join('"%s"' % d for d in ("lib",) + tuple(groups))]
        for dest, fs in groups.items():
            if fs:
                args += ["+", "fs", "cp", *fs, ":" + dest + "/"]
        shared = os.path.join(ROOT, "boards", "shared")
        for f in sorted(os.listdir(shared)):
            if f.endswith(".py"):
                args += ["+", "fs", "cp", rel(os.path.join(shared, f)), ":" + f]
        args += ["+", "fs", "cp", rel(os.path.join(folder, "boot.py")), ":boot.py",
                "+", "fs", "cp", rel(main_src), ":main.py",
                "+", "fs", "cp", rel(self.config), ":config.json"]
        if self.reset:
            args += ["+", "reset"]
        self.run(args)
        if self.dry_run:
            self.say("dry run: nothing was copied")
            return
        self.say("done in %.1f s. The board %s boot.py (Wi-Fi, clock), then main.py." % (
            time.time() - t0, "now runs" if self.reset else "runs, at its next reset,"))
        self.say("Watch it: %s connect %s repl   (Ctrl-C stops main.py, Ctrl-D restarts it, "
                 "Ctrl-] leaves)" % (rel(mpremote()), self.port))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--port", default="", help="the board's serial port, e.g. /dev/ttyUSB0")
    ap.add_argument("--board", default="esp32", help="esp32 or picow (a folder in boards/)")
    ap.add_argument("--config", default="config.json", help="your filled-in config.json")
    ap.add_argument("--main", default="main", help="main (a loop) or sleep (deep sleep example)")
    ap.add_argument("--dry-run", action="store_true", help="print the mpremote commands only")
    ap.add_argument("--no-reset", action="store_true", help="do not reset the board at the end")
    a = ap.parse_args(argv)
    try:
        Deploy(a.port, a.board, a.config, a.main, a.dry_run, not a.no_reset).go()
    except DeployError as e:
        print("deploy: %s" % e, file=sys.stderr)
        print("deploy: nothing was copied" if "mpremote failed" not in str(e) else
              "deploy: stopped; run it again once the cause is fixed", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
