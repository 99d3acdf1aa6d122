"""AFS at its allowed maximum under concurrent clients on a real node: does the node stay up and answer in time?

  scripts/bench_afs.sh stress [--clients 16] [--seconds 120]  (starts a 1 GB-heap node, loads the emoji test split with tokens)

Every client sends AFS queries (text = a test caption, k 100, top_k = the node's max_afs_top_k) back to back for
--seconds. Prints the answers by status (200, 429 from the circuit breakers, anything else), client latency
p50 / p99 / max of the 200s, throughput, the highest heap use sampled every second, the relevance_feedback
breaker's trips, and whether the node still answers at the end.
"""
import argparse
import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

import numpy as np

from tools.eval.eval_rest import AFS
from tools.data.manifest import caption, load


def call(url, path, body=None, timeout=120):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--index", default="emoji")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=120)
    a = ap.parse_args()
    top_k = int(call(a.url, "/_cluster/settings?include_defaults=true&flat_settings=true")[1]["defaults"]["plugins.relevance_feedback.max_afs_top_k"])
    texts = [caption(r, ["label", "name"]) for r in load() if r["split"] == "test"]
    statuses, latencies, errors = Counter(), [], Counter()
    lock = threading.Lock()
    end = time.monotonic() + a.seconds

    def client(i):
        n = i
        while time.monotonic() < end:
            body = {"size": 10, "_source": False, "query": {"relevance_feedback": {
                "field": "image", "text": texts[n % len(texts)], "k": 100, "num_candidates": 1000,
                "feedback": {**AFS["afs"], "top_k": top_k}}}}
            start = time.perf_counter()
            status, response = call(a.url, f"/{a.index}/_search", body)
            ms = (time.perf_counter() - start) * 1000
            with lock:
                statuses[status] += 1
                if status == 200:
                    latencies.append(ms)
                else:
                    errors[response.get("error", {}).get("type", "?")] += 1
            n += a.clients

    heap = []

    def sample():
        while time.monotonic() < end:
            nodes = call(a.url, "/_nodes/stats/jvm,breaker")[1]["nodes"].values()
            heap.append(max(n["jvm"]["mem"]["heap_used_percent"] for n in nodes))
            time.sleep(1)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(a.clients)] + [threading.Thread(target=sample)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    nodes = call(a.url, "/_nodes/stats/breaker")[1]["nodes"].values()
    trips = sum(n["breakers"]["relevance_feedback"]["tripped"] for n in nodes)
    up = call(a.url, "/_cluster/health")[0] == 200
    lat = np.array(latencies) if latencies else np.zeros(1)
    print(f"AFS top_k {top_k}, k 100, {a.clients} clients, {wall:.0f} s: answers {dict(statuses)}, errors {dict(errors)}")
    print(f"200s: p50 {np.percentile(lat, 50):.0f} ms, p99 {np.percentile(lat, 99):.0f} ms, max {lat.max():.0f} ms, "
          f"{len(latencies) / wall:.1f} queries/s; heap max {max(heap)}%; relevance_feedback breaker trips {trips}; node up: {up}")


if __name__ == "__main__":
    main()
