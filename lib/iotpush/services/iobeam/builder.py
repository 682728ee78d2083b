# builder.py: ClientBuilder(project_id, project_token).saveToDisk().registerDevice().build(), the
# iobeam client's configuration calls. Each call checks its arguments; only build() may use the
# network. A cold module: iobeam.ClientBuilder() loads it; the class lives as long as a builder.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from .base import BASE_URL, cold
from .client import Client


class ClientBuilder:
    """Configures and builds a Client. Its repr shows no token."""

    def __init__(self, projectId, projectToken):
        if type(projectId) is not int or projectId <= 0:
            raise ValueError("projectId must be an int > 0")
        self._exp = cold("token", "token_exp", projectToken)  # a JWT with an exp claim, else ValueError
        self._pid = projectId
        self._token = projectToken
        self._path = None
        self._did = None
        self._reg = None
        self._base = BASE_URL
        self._timeout = 10
        self._body_size = 2048

    def saveToDisk(self, path="."):
        """Keep the device id in <path>/iobeam_device_id; it is read first on the next boot."""
        if not isinstance(path, str):
            raise TypeError("path must be a str")
        self._path = path
        return self

    def setDeviceId(self, deviceId):
        self._did = cold("checks", "check_id", deviceId)
        return self

    def registerDevice(self, deviceId=None, deviceName=None):
        self._reg = cold("checks", "check_reg", deviceId, deviceName, False)
        return self

    def registerOrSetId(self, deviceId, deviceName=None):
        self._reg = cold("checks", "check_reg", deviceId, deviceName, True)
        return self

    def setBackend(self, baseUrl):
        """The API's base URL, e.g. "https://api.iobeam.com/v1/" (a final / is added if missing)."""
        cold("checks", "check_base", baseUrl)
        self._base = baseUrl if baseUrl[-1] == "/" else baseUrl + "/"
        return self

    def setTimeout(self, seconds):
        """Seconds per socket operation of every request (default 10)."""
        if type(seconds) not in (int, float) or not 0 < seconds <= 600:
            raise ValueError("timeout must be a number of seconds in (0, 600]")
        self._timeout = seconds
        return self

    def setBodySize(self, nbytes):
        """Bytes of the request buffer all stores share (default 2048; twice that is allocated)."""
        if type(nbytes) is not int or not 512 <= nbytes <= 65536:
            raise ValueError("body size must be an int of 512..65536 bytes")
        self._body_size = nbytes
        return self

    def build(self):
        """The Client. After registerDevice(): registers now unless an id is known (given or
        saved), so it may block and raise PushError or its subclasses."""
        c = Client(self)
        if self._reg is not None:
            c.registerDevice(*self._reg)
        return c
