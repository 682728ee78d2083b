# config.json parsing: errors name the field and never show a secret. Runs under pytest and on
# MicroPython (tests/mp/run_shared.py). Building services from a config: tests/test_boards.py.
from sharedutil import raises

GOOD = """{
  "_help": "comment fields start with _",
  "wifi": {"ssid": "HomeNet", "password": "hunter2hunter2"},
  "service": "initialstate",
  "initialstate": {"access_key": "ist_SECRETSECRET", "bucket_key": "garden_bk",
                   "bucket_name": "Garden", "base_url": "http://127.0.0.1:9/initialstate/api"},
  "interval_s": 2.5,
  "capacity": 64
}"""


def _cfg(text=GOOD):
    from iotpush import config

    return config.parse(text)


def test_reads_fields_with_types_and_defaults():
    c = _cfg()
    assert c.get("wifi.ssid", str) == "HomeNet"
    assert c.get("interval_s", "number", 10, 1, 3600) == 2.5
    assert c.get("capacity", int, 256, 1, 65535) == 64
    assert c.get("wdt_ms", int, 8000) == 8000  # optional, absent
    assert c.get("wifi.country", str, None) is None
    assert "wifi.ssid" in c and "wifi.nope" not in c


def test_missing_and_malformed_fields_are_named():
    from iotpush.config import ConfigError

    c = _cfg()
    e = raises(ConfigError, c.get, "ntp.host", str)
    assert "config.json: ntp.host is missing (a str)" in str(e)
    e = raises(ConfigError, c.get, "wifi.ssid", int)
    assert "wifi.ssid must be an int, not a str" in str(e)
    e = raises(ConfigError, c.get, "capacity", int, 256, 100, 200)
    assert "capacity value must be in 100..200" in str(e)
    e = raises(ConfigError, c.get, "capacity", bool)
    assert "capacity must be true or false" in str(e)
    assert isinstance(e, ValueError)  # ConfigError is a ValueError


def test_bad_json_and_non_object():
    from iotpush import config

    e = raises(config.ConfigError, config.parse, '{"wifi": {"ssid": HomeNet}}')
    assert "config.json is not valid JSON" in str(e) and "quotes" in str(e)
    e = raises(config.ConfigError, config.parse, "[1, 2]")
    assert "JSON object" in str(e)


def test_placeholders_count_as_not_filled_in():
    from iotpush.config import ConfigError

    c = _cfg(GOOD.replace('"HomeNet"', '"<your Wi-Fi name>"'))
    e = raises(ConfigError, c.get, "wifi.ssid", str)
    assert "wifi.ssid still holds the template's placeholder" in str(e)
    assert "<your" not in str(e)


def test_repr_hides_secrets():
    c = _cfg()
    r = repr(c)
    for secret in ("hunter2hunter2", "ist_SECRETSECRET", "garden_bk"):
        assert secret not in r, r
    assert "ssid='HomeNet'" in r and "password=***" in r and "access_key=***" in r
    assert "_help" not in r
