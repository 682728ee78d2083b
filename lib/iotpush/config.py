# config.py: read config.json (Wi-Fi, service choice and keys) with errors that name the field.
#
# cfg = config.load()                      # ./config.json; ConfigError says what is wrong
# ssid = cfg.get("wifi.ssid", str)         # required
# every = cfg.get("interval_s", "number", 10, 1, 86400)   # optional, checked
# st = config.streamer(cfg)                # Streamer for the service named by "service"
#
# Cold path: loads the file once (a few hundred bytes); nothing here runs per reading.
# Values that are secrets (any field whose name has key, token, password, secret) never show in
# repr() or in an error message.

import gc

gc.collect()  # tidy the heap the previous import left before this module loads

_MISSING = object()
_SECRET_WORDS = ("key", "token", "password", "secret", "pass", "pwd", "sas", "sig")


class ConfigError(ValueError):
    """config.json is missing, not JSON, or a field is missing or malformed. The message names
    the file and the field (never a secret's value) and says what is expected."""


def is_secret(name):
    """True for field names that hold credentials (their values are never shown)."""
    n = name.lower()
    for w in _SECRET_WORDS:
        if w in n:
            return True
    return False


def _placeholder(v):
    return isinstance(v, str) and len(v) > 1 and v[0] == "<" and v[-1] == ">"


def _kind_name(kind):
    if kind == "number":
        return "a number"
    return {str: "a str", int: "an int", float: "a number", bool: "true or false",
            dict: "an object {...}", list: "a list [...]"}.get(kind, str(kind))


def _is_kind(v, kind):
    t = type(v)
    if kind == "number" or kind is float:
        return t is int or t is float
    return t is kind


class Config:
    """The parsed config.json. get(path, kind, default, lo, hi) reads one field; a dotted path
    walks into objects ("wifi.ssid"). Fields starting with "_" are comments and ignored."""

    def __init__(self, data, name="config.json"):
        if not isinstance(data, dict):
            raise ConfigError("%s must hold a JSON object {...} at the top" % name)
        self.data = data
        self.name = name

    def _err(self, path, what):
        return ConfigError("%s: %s %s" % (self.name, path, what))

    def get(self, path, kind=None, default=_MISSING, lo=None, hi=None):
        """The value at `path`, checked against `kind` (str, int, bool, dict, list, "number")
        and the range lo..hi (for numbers; for str: its length). Without a default the field is
        required. A template placeholder like "<your Wi-Fi name>" counts as not filled in."""
        v = self.data
        for part in path.split("."):
            if not isinstance(v, dict) or part not in v:
                if default is not _MISSING:
                    return default
                raise self._missing(path, kind)
            v = v[part]
        if v is None and default is not _MISSING:
            return default
        if _placeholder(v):
            raise self._err(path, "still holds the template's placeholder: put your own value there")
        if kind is not None and not _is_kind(v, kind):
            raise self._err(path, "must be %s, not %s" % (_kind_name(kind), _json_type(v)))
        if lo is not None or hi is not None:
            n = len(v) if isinstance(v, str) else v
            if (lo is not None and n < lo) or (hi is not None and n > hi):
                what = "length" if isinstance(v, str) else "value"
                raise self._err(path, "%s must be in %s..%s" % (what, lo, hi))
        return v

    def _missing(self, path, kind):
        msg = "is missing"
        if kind is not None:
            msg += " (%s)" % _kind_name(kind)
        return self._err(path, msg + "; see the template in boards/<board>/config.json")

    def section(self, path):
        """The object at `path` as a plain dict (required)."""
        return self.get(path, dict)

    def __contains__(self, path):
        return self.get(path, None, None) is not None

    def __repr__(self):
        return "<Config %s %s>" % (self.name, _show(self.data))


def _json_type(v):
    t = type(v)
    if t is bool:
        return "true/false"
    if t is int or t is float:
        return "a number"
    if t is str:
        return "a str"
    if t is dict:
        return "an object"
    if t is list:
        return "a list"
    return "null" if v is None else t.__name__


def _show(d):
    """A dict as short text with secrets replaced by ***."""
    parts = []
    for k in sorted(d):
        if k[:1] == "_":
            continue
        v = d[k]
        if isinstance(v, dict):
            parts.append("%s=%s" % (k, _show(v)))
        elif is_secret(k) and v:
            parts.append("%s=***" % k)
        else:
            parts.append("%s=%r" % (k, v))
    return "{" + " ".join(parts) + "}"


def parse(text, name="config.json"):
    """A Config from JSON text; ConfigError when it is not a JSON object."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        raise ConfigError("%s is not valid JSON: check the quotes (\"...\"), commas and "
                          "braces" % name)
    return Config(data, name)


def load(path="config.json"):
    """Read and parse config.json (default: the board's root folder)."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        raise ConfigError("%s not found: copy boards/<board>/config.json, fill it in and put it "
                          "on the board (make deploy does)" % path)
    return parse(text, path)


def _service_class(name):
    from .service import Service

    try:
        mod = __import__("iotpush.services." + name, None, None, ["_"])
    except ImportError as e:
        raise ConfigError("config.json: service %r: iotpush.services.%s cannot be imported (%s)"
                          % (name, name, e))
    found = []
    # the module's own names only: dir() on MicroPython probes every interned name, which would
    # trigger the module's lazy __getattr__ (and load facades nobody asked for)
    for obj in mod.__dict__.values():
        if isinstance(obj, type) and obj is not Service and issubclass(obj, Service):
            if getattr(obj, "name", None) == name:
                return obj
            found.append(obj)
    if len(found) == 1:
        return found[0]
    raise ConfigError("config.json: iotpush.services.%s has no service class named %r" % (name, name))


def service(cfg):
    """The service named by cfg "service", built from the object of the same name, e.g.
    {"service": "initialstate", "initialstate": {"access_key": ..., "bucket_key": ...}}."""
    name = cfg.get("service", str, None, 1, 40)
    if name is None:
        raise cfg._err("service", "is missing (a str naming the service, e.g. \"initialstate\")")
    kw = cfg.get(name, dict, None)
    if kw is None:
        raise cfg._err(name, "is missing: an object with the settings of service %r" % name)
    args = {}
    for k in kw:
        if k[:1] == "_":
            continue
        v = kw[k]
        if _placeholder(v):
            raise cfg._err(name + "." + k, "still holds the template's placeholder: put your own "
                           "value there")
        args[k] = v
    cls = _service_class(name)
    try:
        return cls(**args)
    except (TypeError, ValueError) as e:
        # services never echo a secret in their errors, so the message can be passed on
        raise cfg._err(name, "is not accepted by %s: %s" % (cls.__name__, e))


def streamer(cfg, **kw):
    """A Streamer for service(cfg); capacity (events buffered) from cfg "capacity" (default
    256) unless given; other keyword arguments go to Streamer()."""
    from .streamer import Streamer

    if "capacity" not in kw:
        kw["capacity"] = cfg.get("capacity", int, 256, 1, 65535)
    return Streamer(service(cfg), **kw)
