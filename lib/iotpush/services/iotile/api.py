# api.py: the iotile-cloud REST client (Api, RestResource) for MicroPython.
#
# api = Api(domain="https://iotile.cloud"); api.login(email=..., password=...)
# api.org.get(); api.org(slug).patch({...}); api.project.get(org__slug="x")
# Any attribute is a resource, calling it with an id nests, kwargs become query parameters, every
# path ends in "/". JSON calls send Content-Type: application/json and Authorization: jwt <token>;
# a 401 refreshes the token (auth/api-jwt-refresh/) once and repeats the call. Errors map to
# HttpClientError / HttpNotFoundError / HttpServerError with the server's message.
#
# Blocking: every request is bounded by `timeout` seconds per socket operation (DNS excepted).
# Memory: a generic call holds its whole response body (at most `max_body` bytes) plus the parsed
# JSON; read long lists page by page (StreamData, RawData, pages()) which never hold a whole page.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import json
import time
from micropython import const

from ...transport import NET_ERRORS, Transport, text
from ...urlenc import quote
from .errors import HttpClientError, HttpNotFoundError, HttpServerError, MalformedResponseError

DOMAIN_NAME = "https://iotile.cloud"
API_PREFIX = "api/v1"
DEFAULT_TOKEN_TYPE = "jwt"
USER_AGENT = "iotpush/0.1"
_ERR_READ = const(512)  # bytes of an error body kept for the exception message
_CHUNK = const(256)
class _Transport(Transport):
    """The core transport, also noting the response's Content-Length."""

    def __init__(self, timeout):
        super().__init__(timeout)
        self.length = -1

    def _header(self, line, d):
        if line[:15] in (b"Content-Length:", b"content-length:", b"Content-length:"):
            try:
                self.length = int(line[15:])
            except ValueError:
                pass
        else:
            super()._header(line, d)

    def request(self, method, url, data=None, headers=None, read=0, err_read=0):
        self.length = -1
        return super().request(method, url, data, headers, read, err_read)


def net_error(e):
    """Network faults surface as OSError (the firmware's requests raises ValueError or
    IndexError for a missing or garbled status line)."""
    return e if isinstance(e, OSError) else OSError("no valid HTTP answer (%r)" % (e,))


def check_domain(url):
    """An http(s) URL with a host, no spaces, no credentials; returned without a trailing '/'."""
    if not isinstance(url, str):
        raise TypeError("domain must be a str like 'https://iotile.cloud'")
    i = url.find("://")
    host = url[i + 3:].split("/", 1)[0] if i > 0 else ""
    if url[:i] not in ("http", "https") or not host or " " in url or "@" in host:
        raise ValueError("domain must be an http:// or https:// URL with a host")
    return url.rstrip("/")


def query(params):
    """'?k=v&...' of (key, value) pairs; None values are left out (as requests does)."""
    parts = []
    for k, v in params:
        if v is None:
            continue
        if v is True or v is False:
            v = "True" if v else "False"
        parts.append(quote(k) + "=" + quote(v if isinstance(v, str) else str(v)))
    return "?" + "&".join(parts) if parts else ""


def message(body):
    """The server's message in an error body: JSON "detail"/"error" if there is one, else the
    text itself (one line, cut to 200 characters)."""
    if not body:
        return ""
    try:
        d = json.loads(body)
        if isinstance(d, dict):
            for k in ("detail", "error", "message"):
                if isinstance(d.get(k), str):
                    return d[k]
    except ValueError:
        pass
    return text(body[:200])


class Api:
    """Api(domain=None, token_type=None, verify=True, timeout=10, retries=0, max_body=16384)

    domain: server root (default https://iotile.cloud); the API is <domain>/api/v1/.
    timeout: seconds per socket operation of every request. retries: how many times a GET is
    repeated after a network fault or a 5xx (1 s, 2 s, ... apart). max_body: the largest
    response a generic call reads. verify is accepted for compatibility but not acted on: like
    the firmware's `requests`, TLS here does not check certificates. The token never appears in
    repr() or in exception messages.
    """

    def __init__(self, domain=None, token_type=None, verify=True, timeout=10, retries=0,
                 max_body=16384):
        domain = check_domain(domain if domain is not None else DOMAIN_NAME)
        if not isinstance(retries, int) or retries < 0:
            raise ValueError("retries must be an int >= 0")
        if not isinstance(max_body, int) or max_body < 256:
            raise ValueError("max_body must be an int >= 256 (bytes)")
        self.domain = domain
        self.base_url = "%s/%s" % (self.domain, API_PREFIX)
        self.token = None
        self.token_type = token_type or DEFAULT_TOKEN_TYPE
        self.username = None
        self.verify = verify
        self.retries = retries
        self.max_body = max_body
        self.auto_refresh = True  # a 401 refreshes the token once and repeats the call
        self.last_error = None
        self.transport = _Transport(timeout)
        self._body = None  # the 2xx body being read (bytearray)

    def __repr__(self):
        return "<Api %s user=%s token=%s>" % (self.base_url, self.username,
                                             "set" if self.token else "none")

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return RestResource(self, name + "/")

    def redact(self, s):
        t = self.token
        if t and isinstance(s, str):
            s = s.replace(t, "***")
        return s

    # --- auth ---------------------------------------------------------------------------------
    def set_token(self, token, token_type=None):
        """Use a token you already have (skips login)."""
        if not isinstance(token, str) or not token or " " in token or "\n" in token:
            raise ValueError("token must be a non-empty str without spaces")
        self.token = token
        if token_type:
            self.token_type = token_type

    def login(self, password, email):
        """POST auth/login/. True and self.token set on 200; False for any other answer (the
        reason is in self.last_error). Network faults raise OSError."""
        if not isinstance(email, str) or not isinstance(password, str):
            raise TypeError("email and password must be str")
        from .jsonenc import pairs

        body = pairs((("email", email), ("password", password))).encode()
        status, res = self._send("POST", self.base_url + "/auth/login/", body, False)
        if status == 200 and isinstance(res, dict) and isinstance(res.get("username"), str):
            tok = res.get(self.token_type)
            if isinstance(tok, str) and tok:
                self.token = tok
            self.username = res["username"]
            self.last_error = None
            return True
        why = self._why(res) if status != 200 else "no username in the answer"
        msg = "login failed: HTTP %s %s" % (status, why)
        self.last_error = msg.replace(password, "***") if password else msg
        return False

    def logout(self):
        """POST auth/logout/; a 204 forgets the token. Returns True on 204."""
        status, res = self._send("POST", self.base_url + "/auth/logout/", None, True)
        if status == 204:
            self.token = None
            self.username = None
            return True
        self.last_error = self.redact("logout failed: HTTP %s %s" % (status, self._why(res)))
        return False

    def refresh_token(self):
        """POST auth/api-jwt-refresh/ with the current token: True and the new token on 200;
        otherwise the token is dropped (as the official client does) and False returned."""
        if self.token_type != DEFAULT_TOKEN_TYPE or not self.token:
            return False
        from .jsonenc import pairs

        body = pairs((("token", self.token),)).encode()
        try:
            status, res = self._send("POST", self.base_url + "/auth/api-jwt-refresh/", body, False)
        except NET_ERRORS as e:
            self.last_error = "token refresh failed: %r" % (e,)
            return False  # a network fault keeps the token: it may still be good
        if status == 200 and isinstance(res, dict) and isinstance(res.get("token"), str):
            self.token = res["token"]
            return True
        self.last_error = "token refresh failed: HTTP %s" % status
        self.token = None
        return False

    def _why(self, res):
        if isinstance(res, (bytes, bytearray)):
            return message(res)
        return ""

    # --- requests -----------------------------------------------------------------------------
    def _headers(self, auth, json_type=True):
        h = {"User-Agent": USER_AGENT}
        if json_type:
            h["Content-Type"] = "application/json"
        if auth and self.token:
            h["Authorization"] = "%s %s" % (self.token_type, self.token)
        return h

    def _read_body(self, raw):
        """Read a whole (2xx) body, at most max_body bytes, into self._body."""
        n = self.transport.length
        limit = self.max_body
        if n > limit:
            raise MalformedResponseError("response of %d bytes is over max_body=%d" % (n, limit))
        if n >= 0:
            buf = bytearray(n)
            mv = memoryview(buf)
            got = 0
            while got < n:
                k = raw.readinto(mv[got:])
                if not k:
                    raise MalformedResponseError("response ended after %d of %d bytes" % (got, n))
                got += k
        else:
            buf = bytearray()
            while True:
                b = raw.read(_CHUNK)
                if not b:
                    break
                buf.extend(b)
                if len(buf) > limit:
                    raise MalformedResponseError("response is over max_body=%d bytes" % limit)
        self._body = buf

    def _send(self, method, url, body, auth, read=None):
        """One request: returns (status, result). result: parsed JSON (None for 204/205, the raw
        bytes if the body is not JSON) for 2xx, else the first bytes of the error body."""
        t = self.transport
        headers = self._headers(auth)
        if body is None and method != "GET":
            headers["Content-Length"] = "0"
        self._body = None
        status = t.request(method, url, body, headers, read or self._read_body, _ERR_READ)
        return status, self._result(status, read)

    def _result(self, status, read=None):
        if not 200 <= status < 300:
            return self.transport.body
        b = self._body
        self._body = None
        if read is not None or status in (204, 205):
            return None
        if not b:
            return b""
        try:
            return json.loads(b)
        except ValueError:
            return bytes(b)

    def request(self, method, url, body=None, read=None, auth=True):
        """A request with the API's rules: a 401 refreshes the token once and repeats; GETs are
        repeated `retries` times after a 5xx or (unless `read` streams the body to a callback) a
        network fault; an error status raises the
        mapped exception and a network fault OSError. Returns the result of _send()."""
        refreshed = False
        tries = self.retries if method == "GET" else 0
        delay = 1000
        while True:
            try:
                status, res = self._send(method, url, body, auth, read)
            except NET_ERRORS as e:
                if tries <= 0 or read is not None:  # a page half handed on is never read twice
                    raise net_error(e)
                tries -= 1
                time.sleep_ms(delay)
                delay *= 2
                continue
            if (status == 401 and auth and not refreshed and self.auto_refresh
                    and self.token and self.refresh_token()):
                refreshed = True
                continue
            if status >= 500 and tries > 0:
                tries -= 1
                time.sleep_ms(delay)
                delay *= 2
                continue
            if status >= 400:
                raise self.error(status, url, res)
            return res

    def error(self, status, url, body):
        """The exception for an error status (client error, not found, server error)."""
        what = "Server Error" if status >= 500 else "Client Error"
        msg = "%s %d: %s" % (what, status, url)
        m = message(body)
        if m:
            msg += " (%s)" % m
        msg = self.redact(msg)
        body = bytes(body) if body else b""
        if status == 404:
            return HttpNotFoundError(msg, status, url, body)
        if status < 500:
            return HttpClientError(msg, status, url, body)
        return HttpServerError(msg, status, url, body)


class RestResource:
    """One resource path below the API root, e.g. org/ or org/<slug>/projects/."""

    def __init__(self, api, path):
        self._api = api
        self._path = path

    def __call__(self, id=None):
        if id is None:
            return self
        return RestResource(self._api, "%s%s/" % (self._path, id))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return RestResource(self._api, self._path + name + "/")

    def __repr__(self):
        return "<RestResource %s>" % self.url()

    def url(self, params=None):
        u = "%s/%s" % (self._api.base_url, self._path)
        if params:
            u += query(params)
        return u

    def _json(self, method, data, kwargs):
        body = None
        if data:
            from .jsonenc import dumps

            body = dumps(data).encode()
        return self._api.request(method, self.url(kwargs.items()), body)

    def get(self, **kwargs):
        return self._api.request("GET", self.url(kwargs.items()))

    def post(self, data=None, **kwargs):
        return self._json("POST", data, kwargs)

    def put(self, data=None, **kwargs):
        return self._json("PUT", data, kwargs)

    def patch(self, data=None, **kwargs):
        return self._json("PATCH", data, kwargs)

    def delete(self, data=None, **kwargs):
        """True on any 2xx, False on an error status (as the official client)."""
        try:
            self._json("DELETE", data, kwargs)
        except HttpClientError:
            return False
        except HttpServerError:
            return False
        return True

    def upload_file(self, filename, data=None, mode="rb", **kwargs):
        """POST the file as multipart/form-data part "file" (after the `data` form fields),
        streamed from flash in small chunks; kwargs become query parameters."""
        from .upload import upload_file

        if "b" not in mode:
            raise ValueError("upload_file reads the file in binary mode ('rb')")
        return upload_file(self, filename, data, kwargs)

    def upload_fp(self, fp, data=None, **kwargs):
        """Like upload_file() from an open binary file (uploaded from its current position)."""
        from .upload import upload_fp

        return upload_fp(self, fp, data, kwargs)

