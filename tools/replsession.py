"""The README's REPL session, with its real output: typed line by line into `mpremote repl` on
the stand-in board (tools/fakeboard.py) with the library deployed and the dev server running.

    python -m tools.replsession          # run the session, rewrite README.md's block
    python -m tools.replsession --check  # run it, exit 1 if README.md's output differs

The session's input lines are the `>>> ` lines inside README.md's block between
<!-- repl-session --> and <!-- /repl-session -->. Numbers that change from run to run (ports,
times, line numbers, random backoff) are ignored by --check.
"""
import json
import os
import pty
import re
import select
import shutil
import sys
import tempfile
import time

from tools import deploy, devserver, mpy_build
from tools.emulators.initialstate import ACCESS_KEY
from tools.fakeboard import FakeBoard

ROOT = mpy_build.ROOT
README = os.path.join(ROOT, "README.md")
BEGIN, END = "<!-- repl-session -->", "<!-- /repl-session -->"
PROMPT = b"\n>>> "


def block(text):
    """(start, end) character offsets of the code block between the markers."""
    a = text.index(BEGIN) + len(BEGIN)
    b = text.index(END)
    return a, b


def inputs(text):
    a, b = block(text)
    return [line[4:] for line in text[a:b].splitlines() if line.startswith(">>> ")]


def _read_until(fd, marker, timeout):
    buf = b""
    end = time.time() + timeout
    while not buf.endswith(marker):
        left = end - time.time()
        if left <= 0:
            raise TimeoutError("no %r from the board; got %r" % (marker, buf[-300:]))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            buf += data
    return buf


def _board_files(flash, base_url):
    """The stand-in board's flash: the library compiled as `make deploy` compiles it, and a
    config.json for the local dev server (a newcomer has their own)."""
    out = mpy_build.build(os.path.join(ROOT, "build", "deploy", "mpy-v6"))
    src = os.path.join(ROOT, "build", "deploy", "mpy-v6", "iotpush")
    shutil.copytree(src, os.path.join(flash, "lib", "iotpush"))
    with open(os.path.join(ROOT, "boards", "esp32", "config.json")) as f:
        cfg = json.load(f)
    cfg["wifi"].update(ssid="MyNetwork", password="my-wifi-password")
    cfg["initialstate"].update(access_key=ACCESS_KEY, base_url=base_url, bucket_key="repl_test",
                               bucket_name="REPL test")
    with open(os.path.join(flash, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    return out


def run(lines, port=8321):
    """Type `lines` into `mpremote repl`; returns the transcript (str, '\\n' line ends)."""
    work = tempfile.mkdtemp(prefix="replsession-")
    hub = devserver.start("127.0.0.1", port, lifetime=120, fallback=True)
    board = FakeBoard(os.path.join(work, "flash"), link=os.path.join(work, "ttyACM0"), lifetime=120)
    try:
        os.makedirs(board.flash)
        _board_files(board.flash, hub.base("initialstate") + "/api")
        board.start()
        pid, fd = pty.fork()
        if pid == 0:  # the child: mpremote's REPL on a terminal, as a person runs it
            os.execv(deploy.mpremote(), [deploy.mpremote(), "connect", board.port, "repl"])
        try:
            _read_until(fd, b"exit this shell\r\n", 20)
            os.write(fd, b"\r")
            _read_until(fd, PROMPT, 20)
            out = []
            for line in lines:
                os.write(fd, line.encode() + b"\r")
                got = _read_until(fd, PROMPT, 30)
                text = got.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "")
                echo, _, rest = text.partition("\n")
                assert echo == line, (echo, line)
                out.append(">>> " + line)
                body = rest[: -len(">>> ")].rstrip("\n")
                if body:
                    out.append(body)
            return "\n".join(out) + "\n"
        finally:
            os.write(fd, b"\x1d")  # Ctrl-]: leave mpremote
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            os.close(fd)
    finally:
        board.stop()
        hub.stop()
        shutil.rmtree(work, ignore_errors=True)


def normalize(transcript):
    """What --check compares: numbers (ports, times, line numbers, backoff) masked."""
    return re.sub(r"\d+", "0", transcript)


def main(argv):
    with open(README) as f:
        text = f.read()
    got = run(inputs(text))
    a, b = block(text)
    new = text[:a] + "\n```\n" + got + "```\n" + text[b:]
    if "--check" in argv:
        ok = normalize(new) == normalize(text)
        print("README.md's REPL session matches a fresh run" if ok else
              "README.md's REPL session differs: python -m tools.replsession\n" + got)
        return 0 if ok else 1
    with open(README, "w") as f:
        f.write(new)
    print(got, end="")
    print("(README.md updated)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
