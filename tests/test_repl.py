"""What a person sees at the REPL: every public object's repr shows its state and never a
secret, messages say what to do next, and the docstrings of the board-facing modules stay
help()-sized. (The README's session runs the same things on MicroPython: test_readme.py.)"""
import inspect
import re
import sys

import pytest

SECRETS = ("ist_SUPERSECRETKEY123", "bucketSECRET99", "wifiPASS-12345")


def _everything(mp, http, tmp_path, monkeypatch):
    import json

    from iotpush import PushError, Streamer, config
    from iotpush.clock import clock
    from iotpush.services.initialstate import InitialState
    from iotpush.services.initialstate import Streamer as ISStreamer

    cfg_text = json.dumps({
        "wifi": {"ssid": "HomeNet", "password": SECRETS[2]},
        "service": "initialstate",
        "initialstate": {"access_key": SECRETS[0], "bucket_key": SECRETS[1],
                         "base_url": "https://groker.init.st/api"}})
    cfg = config.parse(cfg_text)
    st = config.streamer(cfg)
    url_mode = Streamer(InitialState(SECRETS[0], SECRETS[1], mode="url"))
    http.answer(503, 401, 503)
    st.log("temperature", 21.5)
    url_mode.log("temperature", 21.5)
    errors = []
    for s in (st, url_mode):
        try:
            s.flush()
        except PushError as e:
            errors.append(e)
    mp.clock.advance(600000)
    try:
        url_mode.flush()
    except PushError as e:
        errors.append(e)
    facade = ISStreamer(bucket_name="Garden", bucket_key=SECRETS[1], access_key=SECRETS[0])
    objs = [st, st.service, st.service.transport, st.service.rate, st.ring, st.dead,
            st._backoff, url_mode, url_mode.service, url_mode.dead, facade, cfg, clock]
    texts = [repr(o) for o in objs] + [str(o) for o in objs] + [str(e) for e in errors]
    texts += [repr(e) for e in errors] + [s.last_error or "" for s in (st, url_mode)]
    return objs, texts, errors


def test_reprs_show_state_and_no_secret(mp, http, tmp_path, monkeypatch):
    objs, texts, errors = _everything(mp, http, tmp_path, monkeypatch)
    for t in texts:
        for secret in SECRETS:
            assert secret not in t, t
    st = objs[0]
    r = repr(st)
    assert re.fullmatch(r"<Streamer initialstate pending=1 dropped=0 rejected=0 delivered=0 "
                        r"last=503 retry_in=\d+ms>", r), r
    assert repr(st.service) == "<InitialState json https://groker.init.st/api bucket=- keys=hidden>"
    assert repr(st.ring) == "<RingBuffer 1/256 events keys=1 dropped=0>"
    assert re.fullmatch(r"<Backoff failures=1 retry_in=\d+ms>", repr(st._backoff))
    assert repr(objs[9]) == "<DeadLetters events=1 batches=1 kept=1>"  # the 401
    assert "password=***" in repr(objs[11]) and "ssid='HomeNet'" in repr(objs[11])
    assert [e.retained for e in errors] == [True, False]


def test_streamer_repr_says_to_set_the_clock(mp, http):
    from iotpush import Streamer
    from iotpush.clock import clock
    from tests.shared.sharedutil import fake_service

    st = Streamer(fake_service())
    assert "clock" not in repr(st)  # the host's clock is set
    clock.synced = False
    assert repr(st).endswith(" clock=NOT SET (call iotpush.sync_time())>")


def test_wifi_errors_say_what_to_do(mp, capsys):
    from iotpush import wifi

    net = sys.modules["network"]
    net.WLAN.fail_status = net.STAT_WRONG_PASSWORD
    with pytest.raises(wifi.WifiError) as e:
        wifi.connect("HomeNet", SECRETS[2])
    assert "check wifi.password in config.json" in str(e.value)
    assert SECRETS[2] not in str(e.value) + capsys.readouterr().out


@pytest.mark.parametrize("mod", ["wifi", "config", "hints", "ntp"])
def test_board_facing_docstrings_are_help_sized(mp, mod):
    m = __import__("iotpush." + mod, None, None, ["_"])
    public = [(n, o) for n, o in vars(m).items() if not n.startswith("_")
              and (inspect.isfunction(o) or inspect.isclass(o)) and o.__module__ == m.__name__]
    assert public
    for name, obj in public:
        doc = inspect.getdoc(obj)
        assert doc, "%s.%s has no docstring" % (mod, name)
        assert len(doc.splitlines()) <= 12, "%s.%s: docstring longer than a screenful" % (mod, name)


def test_a_network_fault_leaves_a_hint_in_the_repr_and_the_message(http):
    """At the REPL, printing the Streamer after a failed flush says what to check next; the
    exception says it briefly (the full hint costs no memory until the object is printed)."""
    from iotpush import PushError, Streamer
    from iotpush.services.initialstate import InitialState

    http.answer(OSError(111), 204)
    st = Streamer(InitialState("ist_" + "k" * 20, "b"), capacity=4)
    st.log("t", 1)
    with pytest.raises(PushError) as e:
        st.flush()
    assert "check Wi-Fi and base_url" in str(e.value)
    assert "hint: Wi-Fi is off: call iotpush.wifi.connect()" in repr(st)  # the fake WLAN is off
    st._backoff.reset()
    assert st.flush() == 1 and "hint" not in repr(st)
