"""The board library builds and type-checks as firmware sees it: mpy-cross compiles every file,
mypy passes against the ESP32 and Pico W stubs, nothing imports a CPython-only module, every
module imports on MicroPython under a 64K heap from .mpy, and package.json lists lib/ exactly."""
import os
import re
import subprocess
import sys

import pytest

from tools import mpy_build, mprun, package_json

ROOT = mpy_build.ROOT
LIB_FILES = sorted(mpy_build.sources())
CPYTHON_ONLY = ("typing", "dataclasses", "enum", "abc", "logging", "datetime", "threading",
                "urllib", "pathlib", "functools", "itertools", "contextlib", "copy", "collections",
                "__future__", "socketserver", "http", "email", "ssl", "inspect", "types")


def test_mpy_cross_compiles_every_file(tmp_path):
    out = mpy_build.build(str(tmp_path))
    assert len(out) == len(LIB_FILES)
    for f in out:
        with open(f, "rb") as fh:
            assert fh.read(2) == b"M\x06"  # .mpy v6: loads on MicroPython >= 1.19


@pytest.mark.parametrize("port", ["esp32", "picow"])
def test_mypy_against_micropython_stubs(port):
    r = subprocess.run([sys.executable, "-m", "mypy", "--config-file", "mypy-%s.ini" % port,
                        "-p", "iotpush"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("rel", LIB_FILES)
def test_no_cpython_only_imports(rel):
    with open(os.path.join(mpy_build.LIB, rel)) as f:
        src = f.read()
    pat = r"^\s*(?:import|from)\s+(%s)\b" % "|".join(CPYTHON_ONLY)
    assert not re.findall(pat, src, re.M), rel


def test_every_module_imports_on_micropython_at_64k_from_mpy():
    mods = sorted({rel[:-3].replace("/__init__", "").replace("/", ".") for rel in LIB_FILES})
    for m in mods:  # one at a time, each in a fresh interpreter
        r = subprocess.run([mprun.micropython(), "-X", "heapsize=64K", "-c", "import " + m],
                           env=mprun.env_for(), capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, (m, r.stderr)


def test_package_json_lists_lib_exactly():
    assert package_json.main(["--check"]) == 0
    urls = package_json.manifest()["urls"]
    assert sorted(dst for dst, _ in urls) == sorted(LIB_FILES)
    for dst, src in urls:
        assert os.path.exists(os.path.join(ROOT, src)), src
