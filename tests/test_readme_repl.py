"""The README's promises: its REPL session is what the stand-in board really prints (rerun
through `mpremote repl`, numbers such as ports, times and line numbers masked), and every
`make` target it names exists."""
import os
import re

from tools import replsession

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_repl_session_in_readme_is_real_output():
    with open(replsession.README) as f:
        text = f.read()
    lines = replsession.inputs(text)
    assert len(lines) >= 15 and lines[0] == "import iotpush"
    got = replsession.run(lines)
    a, b = replsession.block(text)
    shown = text[a:b].strip().strip("`").strip() + "\n"
    assert replsession.normalize(got) == replsession.normalize(shown), got
    for secret in ("my-wifi-password",):  # the stand-in's config.json holds it
        assert secret not in got


def test_make_targets_named_in_readme_exist():
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    with open(os.path.join(ROOT, "Makefile")) as f:
        targets = set(re.findall(r"^([a-z][\w-]*):", f.read(), re.M))
    named = set(re.findall(r"(?:`|^\s*)make ([a-z][\w-]*)", readme, re.M))
    assert {"demo", "test", "deploy", "devserver", "fakeboard", "build"} <= named
    assert named <= targets | {"BOARD", "PORT"}, named - targets
