"""A stand-in board for mpremote: the MicroPython unix port behind a pseudo-terminal that behaves
like a board's USB serial port, so `make deploy` and `mpremote` can be tried without hardware.

    python -m tools.fakeboard [--flash DIR] [--link PATH] [--heap 64wK] [--lifetime 600]

- Its "flash" is a host folder (the interpreter's working directory); `lib/` in it is on the
  path as on a board (sys.path: '', .frozen, lib), then the fakes of board-only modules
  (tests/mp_lib: machine, network, esp32, ntptime).
- Power-on and hard reset (machine.reset(), deep sleep): boot.py, then main.py, then the REPL.
  A soft reset (Ctrl-D) ends the unix interpreter; the board starts a new one, prints
  "soft reboot" as a board does, runs boot.py (and main.py when in the friendly REPL) and returns
  to the raw REPL if that is where mpremote was. machine.reset_cause() tells which it was.
- Ctrl-C interrupts a running program (the interpreter's pty keeps ISIG while code runs);
  output line ends become \\r\\n as a board's are.
- It binds nothing on the network, and stops by itself after `lifetime` seconds.
"""
import argparse
import fcntl
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile
import termios
import threading
import time
import tty

from tools import mprun, mpy_build

PWRON, HARD, DEEPSLEEP, SOFT = 1, 2, 4, 5

# Run by the interpreter at start (-c, then -i: the REPL). Like a board: boot.py, then main.py
# unless in the raw REPL; each in the REPL's namespace; an error prints its traceback and the
# board goes on to the REPL. No names are left behind.
_LAUNCH = """
for _f in %r:
    try:
        open(_f).close()
    except OSError:
        continue
    try:
        exec(compile(open(_f).read(), _f, "exec"), globals())
    except (Exception, KeyboardInterrupt) as _e:
        __import__("sys").print_exception(_e)
del _f
"""


def _set_ctty():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class FakeBoard:
    """The stand-in board. start() -> self; .port is the serial device to give mpremote."""

    def __init__(self, flash, heap="64wK", lifetime=600, link=None, env=None, log=None):
        self.flash = os.path.abspath(flash)
        self.heap = heap
        self.lifetime = lifetime
        self.link = link
        self.env = dict(os.environ if env is None else env)
        self.log = log  # file object: everything the board printed (for tests), or None
        self.port = None
        self.restarts = 0
        self._proc = None
        self._child = None  # master fd of the interpreter's pty
        self._host = None  # master fd of the port mpremote opens
        self._tty = None
        self._raw = False
        self._out = bytearray()
        self._cr = False
        self._stop = threading.Event()
        self._thread = None
        self._dir = tempfile.mkdtemp(prefix="fakeboard-")
        self._marker = os.path.join(self._dir, "reset")
        self._wake_at = 0.0
        self.max_sleep = 5.0

    # --- life cycle ---------------------------------------------------------------------------
    def start(self):
        os.makedirs(self.flash, exist_ok=True)
        mpy_build.build(mprun.MP_LIB_MPY, mprun.MP_LIB)
        self._host, slave = pty.openpty()
        tty.setraw(slave)
        self.port = self._tty = os.ttyname(slave)
        os.close(slave)  # mpremote opens it by name; while nobody has it open, output is dropped
        os.set_blocking(self._host, False)
        if self.link:
            if os.path.lexists(self.link):
                os.remove(self.link)
            os.symlink(self.port, self.link)
            self.port = self.link
        self._spawn(PWRON)
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._kill()
        if self._host is not None:
            os.close(self._host)
            self._host = None
        if self.link and os.path.islink(self.link) and os.readlink(self.link) == self._tty:
            os.remove(self.link)  # only our own: another stand-in may have taken the name since
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def alive(self):
        return self._thread is not None and self._thread.is_alive()

    # --- the interpreter ----------------------------------------------------------------------
    def _spawn(self, cause):
        master, slave = pty.openpty()
        tty.setraw(slave)
        a = termios.tcgetattr(slave)
        a[3] |= termios.ISIG  # Ctrl-C while code runs -> SIGINT -> KeyboardInterrupt
        termios.tcsetattr(slave, termios.TCSANOW, a)
        files = ("boot.py",) if self._raw else ("boot.py", "main.py")
        env = dict(self.env)
        env["MICROPYPATH"] = ":".join((".frozen", "lib", mprun.MP_LIB_MPY))
        env["FAKEBOARD_RESET_CAUSE"] = str(cause)
        env["FAKEBOARD_MARKER"] = self._marker
        if os.path.exists(self._marker):
            os.remove(self._marker)
        self._proc = subprocess.Popen(
            [mprun.micropython(), "-X", "heapsize=" + self.heap, "-i", "-c", _LAUNCH % (files,)],
            cwd=self.flash, env=env, stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True, preexec_fn=_set_ctty, close_fds=True)
        os.close(slave)
        self._child = master
        if self._raw:
            os.write(master, b"\x01")  # back to the raw REPL once boot.py is done

    def _kill(self):
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(5)
        if self._child is not None:
            os.close(self._child)
            self._child = None

    def _restart(self, why=""):
        self._kill()
        if not why and os.path.exists(self._marker):
            with open(self._marker) as f:
                why = f.read()
        if why.startswith("deepsleep"):
            # asleep: unreachable, as a board whose USB went away; wakes after the time asked
            # (at most max_sleep s, so that a demo does not stall)
            ms = int(why.split()[1] or 0)
            self._wake_at = time.monotonic() + min(ms / 1000, self.max_sleep)
            self._emit(b"\r\n[fake board] deep sleep %d ms\r\n" % ms)
            return
        if why == "wake":
            cause, self._raw, msg = DEEPSLEEP, False, b"[fake board] wake from deep sleep\r\n"
        elif why == "reset":
            cause, self._raw, msg = HARD, False, b"\r\n[fake board] hard reset\r\n"
        else:
            cause, msg = SOFT, b"MPY: soft reboot\r\n"
        self.restarts += 1
        self._emit(msg)
        self._spawn(cause)

    # --- the wire -----------------------------------------------------------------------------
    def _emit(self, data):
        """Child output to the host, with bare \\n made \\r\\n (as a board's stdout does)."""
        if self.log is not None:
            self.log.write(data)
            self.log.flush()
        out = bytearray()
        for b in data:
            if b == 10 and not self._cr:
                out += b"\r"
            out.append(b)
            self._cr = b == 13
        self._out += out
        if len(self._out) > 1 << 18:  # nobody reading: keep the newest 256 KB
            del self._out[: len(self._out) - (1 << 18)]

    def _from_host(self, data):
        for b in data:
            if b == 1:
                self._raw = True
            elif b == 2:
                self._raw = False
        os.write(self._child, data)

    def _pump(self):
        end = time.monotonic() + self.lifetime if self.lifetime else None
        host_open = True
        while not self._stop.is_set():
            if end is not None and time.monotonic() > end:
                break
            if self._child is None:  # in deep sleep
                time.sleep(0.05)
                if time.monotonic() >= self._wake_at:
                    self._restart("wake")
                continue
            rd = [self._child]
            if host_open:
                rd.append(self._host)
            wr = [self._host] if (self._out and host_open) else []
            try:
                r, w, _ = select.select(rd, wr, [], 0.05)
            except (OSError, ValueError):
                break
            if not host_open:  # poll for mpremote opening the port again
                try:
                    data = os.read(self._host, 4096)
                    host_open = True
                    if data:
                        self._from_host(data)
                except BlockingIOError:
                    host_open = True
                except OSError:
                    self._out.clear()  # no one there: a board's USB output is lost too
            if self._child in r:
                try:
                    data = os.read(self._child, 4096)
                except OSError:
                    data = b""
                if data:
                    self._emit(data)
                else:
                    self._restart()
                    continue
            if self._host in r:
                try:
                    data = os.read(self._host, 4096)
                except BlockingIOError:
                    data = None
                except OSError:  # the port was closed by mpremote
                    host_open = False
                    data = None
                if data:
                    self._from_host(data)
            if self._host in w and self._out:
                try:
                    n = os.write(self._host, bytes(self._out[:4096]))
                    del self._out[:n]
                except BlockingIOError:
                    pass
                except OSError:
                    host_open = False
        self._stop.set()
        self._kill()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flash", default=os.path.join(mpy_build.ROOT, "build", "fakeboard"),
                    help="the board's file system (a host folder; default build/fakeboard)")
    ap.add_argument("--link", default=os.path.join(mpy_build.ROOT, "build", "ttyFAKE"),
                    help="a stable name for the port (default build/ttyFAKE)")
    ap.add_argument("--heap", default="64wK", help="heap size: 64wK = 64 KB on a 32-bit board")
    ap.add_argument("--lifetime", type=float, default=600, help="seconds before it stops itself")
    a = ap.parse_args(argv)
    os.makedirs(os.path.dirname(os.path.abspath(a.link)), exist_ok=True)
    b = FakeBoard(a.flash, a.heap, a.lifetime, a.link).start()
    print("fake board on %s (flash: %s); stops after %d s or Ctrl-C" % (
        os.path.relpath(b.port), os.path.relpath(b.flash), a.lifetime), flush=True)
    print("try: .venv/bin/mpremote connect %s repl" % os.path.relpath(b.port), flush=True)
    try:
        while b.alive:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    b.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
