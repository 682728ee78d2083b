"""A counting TCP proxy on 127.0.0.1 for bytes on the wire: every byte each way is forwarded
unchanged (HTTP or TLS alike) and counted, with the number of connections.

    with WireCount(("127.0.0.1", hub.port)) as w:
        ...  # point the client at http://127.0.0.1:<w.port>/...
        w.up, w.down, w.connections
It stops by itself after `lifetime` seconds.
"""
import socket
import threading
import time


class WireCount:
    def __init__(self, target, lifetime=300):
        self.target = target
        self.lifetime = lifetime
        self.up = self.down = self.connections = 0
        self._lock = threading.Lock()
        self._ls = None
        self._stop = 0
        self._threads = []

    def reset(self):
        self.settle()
        with self._lock:
            self.up = self.down = self.connections = 0

    def settle(self, quiet=0.15, limit=5.0):
        """Wait until no byte moved for `quiet` seconds (the counts are then final)."""
        end = time.time() + limit
        last = None
        while time.time() < end:
            now = (self.up, self.down, self.connections)
            if now == last:
                return
            last = now
            time.sleep(quiet)

    def start(self):
        self._ls = socket.socket()
        self._ls.bind(("127.0.0.1", 0))
        self._ls.listen(16)
        self._ls.settimeout(0.2)
        self.port = self._ls.getsockname()[1]
        self._stop = time.time() + self.lifetime
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        return self

    def stop(self):
        self._stop = 0

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _accept(self):
        while time.time() < self._stop:
            try:
                c, _ = self._ls.accept()
            except OSError:
                continue
            try:
                s = socket.create_connection(self.target, timeout=5)
            except OSError:
                c.close()
                continue
            with self._lock:
                self.connections += 1
            for a, b, up in ((c, s, True), (s, c, False)):
                threading.Thread(target=self._pipe, args=(a, b, up), daemon=True).start()
        self._ls.close()

    def _pipe(self, a, b, up):
        a.settimeout(1.0)
        try:
            while time.time() < self._stop:
                try:
                    d = a.recv(65536)
                except socket.timeout:
                    continue
                if not d:
                    break
                with self._lock:
                    if up:
                        self.up += len(d)
                    else:
                        self.down += len(d)
                b.sendall(d)
        except OSError:
            pass
        finally:
            for x in (a, b):
                try:
                    x.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            a.close()
