"""`make bench`: memory and speed figures of iotpush on the real MicroPython interpreter (and on
CPython against the official client), against the seed's way in the same run.

Writes bench/results.json (everything, raw) and bench/results.md (the tables), prints the
tables. Heap figures are deterministic (heap-cap bisection, exact allocation counts); speed
figures are ratios of methods measured alternately in the same process, never bare seconds.
This interpreter is a 64-bit build: heap figures are upper bounds for 32-bit boards.

    python -m tools.bench [--quick]       # --quick: fewer rounds (a smoke run)
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from tools import bench_cases, selfsigned
from tools.emulators import Hub
from tools.heapbisect import ROOT, Runner, min_heap
from tools.wirecount import WireCount

OUT_DIR = os.path.join(ROOT, "bench")
ISSTREAMER_DIR = os.path.join(ROOT, "build", "isstreamer")
BUDGET_24K = 24 * 1024


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def lean_emulators():
    """Every emulator, minus per-request rate-window bookkeeping where no rate limit is set
    (it grows with the requests of the last seconds and would make the server, not the
    client, what the throughput figures measure). Validation stays as strict."""
    from tools.emulators import all_emulators

    emus = all_emulators()
    for e in emus:
        if getattr(e, "rate_limit", 0) is None and hasattr(e, "_rate"):
            e._rate = lean_rate
    return emus


def lean_rate():
    return {"X-RateLimit-Limit": "1000000", "X-RateLimit-Remaining": "1000000",
            "X-RateLimit-Reset": str(int(time.time()) + 10)}


class Bench:
    def __init__(self, quick=False):
        self.quick = quick
        self.r = Runner()
        self.res = {"interpreter": self._version(), "cases": {}}

    def _version(self):
        out = self.r.run("b_import", [], heap="64K").stdout  # warms the build as well
        v = subprocess.run([os.path.join(os.path.dirname(sys.executable), "micropython"), "-c",
                            "import sys; print(sys.implementation)"], capture_output=True,
                           text=True).stdout.strip()
        return {"implementation": v, "empty_script_ok": "OK" in out}

    # --- 1. import footprint ------------------------------------------------------------------
    def imports(self, case, info):
        mods = info["modules"]
        out = {}
        for kind, py in (("mpy", False), ("py", True)):
            r = self.r.run("b_import", ["iotpush"] + mods, heap="1M", py=py)
            total = self._parse_imports(r)["total"]
            r = self.r.run("b_import", bench_cases.CORE_ORDER + mods + bench_cases.OPTIONAL,
                           heap="1M", py=py)
            out[kind] = {"total": total, "modules": self._parse_imports(r)}
            out[kind]["min_heap"] = min_heap(
                lambda h: self.r.ok("b_import", ["iotpush"] + mods, h, py=py))
        out["min_heap_empty_script"] = min_heap(lambda h: self.r.ok("b_import", [], h))
        return out

    @staticmethod
    def _parse_imports(r):
        if r.returncode:
            raise RuntimeError(r.output)
        d = {}
        for line in r.stdout.splitlines():
            p = line.split()
            if p and p[0] == "imp":
                d[p[1]] = int(p[2])
        return d

    # --- 2. allocations per log() ---------------------------------------------------------------
    def allocs(self, case):
        r = self.r.run("b_alloc", [case], heap="256K")
        if r.returncode:
            raise RuntimeError(r.output)
        d = {}
        for line in r.stdout.splitlines():
            if line.startswith("alloc "):
                k, v = line[6:].rsplit(": ", 1)
                d[k] = float(v)
        return d

    # --- 3. peak heap of one flush ----------------------------------------------------------------
    def flush_peaks(self, case, info, hub, https_hub):
        env = {"BASE": hub.base(info["emulator"]), "MODULES": ",".join(info["modules"])}
        who = [("iotpush", "requests"), ("iotpush", "keepalive")]
        if info["seed"]:
            who += [("seed", "requests"), ("seed1", "requests")]
        out = {}
        for w, tr in who:
            for n in (10, 100):
                out["%s/%s/%d" % (w, tr, n)] = self._flush_case(w, tr, n, case, env)
        if https_hub is not None:
            env = dict(env, BASE=https_hub.base(info["emulator"]))
            for w, tr in who[:2] + (who[2:3] if info["seed"] else []):
                out["https %s/%s/10" % (w, tr)] = self._flush_case(w, tr, 10, case, env)
        return out

    def _flush_case(self, w, tr, n, case, env):
        d = {}
        for ph in (0, 1, 2, 3):
            d["phase%d" % ph] = min_heap(lambda h: self.r.ok(
                "b_flush", [w, n, ph, tr, case, "json"], h, env))
            r = self.r.run("b_flush", [w, n, ph, tr, case, "json"], 1 << 20, env)
            d["live%d" % ph] = int(r.stdout.split("live")[1].split()[0])
        d["first_flush_extra"] = d["phase3"] - d["phase2"]
        d["flush_extra"] = min_heap(lambda f: self.r.ok(
            "b_flush", [w, n, 4, tr, case, "json", f], 512 * 1024, env), lo=-32, hi=65536, step=32)
        log("  flush %s/%s/%d %s" % (w, tr, n, d))
        return d

    # --- 4. smallest heap for a 1,000-event push ---------------------------------------------------
    def push1000(self, case, info, hub):
        emu = hub[info["emulator"]]
        env = {"BASE": hub.base(info["emulator"])}
        who = [("iotpush", "requests"), ("iotpush", "keepalive")]
        if info["seed"]:
            who.append(("seed", "requests"))
        out = {}
        for w, tr in who:
            def completes(h):
                before = len(emu.events)
                ok = self.r.ok("b_push", [w, tr, case, 32], h, env)
                if ok and len(emu.events) - before < 1000:
                    raise RuntimeError("b_push said OK but the emulator did not get 1000 events")
                return ok
            out["%s/%s" % (w, tr)] = min_heap(completes)
            log("  push1000 %s/%s: %d" % (w, tr, out["%s/%s" % (w, tr)]))
            emu.reset()
        return out

    # --- 5. throughput, alternately ---------------------------------------------------------------
    def throughput(self, case, hub, methods, rounds, events):
        r = self.r.run("b_tput", [case, rounds, events, ",".join(methods)], heap="512K",
                       env={"BASE": hub.base(bench_cases.CASES[case]["emulator"])})
        if r.returncode:
            raise RuntimeError(r.output)
        rows = []
        for line in r.stdout.splitlines():
            p = line.split()
            if p and p[0] == "tput":
                rows.append({"round": int(p[1]), "method": p[2], "events": int(p[3]),
                             "requests": int(p[4]), "us": int(p[5])})
        return rows

    @staticmethod
    def ratios(rows, num, dens, unit="events", time_key="us"):
        """Per round, rate(num) / rate(den); the median and range over the rounds."""
        out = {}
        by = {}
        for x in rows:
            by.setdefault(x["round"], {})[x["method"]] = x
        for den in dens:
            rs = []
            for rnd in sorted(by):
                a, b = by[rnd].get(num), by[rnd].get(den)
                if a and b:
                    rs.append((a[unit] / a[time_key]) / (b[unit] / b[time_key]))
            if rs:
                out[den] = {"median": statistics.median(rs), "min": min(rs), "max": max(rs),
                            "rounds": len(rs)}
        return out

    # --- 6. CPython vs the official client ----------------------------------------------------------
    def cpython(self):
        if not os.path.isdir(os.path.join(ISSTREAMER_DIR, "ISStreamer")):
            return {"skipped": "ISStreamer is not installed in build/isstreamer (make bench does it)"}
        ev = 2000 if self.quick else 10000
        r = subprocess.run([sys.executable, "-m", "tools.bench_cpython", "--isstreamer",
                            ISSTREAMER_DIR, "--events", str(ev), "--rounds", "5"],
                           cwd=ROOT, capture_output=True, text=True, timeout=240)
        if r.returncode:
            raise RuntimeError(r.stdout + r.stderr)
        d = json.loads(r.stdout.strip().splitlines()[-1])
        rows = d["rows"]
        for x in rows:
            x["cpu_per_event"] = x["cpu_s"] / x["events"]
        d["events_per_s_ratio"] = {
            m: self.ratios(rows, m, ["isstreamer"], time_key="wall_s")["isstreamer"]
            for m in ("iotpush", "iotpush_keepalive")}
        d["cpu_per_event_ratio"] = {}  # official's CPU per event / ours: > 1 means we use less
        for m in ("iotpush", "iotpush_keepalive"):
            rs = []
            for rnd in sorted({x["round"] for x in rows}):
                a = [x for x in rows if x["round"] == rnd and x["method"] == m][0]
                b = [x for x in rows if x["round"] == rnd and x["method"] == "isstreamer"][0]
                rs.append(b["cpu_per_event"] / a["cpu_per_event"])
            d["cpu_per_event_ratio"][m] = {"median": statistics.median(rs), "min": min(rs),
                                           "max": max(rs), "rounds": len(rs)}
        return d

    # --- 7. bytes on the wire -----------------------------------------------------------------------
    def wire(self, case, info, hub, https_hub):
        out = {}
        n = 100
        configs = []
        for mode in info["modes"]:
            configs += [("iotpush", "requests", mode), ("iotpush", "keepalive", mode)]
        if info["seed"]:
            configs += [("seed", "requests", "json"), ("seed1", "requests", "json")]
        for label, h in (("http", hub), ("https", https_hub)):
            if h is None:
                continue
            with WireCount(("127.0.0.1", h.port), lifetime=120) as w:
                scheme = "https" if label == "https" else "http"
                base = "%s://127.0.0.1:%d/%s" % (scheme, w.port, info["emulator"])
                for who, tr, mode in configs:
                    if label == "https" and (mode != "json" or who == "seed1"):
                        continue
                    w.reset()
                    r = self.r.run("b_wire", [who, tr, case, mode, n], heap="512K",
                                   env={"BASE": base})
                    if r.returncode:
                        raise RuntimeError(r.output)
                    w.settle()
                    out["%s %s/%s/%s" % (label, who, tr, mode)] = {
                        "up_per_event": w.up / n, "down_per_event": w.down / n,
                        "connections": w.connections, "events": n}
        return out


def fmt_kb(b):
    return "%.1f KB" % (b / 1024)


def render(res):
    L = []
    a = L.append
    a("# iotpush bench results")
    a("")
    a("Generated by `make bench` (tools/bench.py) on `%s`. Heap figures: this unix port is a "
      "**64-bit** build (GC blocks of 32 B, pointers of 8 B), so they are upper bounds for a "
      "32-bit ESP32 / Pico W; they repeat exactly from run to run. Speed figures are ratios of "
      "methods measured alternately in the same process (median over rounds, range in "
      "brackets), never bare seconds. mbedTLS allocates outside the GC heap in this build, so "
      "HTTPS heap figures leave out the TLS session (tens of KB on a board)."
      % res["interpreter"]["implementation"])
    for case, c in res["cases"].items():
        a("")
        a("## %s" % case)
        imp = c["imports"]
        a("")
        a("### 1. Import footprint (heap retained after `import iotpush` + the service)")
        a("")
        a("| from | retained | smallest heap that imports |")
        a("|---|---|---|")
        for kind in ("mpy", "py"):
            a("| .%s | %d B | %d B |" % (kind, imp[kind]["total"], imp[kind]["min_heap"]))
        a("| (empty script) | | %d B |" % imp["min_heap_empty_script"])
        a("")
        a("Per module (imported leaves first; each line is that module alone; `requests` is "
          "frozen in firmware):")
        a("")
        a("| module | .mpy | .py |")
        a("|---|---|---|")
        for m, v in imp["mpy"]["modules"].items():
            if m == "total":
                continue
            a("| %s | %d | %d |" % (m, v, imp["py"]["modules"].get(m, 0)))
        a("")
        a("### 2. Bytes allocated per call")
        a("")
        a("| call | bytes |")
        a("|---|---|")
        for k, v in c["allocs"].items():
            a("| %s | %g |" % (k, v))
        fp = c["flush"]
        a("")
        a("### 3. Peak heap of one flush (smallest `-X heapsize` that completes)")
        a("")
        a("Smallest heap completing each phase: 0 imports, 1 objects made, 2 events buffered, "
          "3 sent (the first flush). *Flush extra* (the budget's figure): what one flush in "
          "steady state needs on top of everything live (buffers, open connection), by "
          "bisecting the free heap left by ballast (a large heap otherwise).")
        a("")
        a("Each cell: smallest heap / live heap after the phase (gc.mem_alloc() after a collect).")
        a("")
        a("| who / transport / events | imports | + objects | + buffered | + first flush | flush extra |")
        a("|---|---|---|---|---|---|")
        for k, d in fp.items():
            a("| %s | %s | **%d B** |" % (k, " | ".join(
                "%d / %d" % (d["phase%d" % p], d["live%d" % p]) for p in range(4)), d["flush_extra"]))
        a("")
        a("### 4. Smallest heap that completes a 1,000-event push")
        a("")
        a("| who / transport | smallest heap |")
        a("|---|---|")
        for k, v in c["push1000"].items():
            a("| %s | %d B (%s) |" % (k, v, fmt_kb(v)))
        a("")
        a("### 5. Throughput to the loopback emulator (events/s ratio, alternating rounds)")
        a("")
        a("| ratio | median | range |")
        a("|---|---|---|")
        for name, rr in c["throughput"]["ratios"].items():
            for den, v in rr.items():
                a("| %s / %s | **%.2fx** | %.2f-%.2f |" % (name, den, v["median"], v["min"], v["max"]))
        if c.get("https"):
            for den, v in c["https"]["ratios"].items():
                a("| HTTPS flushes/s: ours_ka / %s | **%.2fx** | %.2f-%.2f |" % (
                    den, v["median"], v["min"], v["max"]))
        a("")
        a("### 7. Bytes on the wire per event (100 events, counted by a TCP proxy)")
        a("")
        a("| scheme who/transport/mode | up B/event | down B/event | connections |")
        a("|---|---|---|---|")
        for k, d in c["wire"].items():
            a("| %s | %.1f | %.1f | %d |" % (k, d["up_per_event"], d["down_per_event"],
                                          d["connections"]))
    cp = res.get("cpython", {})
    a("")
    a("## 6. CPython: iotpush vs the official ISStreamer client (use_async=False)")
    a("")
    if "skipped" in cp:
        a("Skipped: %s" % cp["skipped"])
    else:
        a("%d events each to the same emulator (in another process), alternating rounds; "
          "CPython %s." % (cp["events_each"], cp["python"]))
        a("")
        a("| iotpush transport | events/s vs ISStreamer | ISStreamer CPU per event / ours |")
        a("|---|---|---|")
        for m in ("iotpush", "iotpush_keepalive"):
            e, c2 = cp["events_per_s_ratio"][m], cp["cpu_per_event_ratio"][m]
            a("| %s | **%.2fx** (%.2f-%.2f) | **%.2fx** (%.2f-%.2f) |" % (
                "requests-like (new connection per request)" if m == "iotpush" else "KeepAlive",
                e["median"], e["min"], e["max"], c2["median"], c2["min"], c2["max"]))
        a("")
        a("Arrived at the emulator: %s." % cp["arrived"])
    a("")
    a("## Budget")
    a("")
    a("| line | target | measured | held |")
    a("|---|---|---|---|")
    for b in res["budget"]:
        a("| %s | %s | %s | %s |" % (b["line"], b["target"], b["measured"],
                                    "yes" if b["held"] else "**NO**"))
    return "\n".join(L) + "\n"


def budget(res):
    out = []
    c = res["cases"]["initialstate"]
    num = [v for k, v in c["allocs"].items() if k in ("log(float)", "log(int)", "log(bool)")]
    out.append({"line": "log() of a number allocates", "target": "0 B",
                "measured": "%g B" % max(num), "held": max(num) == 0})
    s = c["allocs"]["log(str) of a string made per call (the caller's)"]
    s0 = c["allocs"]["the caller's string alone"]
    out.append({"line": "log() of a short string allocates", "target": "only the caller's string",
                "measured": "%g B (the string alone: %g B)" % (s, s0), "held": s <= s0})
    ours = c["flush"]["iotpush/requests/10"]["flush_extra"]
    ka = c["flush"]["iotpush/keepalive/10"]["flush_extra"]
    seed = c["flush"]["seed/requests/10"]["flush_extra"]
    out.append({"line": "10-event flush extra heap vs the seed's", "target": "<= 1/3 (%d B)" % (seed // 3),
                "measured": "%d B requests, %d B KeepAlive; seed %d B (%.2f, %.2f)" % (
                    ours, ka, seed, ours / seed, ka / seed),
                "held": ours * 3 <= seed})
    p = c["push1000"]["iotpush/requests"]
    pk = c["push1000"]["iotpush/keepalive"]
    out.append({"line": "1,000 events, core + Initial State from .mpy", "target": "<= 24K heap (24576 B)",
                "measured": "%d B requests, %d B KeepAlive (seed %d B)" % (p, pk, c["push1000"]["seed/requests"]),
                "held": p <= BUDGET_24K})
    tr = c["throughput"]["ratios"]["ours"]
    out.append({"line": "throughput vs the seed's batched way", "target": ">= 1.0x",
                "measured": "%.2fx (KeepAlive %.2fx)" % (tr["seed"]["median"],
                                                          c["throughput"]["ratios"]["ours_ka"]["seed"]["median"]),
                "held": tr["seed"]["median"] >= 1.0})
    out.append({"line": "throughput vs one POST per event", "target": ">= 5x",
                "measured": "%.2fx" % tr["seed1"]["median"], "held": tr["seed1"]["median"] >= 5})
    if c.get("https"):
        h = c["https"]["ratios"]["ours"]
        out.append({"line": "KeepAlive flushes/s over HTTPS vs requests", "target": ">= 3x",
                    "measured": "%.2fx" % h["median"], "held": h["median"] >= 3})
    cp = res.get("cpython", {})
    if "events_per_s_ratio" in cp:
        e = cp["events_per_s_ratio"]
        out.append({"line": "CPython events/s vs ISStreamer", "target": ">= 1.0x",
                    "measured": "%.2fx requests-like, %.2fx KeepAlive" % (
                        e["iotpush"]["median"], e["iotpush_keepalive"]["median"]),
                    "held": e["iotpush"]["median"] >= 1.0})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    t0 = time.time()
    b = Bench(a.quick)
    rounds, events = (3, 100) if a.quick else (8, 200)
    tls = None
    if selfsigned.available():
        tls = selfsigned.make(os.path.join(ROOT, "build", "bench-certs"))
    with Hub(lean_emulators(), lifetime=600) as hub:
        https = Hub(lean_emulators(), lifetime=600, tls=(tls["cert"], tls["key"])).start() if tls else None
        try:
            for case, info in bench_cases.CASES.items():
                log("== %s" % case)
                c = b.res["cases"][case] = {}
                c["imports"] = b.imports(case, info)
                log("  imports done")
                c["allocs"] = b.allocs(case)
                c["flush"] = b.flush_peaks(case, info, hub, https)
                c["push1000"] = b.push1000(case, info, hub)
                if info["seed"]:
                    rows = b.throughput(case, hub, ["ours", "ours_ka", "seed", "seed1"], rounds, events)
                    c["throughput"] = {"rows": rows, "ratios": {
                        "ours": b.ratios(rows, "ours", ["seed", "seed1"]),
                        "ours_ka": b.ratios(rows, "ours_ka", ["seed", "seed1", "ours"])}}
                    log("  throughput", c["throughput"]["ratios"])
                    if https is not None:
                        rows = b.throughput(case, https, ["ours", "ours_ka"], rounds, events)
                        c["https"] = {"rows": rows, "ratios": b.ratios(
                            rows, "ours_ka", ["ours"], unit="requests")}
                        log("  https", c["https"]["ratios"])
                c["wire"] = b.wire(case, info, hub, https)
                hub.reset()
        finally:
            if https is not None:
                https.stop()
    log("== CPython vs ISStreamer")
    b.res["cpython"] = b.cpython()
    b.res["budget"] = budget(b.res)
    b.res["runs"] = b.r.runs
    b.res["bench_seconds"] = round(time.time() - t0, 1)
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "results.json"), "w") as f:
        json.dump(b.res, f, indent=1, sort_keys=True)
    md = render(b.res)
    with open(os.path.join(OUT_DIR, "results.md"), "w") as f:
        f.write(md)
    print(md)
    log("bench: %d interpreter runs in %.0f s" % (b.r.runs, time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
