# Stand-in for the board `network` module on the MicroPython unix port: a station interface whose
# state is shared by every WLAN(STA_IF) object (as on a board), connecting after a couple of
# status polls (the host's own network is what is really used). The codes are the Pico W's.
# FAKE_WIFI in the environment picks a scenario: "ok" (default), "wrong_password", "no_ap",
# "never" (keeps connecting), or a number: status polls before it connects.
import os

STA_IF = 0
AP_IF = 1
STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_GOT_IP = 3
STAT_WRONG_PASSWORD = -3
STAT_NO_AP_FOUND = -2
STAT_CONNECT_FAIL = -1

_state = {}  # iface -> [active, polls (-1: not connecting), ssid]
_country = ["XX"]


def country(code=None):
    if code is None:
        return _country[0]
    _country[0] = code


class WLAN:
    def __init__(self, iface=STA_IF):
        self._s = _state.setdefault(iface, [False, -1, None])

    def active(self, a=None):
        if a is None:
            return self._s[0]
        self._s[0] = bool(a)
        if not a:
            self._s[1] = -1

    def connect(self, ssid=None, key=None):
        if not self._s[0]:
            raise OSError("WLAN not active")
        self._s[1] = 0
        self._s[2] = ssid

    def disconnect(self):
        self._s[1] = -1

    def status(self, param=None):
        if param == "rssi":
            return -52
        if param is not None:
            raise ValueError("unknown status param")
        s = self._s
        if s[1] < 0 or not s[0]:
            return STAT_IDLE
        mode = os.getenv("FAKE_WIFI") or "ok"
        if mode == "wrong_password":
            return STAT_WRONG_PASSWORD
        if mode == "no_ap":
            return STAT_NO_AP_FOUND
        if mode == "never":
            return STAT_CONNECTING
        if s[1] >= 1000:
            return STAT_GOT_IP
        s[1] += 1
        need = int(mode) if mode.isdigit() else 2
        if s[1] > need:
            s[1] = 1000
            return STAT_GOT_IP
        return STAT_CONNECTING

    def isconnected(self):
        return self.status() == STAT_GOT_IP

    def ifconfig(self):
        if self.status() == STAT_GOT_IP:
            return ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")
        return ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")

    def config(self, *a, **k):
        if a and a[0] in ("ssid", "essid"):
            return self._s[2] or ""
        if a and a[0] == "mac":
            return b"\x02\x00\x00\x00\x00\x01"
        return None
