"""iotpush.wifi (connect with a time limit, bounded tries, backoff, status codes) and
iotpush.hints, on CPython with the fake `network` and fake time (sleep_ms advances the clock)."""
import json
import sys

import pytest

SSID, PW = "HomeNet", "correct horse battery"


@pytest.fixture
def net():
    n = sys.modules["network"]
    n.WLAN.connect_after = 2
    n.WLAN.fail_status = None
    return n


def test_connects_by_status_code_and_reports(net, mp, capsys):
    from iotpush import wifi

    w = wifi.connect(SSID, PW)
    out = capsys.readouterr().out
    assert w.status() == net.STAT_GOT_IP and wifi.connected()
    assert "wifi: connecting to 'HomeNet' (try 1/3, 10 s)" in out
    assert "wifi: connected in 400 ms, ip 192.168.1.50" in out  # two 200 ms polls of fake time
    assert PW not in out
    assert "Wi-Fi connected, ip 192.168.1.50, signal -61 dBm" == wifi.status()
    # already connected: returns at once, no new connect()
    before = w._i.connects
    assert wifi.connect(SSID, PW) is not None and w._i.connects == before


def test_isconnected_alone_is_not_trusted(net, mp, monkeypatch):
    from iotpush import wifi

    net.WLAN.connect_after = -1  # status() stays CONNECTING ...
    monkeypatch.setattr(net.WLAN, "isconnected", lambda self: True)  # ... while this says True
    t0 = mp.clock.ms
    with pytest.raises(wifi.WifiError) as e:
        wifi.connect(SSID, PW, timeout_ms=3000, tries=2, backoff_ms=1000, quiet=True)
    assert "could not join 'HomeNet' after 2 tries: timed out after 3 s (connecting)" in str(e.value)
    assert 2 * 3000 + 1000 <= mp.clock.ms - t0 <= 2 * 3000 + 1000 + 2 * 200  # bounded


def test_wrong_password_stops_at_once_without_echoing_it(net, mp, capsys):
    from iotpush import wifi

    net.WLAN.fail_status = net.STAT_WRONG_PASSWORD
    with pytest.raises(wifi.WifiError) as e:
        wifi.connect(SSID, PW)
    msg = str(e.value)
    assert "wrong password for 'HomeNet' (status -3): check wifi.password in config.json" in msg
    assert PW not in msg and PW not in capsys.readouterr().out
    assert e.value.status == -3
    assert net.WLAN(0)._i.connects == 1  # no retry loop on a wrong password


def test_network_not_found_retries_with_doubling_backoff(net, mp, capsys):
    from iotpush import wifi

    net.WLAN.fail_status = net.STAT_NO_AP_FOUND
    feeds = []
    t0 = mp.clock.ms
    with pytest.raises(wifi.WifiError) as e:
        wifi.connect(SSID, PW, tries=3, backoff_ms=2000, feed=lambda: feeds.append(mp.clock.ms))
    out = capsys.readouterr().out
    assert "try 1 failed: network not found" in out and "next try in 2 s" in out
    assert "try 2 failed" in out and "next try in 4 s" in out
    assert "could not join 'HomeNet' after 3 tries: network not found" in str(e.value)
    assert net.WLAN(0)._i.connects == 3
    assert mp.clock.ms - t0 == 2000 + 4000  # failures were immediate; only the backoff waited
    gaps = [b - a for a, b in zip(feeds, feeds[1:])]
    assert feeds and max(gaps) <= 200  # a watchdog is fed every 200 ms while waiting


def test_reads_config_json_without_arguments(net, mp, tmp_path, monkeypatch, capsys):
    from iotpush import wifi

    (tmp_path / "config.json").write_text(json.dumps(
        {"wifi": {"ssid": "CfgNet", "password": PW, "timeout_s": 5, "tries": 1, "country": "DE"}}))
    monkeypatch.chdir(tmp_path)
    wifi.connect()
    assert "connecting to 'CfgNet' (try 1/1, 5 s)" in capsys.readouterr().out
    assert net.countries == ["DE"]


def test_missing_config_and_bad_arguments(net, mp, tmp_path, monkeypatch):
    from iotpush import wifi
    from iotpush.config import ConfigError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="config.json not found"):
        wifi.connect()
    (tmp_path / "config.json").write_text('{"wifi": {"password": "x"}}')
    with pytest.raises(ConfigError, match="wifi.ssid is missing"):
        wifi.connect()
    with pytest.raises(ValueError, match="8..64 characters") as e:
        wifi.connect(SSID, "short")
    assert "short" not in str(e.value)
    with pytest.raises(ValueError, match="1..32"):
        wifi.connect("", PW)


def test_status_lines_and_hints(net, mp):
    from iotpush import hints, wifi

    assert wifi.status() == "Wi-Fi off: call iotpush.wifi.connect()"
    assert hints.fault_hint(OSError(111)) == "Wi-Fi is off: call iotpush.wifi.connect()"
    net.WLAN(0).active(True)
    net.WLAN.fail_status = net.STAT_NO_AP_FOUND
    net.WLAN(0).connect(SSID, PW)
    assert wifi.status().startswith("Wi-Fi not connected: network not found")
    assert hints.wifi_hint() == "Wi-Fi not connected: call iotpush.wifi.connect()"
    net.WLAN.fail_status = None
    wifi.connect(SSID, PW, quiet=True)
    assert hints.wifi_hint() == ""
    assert "connection refused" in hints.fault_hint(OSError(111))
    assert "DNS lookup failed" in hints.fault_hint(OSError(-202))
    assert "DNS lookup failed" in hints.fault_hint(OSError("[addrinfo error -2]"))
    assert "no answer within the timeout" in hints.fault_hint(OSError(110))
    assert "not HTTP" in hints.fault_hint(ValueError("HTTP error: BadStatusLine"))
    assert "TLS" in hints.fault_hint(OSError(-29184))
    wifi.disconnect()
    assert not wifi.connected()


def test_sync_time_failure_says_what_to_do(net, mp, monkeypatch, capsys):
    import types

    import iotpush

    fake = types.ModuleType("ntptime")

    def settime():
        raise OSError(110)

    fake.settime = settime
    monkeypatch.setitem(sys.modules, "ntptime", fake)
    assert iotpush.sync_time(timeout=2) is False
    assert fake.timeout == 2
    assert "NTP sync failed (OSError(110)): Wi-Fi is off: call iotpush.wifi.connect()" in \
        capsys.readouterr().out
    fake.settime = lambda: None
    assert iotpush.sync_time() is True


def test_arguments_win_over_config(net, mp, capsys):
    from iotpush import config, wifi

    cfg = config.parse(json.dumps({"wifi": {"ssid": "CfgNet", "password": PW, "tries": 3,
                                            "timeout_s": 20}}))
    net.WLAN.fail_status = net.STAT_NO_AP_FOUND
    with pytest.raises(wifi.WifiError, match="after 1 tries"):
        wifi.connect(cfg=cfg, tries=1, timeout_ms=2000)  # main.py's one-try rejoin
    assert "(try 1/1, 2 s)" in capsys.readouterr().out
    assert net.WLAN(0)._i.connects == 1
