#!/usr/bin/env python3
"""SIGKILL under load: how many answered requests lose their usage record.

Starts the published router (bench/results/build/router, Production, a throw-away data folder, the built-in sandbox
provider answering at once), drives non-streamed /v1/messages requests from several processes for a few seconds,
kills the router with SIGKILL mid-load, then counts the answered requests (a 200 with a request id) whose usage record
is missing from the store. Prints one JSON line. Usage: python3 bench/kill9.py [--seconds 4] [--clients 16] [--runs 3]"""
import argparse, http.client, json, multiprocessing, os, signal, socket, sqlite3, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUTER = os.path.join(ROOT, "bench", "results", "build", "router", "AgentRouter.Web.dll")
TOKEN = "kill9-admin-token-0123456789"
BODY = json.dumps({"model": "sandbox-claude", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin(port, method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def client(port, key, until, out):
    answered = []
    conn = None
    while time.time() < until:
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/v1/messages", BODY, {"x-api-key": key, "anthropic-version": "2023-06-01", "content-type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status == 200:
                answered.append(r.getheader("x-agentrouter-request-id"))
        except Exception:
            break  # the router is gone
    with open(out, "w") as f:
        f.write("\n".join(answered))


def run(seconds, clients):
    data = tempfile.mkdtemp(prefix="agentrouter-kill9-")
    port = free_port()
    env = {**os.environ, "ASPNETCORE_URLS": f"http://127.0.0.1:{port}", "Data__Directory": os.path.join(data, "data"),
           "AGENTROUTER_ADMIN_TOKEN": TOKEN, "Gateway__SandboxEventDelay": "00:00:00", "Jobs__Server": "false"}
    router = subprocess.Popen(["dotnet", ROUTER], cwd=data, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                admin(port, "GET", "/api/admin/providers")
                break
            except Exception:
                if time.time() > deadline:
                    raise SystemExit("router did not start")
                time.sleep(0.2)
        sandbox = next(p["id"] for p in admin(port, "GET", "/api/admin/providers") if p["kind"] == "sandbox")
        team = admin(port, "POST", "/api/admin/teams", {"name": "Kill", "slug": "kill"})["id"]
        admin(port, "PUT", f"/api/admin/teams/{team}/profile", {"models": [{"name": "sandbox-claude", "providerId": sandbox, "upstreamModel": "sandbox-claude"}]})
        dev = admin(port, "POST", "/api/admin/developers", {"email": "k@corp.example", "name": "K", "teamId": team})["id"]
        key = admin(port, "POST", "/api/admin/keys", {"teamId": team, "developerId": dev, "name": "k"})["key"]

        until = time.time() + seconds + 30  # clients stop when the router dies
        outs = [os.path.join(data, f"answered-{i}.txt") for i in range(clients)]
        procs = [multiprocessing.Process(target=client, args=(port, key, until, o)) for o in outs]
        for p in procs:
            p.start()
        time.sleep(seconds)
        router.send_signal(signal.SIGKILL)
        router.wait()
        for p in procs:
            p.join()
    finally:
        if router.poll() is None:
            router.kill()
    answered = set()
    for o in outs:
        with open(o) as f:
            answered.update(line for line in f.read().split("\n") if line)
    db = sqlite3.connect(os.path.join(data, "data", "agentrouter.db"))
    recorded = {row[0] for row in db.execute("SELECT RequestId FROM Usage")}
    db.close()
    lost = len(answered - recorded)
    rate = len(answered) / seconds
    return {"answered": len(answered), "recorded": len(recorded & answered), "lost": lost,
            "requests_per_s": round(rate), "lost_ms_of_traffic": round(1000 * lost / rate, 1) if rate else None}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not os.path.exists(ROUTER):
        raise SystemExit(f"{ROUTER} is missing: run bench/kill9.sh (it publishes the router first)")
    results = [run(args.seconds, args.clients) for _ in range(args.runs)]
    print(json.dumps({"runs": results, "max_lost": max(r["lost"] for r in results),
                      "max_lost_ms_of_traffic": max(r["lost_ms_of_traffic"] or 0 for r in results)}))


if __name__ == "__main__":
    main()
