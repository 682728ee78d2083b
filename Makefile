# iotpush developer commands. A newcomer needs two: `make demo` and `make test`.
# The first run creates .venv with the pinned tools (requirements-dev.txt) and MicroPython type
# stubs in typings/; later runs reuse them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt | cksum | cut -d' ' -f1)
STUBS := typings/.installed-$(shell cat requirements-stubs-*.txt | cksum | cut -d' ' -f1)
DEMO_SECONDS ?= 0
BOARD ?= esp32
PORT ?=
CONFIG ?= config.json
MAIN ?= main
HOST ?= 127.0.0.1

.PHONY: venv browser test demo bench deploy build clean devserver fakeboard

$(STAMP): requirements-dev.txt
	rm -f $(VENV)/.installed-*
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(STUBS): requirements-stubs-esp32.txt requirements-stubs-picow.txt $(STAMP)
	rm -rf typings
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --target typings/esp32 -r requirements-stubs-esp32.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --target typings/picow -r requirements-stubs-picow.txt
	touch $@

venv: $(STAMP) $(STUBS)

# The dashboard test drives Debian's Chromium. Installed here when missing (CI on a clean machine
# too); without apt-get or root it stops with the command to run, and the test fails, never skips.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "make: the dashboard test needs Chromium: install Debian's chromium and chromium-driver packages" >&2; exit 1; }
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium chromium-driver

browser: $(CHROMIUM)

## make test: every check (CPython + real MicroPython + mpy-cross + mypy + the dashboard in
## headless Chromium), from a fresh clone too
test: venv browser
	$(PY) -m pytest

## make demo [BOARD=esp32|picow] [DEMO_SECONDS=10]: the dev server with its live dashboard and a
## board's main.py on MicroPython pushing synthetic readings to it (Ctrl-C or DEMO_SECONDS stops)
demo: venv
	$(PY) -m tools.demo --board $(BOARD) --seconds $(DEMO_SECONDS)

ISSTREAMER := build/isstreamer/.installed-$(shell cat bench/requirements-bench.txt | cksum | cut -d' ' -f1)

$(ISSTREAMER): bench/requirements-bench.txt
	rm -rf build/isstreamer
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --target build/isstreamer -r bench/requirements-bench.txt
	touch $@

## make bench: memory and speed figures (bench/results.md), under five minutes
bench: venv $(ISSTREAMER)
	$(PY) -m tools.bench

## make deploy PORT=/dev/ttyUSB0 BOARD=esp32 [CONFIG=config.json] [MAIN=main|sleep] [DRY_RUN=1]
deploy: venv
	$(PY) -m tools.deploy --port "$(PORT)" --board $(BOARD) --config $(CONFIG) --main $(MAIN) $(if $(DRY_RUN),--dry-run)

## make devserver [HOST=0.0.0.0]: every service emulator + the live dashboard (127.0.0.1 by default)
devserver: venv
	$(PY) -m tools.devserver --host $(HOST)

## make fakeboard: a stand-in board (MicroPython unix port on a pty) at build/ttyFAKE
fakeboard: venv
	$(PY) -m tools.fakeboard

## make build: compile lib/ to build/mpy with mpy-cross
build: venv
	$(PY) -m tools.mpy_build

clean:
	rm -rf build .pytest_cache .mypy_cache
