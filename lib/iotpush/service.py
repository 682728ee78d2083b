# service.py: what every service module provides to the core Streamer.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from .ratelimit import TokenBucket
from .transport import Transport, classify


def check_url(url, what="base_url"):
    """Refuse anything but an absolute http(s) URL with a host (clear error at configuration)."""
    if not isinstance(url, str):
        raise TypeError("%s must be a str like 'https://host/path'" % what)
    if url.startswith("https://"):
        rest = url[8:]
    elif url.startswith("http://"):
        rest = url[7:]
    else:
        raise ValueError("%s must start with http:// or https://" % what)
    host = rest.split("/", 1)[0]
    if not host or " " in url or "@" in host:
        raise ValueError("%s has no valid host" % what)
    if ":" in host:
        port = host.rsplit(":", 1)[1]
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("%s has a bad port" % what)
    return url


def check_secret(value, what):
    """A credential must be a non-empty str without whitespace; the error never echoes it."""
    if not isinstance(value, str):
        raise TypeError("%s must be a str" % what)
    if not value or len(value) > 512:
        raise ValueError("%s must be 1..512 characters" % what)
    for b in value.encode():  # bytes: iterating a str would intern each character
        if b in b" \t\r\n":
            raise ValueError("%s must not contain whitespace or line breaks" % what)
    return value


class Service:
    """Base class. A service validates keys and values at log() time, encodes one request from
    the oldest buffered events, and says whether a response status delivered them.

    Subclasses set: name, max_events (events per request), max_key, max_str, body_size, and
    implement encode(). Requests go through self.transport, paced by self.rate.
    """

    name = "service"
    max_events = 10
    max_key = 100
    max_str = 2000
    body_size = 1024
    allow_none = True
    check_numbers = False  # True: check_value() also sees int, float and bool values

    def __init__(self, timeout=10, rate=3, burst=1):
        self.transport = Transport(timeout)
        self.rate = TokenBucket(rate, burst)
        self.method = "POST"
        self.has_body = True  # False: the request is all in the URL (body holds the query part)
        self.url = None
        self.headers = None
        self._secrets: tuple = ()

    # --- validation (log() time) -----------------------------------------------------------
    def check_key(self, key):
        """Called once for each new key."""
        if not isinstance(key, str):
            raise TypeError("key must be a str, not %s" % type(key).__name__)
        if not key or len(key) > self.max_key:
            raise ValueError("key must be 1..%d characters: %r" % (self.max_key, key[:40]))
        for b in key.encode():  # bytes, not 1-char strs: those become permanent qstrs
            if b < 32:
                raise ValueError("key must not contain control characters: %r" % key[:40])

    def check_value(self, key, value):
        """Called for every str / None value; also for numbers and bools (after the core's own
        checks) when the service sets check_numbers = True, e.g. typed columns or 32-bit
        readings. Raise ValueError / TypeError to refuse the value at log()."""
        if value is None:
            if not self.allow_none:
                raise ValueError("%s does not accept None (key %r)" % (self.name, key))
        elif len(value) > self.max_str:
            raise ValueError(
                "string value for %r is %d characters; %s takes at most %d"
                % (key, len(value), self.name, self.max_str)
            )

    def check_row(self, fields):
        """Called once per log_row() with the dict, after each field passed the checks above."""

    # --- sending ----------------------------------------------------------------------------
    def prepare(self):
        """Anything needed before the first data request (e.g. create a bucket). May raise
        PushError; the Streamer then retries later like any failed request."""

    def encode(self, ring, limit, body):
        """Write one request for up to `limit` events from the oldest (ring index 0) into body;
        set self.method / self.url / self.headers; return how many events it covers (>= 1)."""
        raise NotImplementedError

    def outcome(self, status):
        """DELIVERED, TRANSIENT or PERMANENT for a response status (None: network fault)."""
        return classify(status)

    def redact(self, text):
        """text with every credential of this service replaced by '***' (those of 4 characters
        or more: hiding a 1-3 character key would only mangle the words around it)."""
        for s in self._secrets:
            if s and len(s) > 3:
                text = text.replace(s, "***")
        return text
