#!/usr/bin/env python3
"""Load test of a running `sequitur serve`: concurrent answers equal solo answers, and nothing leaks.

About 20 prompts, each asked three ways (POST /v1/score; a completion with echo, logprobs and max_tokens 0; a greedy
completion, temperature 0, max_tokens 4-12), make the distinct requests. Each is first sent alone, one after another
(the solo answers, and the warm-up round), then all of them several times over, shuffled, from 16 concurrent clients
(--requests in all, 240 by default), in two identical rounds. Every concurrent response must equal its solo one
exactly: texts, token ids and log-probs compared as JSON values (the same decimal, so the same float bits); only
"id" and "created" may differ.

With --pid, the server's resident memory (VmRSS in /proc/PID/status) is read idle, after the warm-up round and after
each load round, and /metrics' sequitur_kv_blocks_in_use idle and after the load: the run fails if the KV blocks in
use after the load exceed the idle figure (the exact check: every request's states hold KV blocks), or if the
RSS after every later round exceeds the first round's by more than 25% (a coarse one for host memory): a leak
grows with every round, while the idle RSS after a round sits at one of two levels about 25 MiB (15%) apart here,
whichever the allocator lands on, though the server drops its buffers and trims its heap when idle. Every idle reading waits for the server to give back what
it caches between requests (prompt prefixes, the KV storage grown under load; `sequitur serve
--idle-release-seconds`, 5 s by default), up to 15 s. It reports requests/s and generated tokens/s, sequential and concurrent.

Run: python scripts/interop/load_test.py --base-url http://127.0.0.1:8080 --api-key KEY --pid SERVER_PID
Exits 1 naming the failed check and the two values.
"""
import argparse
import json
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

try:
    import httpx
except ImportError:  # the openai client's current releases bring httpx2, httpx's API under another name
    import httpx2 as httpx

PROMPTS = [
    "The capital of France is",
    "Once upon a time",
    "The quick brown fox",
    "In 1969, the first men on the Moon",
    "Water boils at a temperature of",
    "My favourite colour is",
    "The largest planet in the solar system is",
    "To make a cup of tea, first",
    "The opposite of hot is",
    "Shakespeare wrote",
    "def fibonacci(n):",
    "The three primary colours are",
    "A haiku about autumn:",
    "The square root of 144 is",
    "Paris is to France as Rome is to",
    "The best way to learn a language is",
    "Photosynthesis is the process by which",
    "Roses are red, violets are",
    "The chemical symbol for gold is",
    "Monday, Tuesday, Wednesday,",
]
CONTINUATIONS = [" yes", " no", " Paris", " the end of the story"]


class Failed(Exception):
    pass


def distinct_requests(n_prompts):
    """(key, route, body) for every distinct request."""
    out = []
    for i, prompt in enumerate((PROMPTS * (n_prompts // len(PROMPTS) + 1))[:n_prompts]):
        if i >= len(PROMPTS):
            prompt = f"{prompt} ({i})"
        out.append((f"score/{i}", "/v1/score", {"context": prompt, "continuations": CONTINUATIONS[: 2 + i % 3]}))
        out.append((f"echo/{i}", "/v1/completions",
                    {"prompt": prompt, "echo": True, "logprobs": 1 + i % 3, "max_tokens": 0}))
        out.append((f"greedy/{i}", "/v1/completions",
                    {"prompt": prompt, "temperature": 0, "max_tokens": 4 + i % 9, "logprobs": 1}))
    return out


def normalise(body):
    """The response less what differs between two asks of the same request."""
    return {k: v for k, v in body.items() if k not in ("id", "created")}


def generated_tokens(body):
    return (body.get("usage") or {}).get("completion_tokens", 0)


class Server:
    def __init__(self, base_url, api_key, pid, clients):
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        limits = httpx.Limits(max_connections=clients + 2, max_keepalive_connections=clients + 2)
        self.http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=300, limits=limits)
        self.pid = pid

    def send(self, route, body):
        r = self.http.post(route, json=body)
        if r.status_code != 200:
            raise Failed(f"POST {route} {json.dumps(body)}: status {r.status_code}, expected 200: {r.text[:400]}")
        return r.json()

    def rss_kib(self):
        if not self.pid:
            return None
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise Failed(f"/proc/{self.pid}/status has no VmRSS")

    def metric(self, name, missing=Failed):
        r = self.http.get("/metrics")
        if r.status_code != 200:
            raise Failed(f"GET /metrics: status {r.status_code}")
        values = [float(line.rsplit(None, 1)[1]) for line in r.text.splitlines()
                  if line and not line.startswith("#") and (line.split("{")[0].split()[0] == name)]
        if not values:
            if missing is Failed:
                raise Failed(f"/metrics has no {name}")
            return missing
        return sum(values)


def sequential(server, requests):
    answers, tokens = {}, 0
    t0 = time.perf_counter()
    for key, route, body in requests:
        out = server.send(route, body)
        answers[key] = normalise(out)
        tokens += generated_tokens(out)
    return answers, time.perf_counter() - t0, tokens


def concurrent(server, requests, solo, n_requests, clients, seed):
    order = [requests[i % len(requests)] for i in range(n_requests)]
    random.Random(seed).shuffle(order)
    mismatches, lock, tokens = [], threading.Lock(), [0]
    peak = [0]
    in_flight = [0]

    def one(item):
        key, route, body = item
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        try:
            out = server.send(route, body)
        finally:
            with lock:
                in_flight[0] -= 1
        got = normalise(out)
        with lock:
            tokens[0] += generated_tokens(out)
            if got != solo[key]:
                mismatches.append((key, got, solo[key]))

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for f in [pool.submit(one, item) for item in order]:
            f.result()  # re-raises a failed request
    elapsed = time.perf_counter() - t0
    if mismatches:
        key, got, want = mismatches[0]
        raise Failed(f"{len(mismatches)} of {n_requests} concurrent responses differ from their solo ones; first, "
                     f"{key}: concurrent {json.dumps(first_difference(got, want)[0])} vs solo "
                     f"{json.dumps(first_difference(got, want)[1])} at {first_difference(got, want)[2]}")
    return elapsed, tokens[0], peak[0]


def first_difference(a, b, path="$"):
    """(a's value, b's value, path) where two JSON values first differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k, "<missing>") != b.get(k, "<missing>"):
                return first_difference(a.get(k, "<missing>"), b.get(k, "<missing>"), f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
    return a, b, path


def settled_kv(server, timeout=15.0):
    """sequitur_kv_blocks_in_use once it is 0, or the least reading in `timeout` s."""
    deadline, least = time.monotonic() + timeout, None
    while True:
        kv = server.metric("sequitur_kv_blocks_in_use")
        least = kv if least is None else min(least, kv)
        if kv == 0 or time.monotonic() > deadline:
            return least
        time.sleep(0.25)


def drained_kv(server, idle, idle_capacity, timeout=15.0):
    """sequitur_kv_blocks_in_use once it is back to the idle figure, or the last reading after `timeout` s; and
    waits (as long) for the KV storage grown under load to be given back (sequitur_kv_block_capacity back to its
    idle figure), so that the RSS read next is the idle server's, not a snapshot of when that happened to run."""
    deadline = time.monotonic() + timeout
    while True:
        kv = server.metric("sequitur_kv_blocks_in_use")
        capacity = server.metric("sequitur_kv_block_capacity", missing=None)
        settled = capacity is None or idle_capacity is None or capacity <= idle_capacity
        if (kv <= idle and settled) or time.monotonic() > deadline:
            # The server frees the blocks first, then its per-pass buffers and heap pages: let that finish.
            time.sleep(0.5)
            return kv
        time.sleep(0.2)


def mib(kib):
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base-url", default=os.environ.get("SEQUITUR_BASE_URL", "http://127.0.0.1:8080"))
    p.add_argument("--api-key", default=os.environ.get("SEQUITUR_API_KEY") or os.environ.get("OPENAI_API_KEY"))
    p.add_argument("--pid", type=int, help="the server's process id (for its RSS); without it memory is not checked")
    p.add_argument("--requests", type=int, default=240, help="concurrent requests per load round")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--prompts", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3, help="identical load rounds (the RSS check needs at least 2)")
    p.add_argument("--max-rss-growth", type=float, default=0.25)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    server = Server(args.base_url, args.api_key, args.pid, args.clients)
    requests = distinct_requests(args.prompts)
    try:
        # Idle means after the server has dropped what earlier requests left cached (sequitur serve keeps prompt
        # prefixes for --idle-release-seconds, 5 s by default).
        kv_idle = settled_kv(server)
        rss = {"idle": server.rss_kib()}
        capacity_idle = server.metric("sequitur_kv_block_capacity", missing=None)
        solo, seq_s, seq_tokens = sequential(server, requests)
        rss["warm"] = server.rss_kib()
        print(f"load_test: {len(requests)} distinct requests ({args.prompts} prompts x score/echo/greedy); "
              f"idle RSS {mib(rss['idle'])}, KV blocks in use {kv_idle:g}")
        print(f"  sequential : {len(requests)} requests in {seq_s:.2f} s = {len(requests) / seq_s:.1f} req/s, "
              f"{seq_tokens / seq_s:.1f} generated tok/s; RSS after warm-up {mib(rss['warm'])}")
        for r in range(1, args.rounds + 1):
            elapsed, tokens, peak = concurrent(server, requests, solo, args.requests, args.clients, args.seed)
            kv = drained_kv(server, kv_idle, capacity_idle)
            rss[r] = server.rss_kib()
            print(f"  concurrent {r}: {args.requests} requests from {args.clients} clients ({peak} in flight at most) in "
                  f"{elapsed:.2f} s = {args.requests / elapsed:.1f} req/s, {tokens / elapsed:.1f} generated tok/s; "
                  f"all equal their solo answers; KV blocks in use after {kv:g}; RSS {mib(rss[r])}")
            if kv > kv_idle:
                raise Failed(f"KV blocks in use after load round {r}: {kv:g}, idle {kv_idle:g} (leaked blocks)")
        if args.pid and args.rounds >= 2:
            # The least of the later rounds: one high reading is the allocator, every later round higher is a leak.
            later = min(rss[r] for r in range(2, args.rounds + 1))
            growth = (later - rss[1]) / rss[1]
            print(f"  RSS growth from round 1 to the least of rounds 2-{args.rounds}: {growth * 100:+.1f}%")
            if growth > args.max_rss_growth:
                raise Failed(f"RSS after every round from 2 to {args.rounds} is above round 1's {mib(rss[1])} by more than "
                             f"{args.max_rss_growth * 100:.0f}% (least {mib(later)}, +{growth * 100:.1f}%): a leak")
    except Failed as err:
        print(f"load_test: FAILED: {err}", file=sys.stderr)
        sys.exit(1)
    except httpx.HTTPError as err:
        print(f"load_test: FAILED: {err!r}", file=sys.stderr)
        sys.exit(1)
    print("load_test: all passed")


if __name__ == "__main__":
    main()
