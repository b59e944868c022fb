#!/usr/bin/env python3
"""Gateway benchmark, in one run: the same requests to a loopback upstream fake directly, through the .NET floor
(bench/Floor: YARP's MapForwarder and nothing else), through Portkey's open-source gateway (npm) and through the router.
Called by run.sh, which builds and installs everything first. Starts the fake and the three proxies, configures the
router through its admin API, drives load with wrk and bench/Driver, prints a table and writes
bench/results/latest.json. Stops what it started."""
import json, os, platform, secrets, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.error, urllib.request
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
BUILD = os.path.join(BENCH, "results", "build")
QUICK = "--quick" in sys.argv
DURATION = 3 if QUICK else 8          # seconds per measured wrk run
WARMUP = 2 if QUICK else 4            # seconds of warm-up per case shape (JIT tiering, pools)
CONCURRENCY = [1, 32, 256]
HOLD_STREAMS = 1000
HOLD_DELAY_MS = 60 if QUICK else 200  # 50 events per stream: 3 s (quick) or 10 s per stream
TTFB_N = 100 if QUICK else 300
# --cases small,openai_small measures only those cases at c=32 and skips the streams and TTFB runs (profiling loops);
# the table then has no verdict on the targets it did not measure.
ONLY = next((a.split("=", 1)[1].split(",") for a in sys.argv if a.startswith("--cases=")), None)
CLK_TCK = os.sysconf("SC_CLK_TCK")
BUDGETS = False
started_procs = []


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name, args, env=None, cwd=None):
    out = open(os.path.join(WORK, f"{name}.log"), "wb")
    p = subprocess.Popen(args, env={**os.environ, **(env or {})}, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                         start_new_session=True)
    started_procs.append((name, p))
    return p


def stop_all():
    for name, p in reversed(started_procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def wait_http(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up; see logs in {WORK}")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def admin(method, path, body=None):
    req = urllib.request.Request(ROUTER + "/api/admin" + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + ADMIN_TOKEN, "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read()
        return json.loads(text) if text else None


def configure():
    """What a platform team sets up: providers, catalog prices, a team with its profile, a developer and a key.
    Budgets (issue 4) are not implemented yet; once they are, the bench must configure one so admission is measured."""
    anthropic = admin("POST", "/providers", {"name": "Bench Anthropic", "kind": "anthropic", "baseUrl": UPSTREAM, "apiKey": "sk-ant-bench-0000"})
    openai = admin("POST", "/providers", {"name": "Bench OpenAI", "kind": "openai", "baseUrl": UPSTREAM + "/v1", "apiKey": "sk-bench-0000"})
    admin("PUT", "/catalog/claude-sonnet-4-5-20250929", {"inputPerMTok": 3, "outputPerMTok": 15, "cacheWritePerMTok": 3.75, "cacheReadPerMTok": 0.3, "contextWindow": 200000})
    admin("PUT", "/catalog/gpt-4o-2024-08-06", {"inputPerMTok": 2.5, "outputPerMTok": 10, "cacheWritePerMTok": 0, "cacheReadPerMTok": 1.25, "contextWindow": 128000})
    team = admin("POST", "/teams", {"name": "Bench", "slug": "bench"})
    models = {"models": [
        {"name": "claude-sonnet-4-5", "providerId": anthropic["id"], "upstreamModel": "claude-sonnet-4-5-20250929"},
        {"name": "gpt-4o", "providerId": openai["id"], "upstreamModel": "gpt-4o-2024-08-06"}]}
    # Budgets (issue 4) must be on the measured path where the router has them: a team pool and a per-developer
    # window, both enforcing ("block") and far too large to refuse anything during the run.
    budgets = {"budgets": [
        {"scope": "team", "tokens": 10**13, "cadence": "monthly", "mode": "block"},
        {"scope": "developer", "tokens": 10**13, "cadence": "daily", "mode": "block"}]}
    global BUDGETS
    try:
        admin("PUT", f"/teams/{team['id']}/profile", {**models, **budgets})
        BUDGETS = bool((admin("GET", f"/teams/{team['id']}/profile") or {}).get("budgets"))
    except urllib.error.HTTPError as e:
        log(f"  budgets not accepted ({e.code}); measuring without them")
        admin("PUT", f"/teams/{team['id']}/profile", models)
        BUDGETS = False
    log(f"  budgets on the measured path: {'yes' if BUDGETS else 'no (this router has none)'}")
    dev = admin("POST", "/developers", {"email": "bench@corp.example", "name": "Bench", "teamId": team["id"]})
    return admin("POST", "/keys", {"teamId": team["id"], "developerId": dev["id"], "name": "bench"})["key"]


def write_bodies():
    small = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": "Say hello."}]}
    stream = {**small, "stream": True}
    openai_small = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Say hello."}]}
    openai_stream = {**openai_small, "stream": True}
    # Claude Code-like: system blocks, tool definitions, a long conversation; ~100 kB, model first as Claude Code sends it.
    tools = [{"name": f"tool_{i}", "description": "Reads a file from the local filesystem. " * 12,
              "input_schema": {"type": "object", "properties": {"path": {"type": "string", "description": "Absolute path"}}, "required": ["path"]}}
             for i in range(40)]
    turns = []
    i = 0
    large = None
    while True:
        turns.append({"role": "user", "content": [{"type": "text", "text": f"Step {i}: " + "please refactor the handler and keep the tests green. " * 20}]})
        turns.append({"role": "assistant", "content": [{"type": "text", "text": "Done — here is the diff with \"quoted\" names and ünïcödé. " * 20}]})
        large = {"model": "claude-sonnet-4-5", "max_tokens": 32000, "system": [{"type": "text", "text": "You are Claude Code. " * 200, "cache_control": {"type": "ephemeral"}}],
                 "tools": tools, "messages": turns + [{"role": "user", "content": "Continue."}], "metadata": {"user_id": "user_bench"}}
        if len(json.dumps(large, separators=(",", ":")).encode()) >= 100 * 1024:
            break
        i += 1
    paths = {}
    for name, body in {"small": small, "stream": stream, "large": large, "openai_small": openai_small, "openai_stream": openai_stream}.items():
        path = os.path.join(WORK, f"{name}.json")
        with open(path, "wb") as f:
            f.write(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
        paths[name] = path
    return paths


def wrk(url, body, key, connections, seconds, headers=""):
    threads = 1 if connections == 1 else 2
    env = {**os.environ, "BENCH_BODY": body, "BENCH_KEY": key or "", "BENCH_HEADERS": headers}
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "--latency",
           "-s", os.path.join(BENCH, "request.lua"), url]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60).stdout
    line = next((l for l in out.splitlines() if l.startswith("BENCHJSON ")), None)
    if line is None:
        raise SystemExit("wrk printed no summary:\n" + out)
    return json.loads(line[len("BENCHJSON "):])


def measure(url, body, key, connections, seconds, pids, proc, headers=""):
    """One wrk run; CPU per request is that of `proc`, the process the requests went through (None: direct)."""
    before = {n: cpu_ticks(p) for n, p in pids.items()}
    r = wrk(url, body, key, connections, seconds, headers)
    after = {n: cpu_ticks(p) for n, p in pids.items()}
    n = max(r["requests"], 1)
    errors = r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["status_errors"] + r["timeouts"]
    return {
        "requests": r["requests"],
        "errors": errors,
        "rps": round(r["requests"] / (r["duration_us"] / 1e6), 1),
        "p50_ms": r["p50_us"] / 1000, "p90_ms": r["p90_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
        "cpu_us_per_req": None if proc is None else round((after[proc] - before[proc]) * 1e6 / CLK_TCK / n, 1),
        "upstream_cpu_us_per_req": round((after["upstream"] - before["upstream"]) * 1e6 / CLK_TCK / n, 1),
        "rss_mb": None if proc is None else rss_mb(pids[proc]),
    }


def driver(*args, timeout=180):
    out = subprocess.run(["dotnet", os.path.join(BUILD, "driver", "AgentRouter.Bench.Driver.dll"), *args],
                         capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise SystemExit("driver failed:\n" + out.stdout + out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def fmt(v, digits=2):
    return "—" if v is None else f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}"


def main():
    global WORK, UPSTREAM, ROUTER, ADMIN_TOKEN
    WORK = tempfile.mkdtemp(prefix="agentrouter-bench-")
    began = time.time()
    up_port, router_port, floor_port, portkey_port = free_port(), free_port(), free_port(), free_port()
    UPSTREAM, ROUTER = f"http://127.0.0.1:{up_port}", f"http://127.0.0.1:{router_port}"
    FLOOR, PORTKEY = f"http://127.0.0.1:{floor_port}", f"http://127.0.0.1:{portkey_port}"
    ADMIN_TOKEN = "bench-" + secrets.token_hex(16)
    quiet = {"DOTNET_gcServer": os.environ.get("DOTNET_gcServer", ""), "DOTNET_CLI_TELEMETRY_OPTOUT": "1"}
    quiet = {k: v for k, v in quiet.items() if v}
    upstream = start("upstream", ["dotnet", os.path.join(BUILD, "upstream", "AgentRouter.Bench.Upstream.dll"), "--urls", UPSTREAM], quiet)
    router = start("router", ["dotnet", os.path.join(BUILD, "router", "AgentRouter.Web.dll"), "--urls", ROUTER], {
        **quiet,
        "ASPNETCORE_ENVIRONMENT": "Production",
        "Data__Directory": os.path.join(WORK, "data"),
        "AGENTROUTER_ADMIN_TOKEN": ADMIN_TOKEN,
        "Logging__LogLevel__Default": "Warning",
    }, cwd=os.path.join(BUILD, "router"))
    floor = start("floor", ["dotnet", os.path.join(BUILD, "floor", "AgentRouter.Bench.Floor.dll"), "--urls", FLOOR, "--upstream", UPSTREAM], quiet)
    # Portkey's server listens on every interface (it takes no host option); nothing secret passes through it here.
    portkey = start("portkey", ["node", os.path.join(BUILD, "portkey", "node_modules", "@portkey-ai", "gateway", "build", "start-server.js"),
                                f"--port={portkey_port}", "--headless"], {"NODE_ENV": "production"})
    wait_http(UPSTREAM + "/healthz")
    wait_http(ROUTER + "/healthz")
    wait_http(FLOOR + "/healthz")
    wait_http(PORTKEY + "/")
    key = configure()
    bodies = write_bodies()
    pids = {"router": router.pid, "upstream": upstream.pid, "floor": floor.pid, "portkey": portkey.pid}
    rss_idle = rss_mb(router.pid)
    load_before = loadavg()

    # Memory on a freshly started router: 1,000 streams before any other load has grown its heap.
    log(f"  {HOLD_STREAMS} concurrent long-lived streams through the freshly started router…")
    hold_fresh = None if ONLY else hold(key, router.pid)

    cases = [  # name, path, body, dialect, what it is
        ("small", "/v1/messages", "small", "anthropic", "Anthropic, non-streamed, ~120 B body"),
        ("stream", "/v1/messages", "stream", "anthropic", "Anthropic, streamed, 50 SSE events"),
        ("large", "/v1/messages", "large", "anthropic", "Anthropic, non-streamed, 100 kB Claude Code-like body"),
        ("openai_small", "/v1/chat/completions", "openai_small", "openai", "OpenAI, non-streamed, ~90 B body"),
        ("openai_stream", "/v1/chat/completions", "openai_stream", "openai", "OpenAI, streamed, 50 chunks (router asks for and withholds the usage chunk)"),
    ]
    cases = [c for c in cases if ONLY is None or c[0] in ONLY]
    # Where each request goes: (target, base URL, router key, extra headers, the process whose CPU it costs).
    def targets(dialect):
        credential = "x-api-key: sk-ant-bench-0000" if dialect == "anthropic" else "authorization: Bearer sk-bench-0000"
        return [("direct", UPSTREAM, None, "", None),
                ("floor", FLOOR, None, "", "floor"),
                ("portkey", PORTKEY, None, f"x-portkey-provider: {dialect}|x-portkey-custom-host: {UPSTREAM}/v1|{credential}", "portkey"),
                ("router", ROUTER, key, "", "router")]

    # The router is a long-running process: measure it warm. Tiered JIT keeps promoting methods for a while after
    # start (the console and EF Core add many), so every case runs through every proxy once before anything is timed.
    for name, path, body, dialect, what in cases:
        for target, base, k, headers, proc in targets(dialect)[1:]:
            wrk(base + path, bodies[body], k, 32, WARMUP, headers)
    results = []
    for name, path, body, dialect, what in cases:
        for target, base, k, headers, proc in targets(dialect):
            wrk(base + path, bodies[body], k, 32, WARMUP if target == "router" else 1, headers)
        levels = [32] if name.startswith("openai") or ONLY else CONCURRENCY
        for c in levels:
            row = {"case": name, "description": what, "connections": c}
            for target, base, k, headers, proc in targets(dialect):
                row[target] = m = measure(base + path, bodies[body], k, c, DURATION, pids, proc, headers)
                log(f"  {name:<14} c={c:<4} {target:<7} {m['rps']:>10,.0f} req/s  p50 {m['p50_ms']:.3f} ms"
                    f"  p99 {m['p99_ms']:.3f} ms  CPU {m['cpu_us_per_req']} µs/req  errors {m['errors']}")
            d, f, p, r = row["direct"], row["floor"], row["portkey"], row["router"]
            row["ratio"] = {
                "router_over_direct_rps": round(r["rps"] / d["rps"], 3) if d["rps"] else None,
                "router_over_portkey_rps": round(r["rps"] / p["rps"], 2) if p["rps"] and p["errors"] < p["requests"] else None,
                "router_over_floor_cpu": round(r["cpu_us_per_req"] / f["cpu_us_per_req"], 2) if f["cpu_us_per_req"] else None,
                "added_p50_ms": round(r["p50_ms"] - d["p50_ms"], 3),
                "added_p99_ms": round(r["p99_ms"] - d["p99_ms"], 3),
                "floor_added_p50_ms": round(f["p50_ms"] - d["p50_ms"], 3),
            }
            results.append(row)

    if ONLY:
        report = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "loadavg": loadavg(), "cases": results}
        with open(os.path.join(BENCH, "results", "partial.json"), "w") as f:
            json.dump(report, f, indent=2, ensure_ascii=False)
        log("Wrote bench/results/partial.json")
        return
    log("  time to first byte on streams (sequential)…")
    ttfb = {"direct": driver("ttfb", "--url", UPSTREAM + "/v1/messages", "--n", str(TTFB_N)),
            "floor": driver("ttfb", "--url", FLOOR + "/v1/messages", "--n", str(TTFB_N)),
            "router": driver("ttfb", "--url", ROUTER + "/v1/messages", "--key", key, "--n", str(TTFB_N))}
    ttfb["added_p50_ms"] = round(ttfb["router"]["p50_ms"] - ttfb["direct"]["p50_ms"], 3)
    ttfb["added_p99_ms"] = round(ttfb["router"]["p99_ms"] - ttfb["direct"]["p99_ms"], 3)
    ttfb["floor_added_p50_ms"] = round(ttfb["floor"]["p50_ms"] - ttfb["direct"]["p50_ms"], 3)

    log(f"  {HOLD_STREAMS} concurrent long-lived streams through the router after the load cases…")
    hold_after = hold(key, router.pid)

    by = {(r["case"], r["connections"]): r for r in results}
    small32, large32, oai32 = by[("small", 32)], by[("large", 32)], by[("openai_small", 32)]
    targets_met = [
        ("small c=32: router throughput vs Portkey ≥ 10×", small32["ratio"]["router_over_portkey_rps"], ">=", 10, "×"),
        ("small c=32: router CPU/request vs floor ≤ 1.5×", small32["ratio"]["router_over_floor_cpu"], "<=", 1.5, "×"),
        ("OpenAI vs Anthropic non-streamed CPU/request (c=32) ≤ 1.1×",
         round(oai32["router"]["cpu_us_per_req"] / small32["router"]["cpu_us_per_req"], 2), "<=", 1.1, "×"),
        ("added p50 at c=1 (small) ≤ 0.2 ms", by[("small", 1)]["ratio"]["added_p50_ms"], "<=", 0.2, "ms"),
        ("added time to first byte on streams, p50 ≤ 0.5 ms", ttfb["added_p50_ms"], "<=", 0.5, "ms"),
        ("RSS with 1,000 streams, fresh start ≤ 300 MB", hold_fresh["rss_peak_mb"], "<=", 300, "MB"),
        ("RSS with 1,000 streams, after the load cases ≤ 300 MB", hold_after["rss_peak_mb"], "<=", 300, "MB"),
        ("100 kB bodies vs small-body rate (c=32) ≥ 50 %", round(large32["router"]["rps"] / small32["router"]["rps"], 3), ">=", 0.5, "×"),
    ]
    target_rows = [{"target": t, "measured": v, "unit": u, "met": (v >= lim if op == ">=" else v <= lim) if v is not None else False}
                   for t, v, op, lim, u in targets_met]
    for t, h in zip(target_rows[5:7], (hold_fresh, hold_after)):
        t["met"] = bool(t["met"]) and h["failed"] == 0

    report = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": QUICK,
        "machine": {"cpus": os.cpu_count(), "cpu_model": cpu_model(), "kernel": platform.release(),
                    "dotnet": subprocess.run(["dotnet", "--version"], capture_output=True, text=True).stdout.strip(),
                    "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
                    "loadavg_before": load_before, "loadavg_after": loadavg(),
                    "note": "load generator, proxies and upstream fake share the same CPUs; loopback only; a load average "
                            "well above the run's own (about 2) means other work shared the CPUs and the numbers are lower"},
        "seconds_per_run": DURATION,
        "budgets_on_path": BUDGETS,
        "router_rss_idle_mb": rss_idle,
        "router_rss_end_mb": rss_mb(router.pid),
        "cases": results,
        "ttfb": ttfb,
        "streams_1000_fresh": hold_fresh,
        "streams_1000_after_load": hold_after,
        "targets": target_rows,
        "elapsed_s": round(time.time() - began, 1),
    }
    os.makedirs(os.path.join(BENCH, "results"), exist_ok=True)
    with open(os.path.join(BENCH, "results", "latest.json"), "w") as f:
        json.dump(report, f, indent=2, ensure_ascii=False)
    print_table(report)


def hold(key, pid):
    h = driver("hold", "--url", f"{ROUTER}/v1/messages?delay_ms={HOLD_DELAY_MS}", "--key", key, "--pid", str(pid),
               "--streams", str(HOLD_STREAMS), "--timeout-s", "90", timeout=150)
    h["stream_seconds"] = 50 * HOLD_DELAY_MS / 1000
    return h


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    except OSError:
        return "?"


def print_table(rep):
    m = rep["machine"]
    print(f"\nAgent Router gateway benchmark — {rep['when']} — {m['cpus']} CPUs ({m['cpu_model']}), .NET SDK {m['dotnet']}, Node {m['node']}"
          f"{' — QUICK' if rep['quick'] else ''}; {rep['seconds_per_run']} s per run; wrk, proxies and upstream share the CPUs; "
          f"load average before {m['loadavg_before']}, after {m['loadavg_after']}; budgets on the path: {'yes' if rep['budgets_on_path'] else 'no'}.\n")
    print("| case | conns | direct req/s | floor req/s | Portkey req/s | router req/s | router/Portkey | floor CPU µs/req | Portkey CPU µs/req | router CPU µs/req | router/floor CPU | added p50 ms (floor / router) | router p99 ms | router RSS MB | errors d/f/P/r |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rep["cases"]:
        d, f, p, x, q = r["direct"], r["floor"], r["portkey"], r["router"], r["ratio"]
        print(f"| {r['case']} | {r['connections']} | {d['rps']:,.0f} | {f['rps']:,.0f} | {p['rps']:,.0f} | {x['rps']:,.0f} | {fmt(q['router_over_portkey_rps'], 1)} | "
              f"{f['cpu_us_per_req']:.0f} | {p['cpu_us_per_req']:,.0f} | {x['cpu_us_per_req']:.0f} | {fmt(q['router_over_floor_cpu'])} | "
              f"{q['floor_added_p50_ms']:+.3f} / {q['added_p50_ms']:+.3f} | {x['p99_ms']:.1f} | {x['rss_mb']:.0f} | {d['errors']}/{f['errors']}/{p['errors']}/{x['errors']} |")
    t = rep["ttfb"]
    print(f"\nStream time to first byte (sequential, ms): direct p50 {fmt(t['direct']['p50_ms'], 3)} / p99 {fmt(t['direct']['p99_ms'], 3)}; "
          f"floor p50 {fmt(t['floor']['p50_ms'], 3)}; router p50 {fmt(t['router']['p50_ms'], 3)} / p99 {fmt(t['router']['p99_ms'], 3)}; "
          f"added p50 floor {t['floor_added_p50_ms']:+.3f}, router {t['added_p50_ms']:+.3f} (p99 {t['added_p99_ms']:+.3f})")
    for label, h in (("fresh router", rep["streams_1000_fresh"]), ("after the load cases", rep["streams_1000_after_load"])):
        print(f"{h['streams']} concurrent streams ({h['stream_seconds']:.0f} s each), {label}: {h['completed_ok']} completed, "
              f"{h['failed']} failed, up to {h['max_open_at_once']} open at once; router RSS {h['rss_before_mb']} → peak {h['rss_peak_mb']} MB; "
              f"TTFB under that load p50 {fmt(h['ttfb_p50_ms'], 1)} / p99 {fmt(h['ttfb_p99_ms'], 1)} ms")
    print(f"Router RSS idle after start {rep['router_rss_idle_mb']} MB, at the end {rep['router_rss_end_mb']} MB.\n")
    print("| target | measured | met |")
    print("|---|---:|:---:|")
    for t in rep["targets"]:
        print(f"| {t['target']} | {fmt(t['measured'])} {t['unit']} | {'yes' if t['met'] else 'NO'} |")
    print(f"\nWrote bench/results/latest.json ({rep['elapsed_s']} s).")


if __name__ == "__main__":
    try:
        main()
    finally:
        stop_all()
        if "WORK" in globals() and not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(WORK, ignore_errors=True)
