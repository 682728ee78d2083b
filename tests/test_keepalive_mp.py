"""The keep-alive transport and the asyncio drivers on the real MicroPython interpreter
(64K heap, library and scripts from .mpy) against the emulators, over HTTP and HTTPS."""
import pytest

from tools.emulators import Hub, Reply


def _inject_route(hub):
    emu = hub["initialstate"]

    def inject(req):
        kind = req.arg("kind")
        arg = float(req.arg("arg", "0"))
        emu.inject((kind, arg) if kind == "stall" else (kind,))
        return Reply(200, {"queued": kind})

    hub.extra_routes["inject"] = inject


def _values(emu):
    return [e["value"] for e in emu.events]


@pytest.mark.parametrize("tls", [False, True])
def test_keepalive_transport_on_micropython(mp_tests, tmp_path, tls):
    from tools import selfsigned

    env = {}
    kw = {}
    if tls:
        if not selfsigned.available():
            pytest.skip("needs the openssl command to make a test certificate")
        c = selfsigned.make(str(tmp_path))
        o = selfsigned.make(str(tmp_path), "other")
        ca = tmp_path / "ca.der"
        ca.write_bytes(c["der"])
        env = {"CA": str(ca), "OTHER": o["cert"]}
        kw["tls"] = (c["cert"], c["key"])
    with Hub(lifetime=120, idle_timeout=0.3, **kw) as hub:
        _inject_route(hub)
        env.update(IS_URL=hub.base("initialstate") + "/api", HUB_URL=hub.url)
        r = mp_tests("t_ka", env=env, heap="128K")  # 64-bit build: see bench for the footprint
        assert r.returncode == 0, r.output
        emu = hub["initialstate"]
        got = _values(emu)
        # every value arrived once, in order (none of these faults processes the request)
        assert got == list(range(len(got))) and len(got) == 12 - tls, got
        faults = [x for _, x in emu.log if isinstance(x, str)]
        assert faults == ["fault:stall", "fault:reset", "fault:reset"] + ["fault:garbage"] * (not tls)
        # connections: the first, the idle reopen, and one more after each failed request (the
        # stall, the reset on the reopened connection, the garbage) and for the second reset
        assert ("connects 5 requests 13" if tls else "connects 6 requests 15") in r.output, r.output
        if tls:
            assert "refused:" in r.output


@pytest.mark.parametrize("transport", ["keepalive", "requests"])
def test_background_task_keeps_the_sensor_loop_running(mp_tests, hub, transport):
    emu = hub["initialstate"]
    emu.inject(("stall_ack", 1.0))  # the first request is processed, answered 1 s later
    r = mp_tests("t_aio", env={"IS_URL": hub.base("initialstate") + "/api",
                               "TRANSPORT": transport}, heap="128K")
    assert r.returncode == 0, r.output
    assert _values(emu) == list(range(201))  # all, once, in order
