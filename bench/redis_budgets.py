#!/usr/bin/env python3
"""Budgets on Redis vs the single-process ledger, in one run (bench/redis.sh builds first). Starts a loopback upstream
fake, a Redis server and two routers that differ only in Redis:Connection, configures the same team (a team pool and
a per-developer budget, enforcing, never refusing) on each, and drives small non-streamed requests at 32 connections
through each in turn: req/s, router CPU µs/request and Redis CPU µs/request. Stops what it started."""
import json, os, secrets, shutil, subprocess, sys, tempfile, time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the main benchmark's helpers: start/stop, wrk, admin API, configuration)

SECONDS = 5
ROUNDS = 2


def main():
    run.WORK = tempfile.mkdtemp(prefix="agentrouter-bench-redis-")
    quiet = {"DOTNET_CLI_TELEMETRY_OPTOUT": "1"}
    up_port, redis_port = run.free_port(), run.free_port()
    run.UPSTREAM = f"http://127.0.0.1:{up_port}"
    run.ADMIN_TOKEN = "bench-" + secrets.token_hex(16)
    redis = run.start("redis", [shutil.which("redis-server"), "--port", str(redis_port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", run.WORK])
    upstream = run.start("upstream", ["dotnet", os.path.join(run.BUILD, "upstream", "AgentRouter.Bench.Upstream.dll"), "--urls", run.UPSTREAM], quiet)
    routers = {}
    for name, extra in (("in-process", {}), ("redis", {"Redis__Connection": f"127.0.0.1:{redis_port}"})):
        url = f"http://127.0.0.1:{run.free_port()}"
        proc = run.start(f"router-{name}", ["dotnet", os.path.join(run.BUILD, "router", "AgentRouter.Web.dll"), "--urls", url], {
            **quiet, "ASPNETCORE_ENVIRONMENT": "Production", "Data__Directory": os.path.join(run.WORK, name),
            "AGENTROUTER_ADMIN_TOKEN": run.ADMIN_TOKEN, "Logging__LogLevel__Default": "Warning", **extra,
        }, cwd=os.path.join(run.BUILD, "router"))
        routers[name] = (url, proc)
    run.wait_http(run.UPSTREAM + "/healthz")
    keys = {}
    for name, (url, _) in routers.items():
        run.wait_http(url + "/healthz")
        run.ROUTER = url
        keys[name] = run.configure()
        if not run.BUDGETS:
            raise SystemExit("budgets were not accepted; nothing to compare")
    body = run.write_bodies()["small"]
    load_before = run.loadavg()
    for name, (url, _) in routers.items():
        run.wrk(url + "/v1/messages", body, keys[name], 32, 3)  # warm-up
    samples = {name: [] for name in routers}
    for _ in range(ROUNDS):  # alternate, so both see the same machine
        for name, (url, proc) in routers.items():
            pids = {"router": proc.pid, "redis": redis.pid}
            before = {n: run.cpu_ticks(p) for n, p in pids.items()}
            r = run.wrk(url + "/v1/messages", body, keys[name], 32, SECONDS)
            after = {n: run.cpu_ticks(p) for n, p in pids.items()}
            n = max(r["requests"], 1)
            errors = r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["status_errors"] + r["timeouts"]
            sample = {"rps": round(r["requests"] / (r["duration_us"] / 1e6), 1), "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
                      "router_cpu_us_per_req": round((after["router"] - before["router"]) * 1e6 / run.CLK_TCK / n, 1),
                      "redis_cpu_us_per_req": round((after["redis"] - before["redis"]) * 1e6 / run.CLK_TCK / n, 1), "errors": errors}
            samples[name].append(sample)
            run.log(f"  {name:<10} {sample['rps']:>9,.0f} req/s  p50 {sample['p50_ms']:.3f} ms  router CPU {sample['router_cpu_us_per_req']} µs/req"
                    f"  Redis CPU {sample['redis_cpu_us_per_req']} µs/req  errors {errors}")
    report = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "seconds_per_run": SECONDS, "rounds": ROUNDS,
              "connections": 32, "case": "small non-streamed, team pool + per-developer budget",
              "loadavg_before": load_before, "loadavg_after": run.loadavg(), "samples": samples}
    os.makedirs(os.path.join(run.BENCH, "results"), exist_ok=True)
    with open(os.path.join(run.BENCH, "results", "redis-budgets.json"), "w") as f:
        json.dump(report, f, indent=2, ensure_ascii=False)
    print(f"\nBudgets on the path, small non-streamed, c=32, {SECONDS} s × {ROUNDS} rounds (load {load_before} → {report['loadavg_after']})")
    print("| ledger | req/s | p50 ms | p99 ms | router CPU µs/req | Redis CPU µs/req | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, rows in samples.items():
        avg = lambda k: sum(s[k] for s in rows) / len(rows)
        print(f"| {name} | {avg('rps'):,.0f} | {avg('p50_ms'):.3f} | {avg('p99_ms'):.3f} | {avg('router_cpu_us_per_req'):.0f} | "
              f"{avg('redis_cpu_us_per_req'):.0f} | {sum(s['errors'] for s in rows)} |")


if __name__ == "__main__":
    try:
        main()
    finally:
        run.stop_all()
