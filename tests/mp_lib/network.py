# Stand-in for the board `network` module on the MicroPython unix port: a WLAN that connects
# after a couple of status polls (the host's own network is what is really used).
STA_IF = 0
AP_IF = 1
STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_GOT_IP = 3
STAT_WRONG_PASSWORD = -3
STAT_NO_AP_FOUND = -2
STAT_CONNECT_FAIL = -1


class WLAN:
    def __init__(self, iface=STA_IF):
        self._active = False
        self._polls = -1

    def active(self, a=None):
        if a is None:
            return self._active
        self._active = bool(a)

    def connect(self, ssid=None, key=None):
        self._polls = 0

    def disconnect(self):
        self._polls = -1

    def status(self):
        if self._polls < 0:
            return STAT_IDLE
        self._polls += 1
        return STAT_GOT_IP if self._polls > 2 else STAT_CONNECTING

    def isconnected(self):
        return self.status() == STAT_GOT_IP

    def ifconfig(self):
        return ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")

    def config(self, *a, **k):
        return "iotpush-fake"
