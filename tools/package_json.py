"""Write package.json (for `mpremote mip install github:<owner>/<repo>`) from the files in lib/.

    python -m tools.package_json          # rewrite package.json
    python -m tools.package_json --check  # exit 1 if package.json is out of date
"""
import json
import os
import sys

from tools.mpy_build import LIB, ROOT, sources

VERSION = "0.1.0"


def manifest():
    urls = [[rel, "lib/" + rel] for rel in sorted(sources(LIB))]
    return {"urls": urls, "deps": [], "version": VERSION}


def render():
    return json.dumps(manifest(), indent=2) + "\n"


def main(argv):
    path = os.path.join(ROOT, "package.json")
    if "--check" in argv:
        with open(path) as f:
            ok = f.read() == render()
        print("package.json is up to date" if ok else "package.json is stale: python -m tools.package_json")
        return 0 if ok else 1
    with open(path, "w") as f:
        f.write(render())
    print("wrote package.json (%d files)" % len(manifest()["urls"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
