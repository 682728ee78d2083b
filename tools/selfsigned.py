"""A throwaway self-signed certificate for HTTPS on 127.0.0.1 (tests and `make bench`).

    paths = make(directory)   # {"cert": PEM path, "key": PEM path, "der": DER bytes of the cert}

The certificate (EC P-256, valid two days) names CN=localhost with subjectAltName
DNS:localhost and IP:127.0.0.1, so a client can verify it as a CA (it signs itself) for either
name. Made with the `openssl` command line tool; nothing is sent anywhere.
"""
import os
import shutil
import subprocess


def available():
    return shutil.which("openssl") is not None


def make(directory, name="server"):
    os.makedirs(directory, exist_ok=True)
    cert = os.path.join(directory, name + ".pem")
    key = os.path.join(directory, name + ".key")
    if not (os.path.exists(cert) and os.path.exists(key)):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-subj", "/CN=localhost", "-days", "2",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", key, "-out", cert],
            check=True, capture_output=True, timeout=60)
    der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], check=True,
                         capture_output=True, timeout=60).stdout
    return {"cert": cert, "key": key, "der": der}
