"""End-to-end feedback latency on a real node: what PRF / GRF add over plain kNN, split into the second kNN
pass and the feedback math (timings the plugin's feedback endpoint reports per request).

  scripts/bench_feedback.sh [--docs 100000] [--dims 512] [--queries 300]

Synthetic, seeded data (scale, not quality): image vectors ~ N(0, I) normalized; caption vectors = normalized
image + 0.5 noise. One shard, HNSW m 16 / ef_construction 100, num_candidates 100, k 10, top_k 5, one round.
Requests are sequential (one client); every strategy runs the same queries through the same endpoint, the
strategies interleaved query by query (in rotating order) so that JIT warm-up, background merges and cold
pages hit them alike. An existing
`bench` index with the right document count is reused, so the query phase can be re-run alone.
"""
import argparse
import json
import time
import urllib.error
import urllib.request

import numpy as np

STRATEGIES = {"none": None, "prf": {"strategy": "prf"}, "grf": {"strategy": "grf", "caption_field": "caption"}}


def call(url, method="GET", body=None):
    ndjson = isinstance(body, bytes)
    data = None if body is None else (body if ndjson else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/x-ndjson" if ndjson else "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())


def unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def pct(xs, p):
    return float(np.percentile(np.asarray(xs), p))


def ingest(a, rng, index):
    """Returns the image vectors (regenerated from the seed when the index is reused) and the ingest seconds."""
    try:
        reuse = call(f"{index}/_count")["count"] == a.docs
    except urllib.error.HTTPError:
        reuse = False
        call(index, "PUT", {"settings": {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": -1},
                            "mappings": {"properties": {"image": {"type": "rf_vector", "dimension": a.dims},
                                                        "caption": {"type": "rf_vector", "dimension": a.dims}}}})
    t0 = time.time()
    images = np.empty((a.docs, a.dims), dtype=np.float32)
    for start in range(0, a.docs, 1000):
        img = unit(rng.standard_normal((min(1000, a.docs - start), a.dims))).astype(np.float32)
        cap = unit(img + 0.5 * unit(rng.standard_normal(img.shape))).astype(np.float32)
        images[start: start + len(img)] = img
        if reuse:
            continue
        lines = []
        for i in range(len(img)):
            lines.append(json.dumps({"index": {"_id": str(start + i)}}))
            lines.append('{"image":[%s],"caption":[%s]}' % (",".join("%.6g" % x for x in img[i]), ",".join("%.6g" % x for x in cap[i])))
        res = call(f"{index}/_bulk", "POST", ("\n".join(lines) + "\n").encode())
        assert not res["errors"], res
        print(f"\rindexed {start + len(img)}/{a.docs}", end="", flush=True)
    call(f"{index}/_refresh", "POST", {})
    return images, None if reuse else time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--dims", type=int, default=512)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--out", default="target/bench-feedback.json")
    a = ap.parse_args()
    rng = np.random.default_rng(20261124)
    index = f"{a.url}/bench"
    images, ingest_s = ingest(a, rng, index)
    segments = len(call(f"{a.url}/_cat/segments/bench?format=json"))
    print(f"\ningest {'reused index' if ingest_s is None else f'{ingest_s:.0f} s'}, {segments} segments")

    queries = unit(images[rng.integers(0, a.docs, a.warmup + a.queries)] + 0.3 * unit(rng.standard_normal((a.warmup + a.queries, a.dims))))
    samples = {name: {"total": [], "first": [], "second": [], "math": []} for name in STRATEGIES}
    names = list(STRATEGIES)
    for n, q in enumerate(queries):
        # rotate which strategy goes first: the first request on a new vector pays for cold graph pages
        for name in names[n % 3:] + names[: n % 3]:
            fb = STRATEGIES[name]
            body = {"size": 10, "_source": False, "query": {"relevance_feedback": {
                "field": "image", "vector": [float(x) for x in q], "k": 10, "num_candidates": 100, **({"feedback": fb} if fb else {})}}}
            t = time.perf_counter()
            r = call(f"{index}/_plugins/relevance_feedback/_search", "POST", body)
            if n < a.warmup:
                continue
            took = r["relevance_feedback"]["took"]
            s = samples[name]
            s["total"].append((time.perf_counter() - t) * 1000)
            s["first"].append(took["passes_ms"][0])
            s["second"].append(sum(took["passes_ms"][1:]))
            s["math"].append(took["feedback_ms"])
    results = {name: {"p50_ms": pct(s["total"], 50), "p99_ms": pct(s["total"], 99), "qps": len(s["total"]) / (sum(s["total"]) / 1000),
                      "first_pass_p50_ms": pct(s["first"], 50), "second_pass_p50_ms": pct(s["second"], 50),
                      "second_pass_p99_ms": pct(s["second"], 99), "feedback_math_p50_ms": pct(s["math"], 50),
                      "feedback_math_p99_ms": pct(s["math"], 99)} for name, s in samples.items()}
    base = results["none"]
    print(f"\n{a.docs} x {a.dims}, {a.queries} queries (+{a.warmup} warm-up), 1 shard, {segments} segments, sequential client\n")
    print("| strategy | p50 ms | p99 ms | q/s | p50 / none | p99 / none | first pass p50 | second kNN pass p50 / p99 | feedback math p50 / p99 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, m in results.items():
        print(f"| {name} | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} | {m['qps']:.0f} | {m['p50_ms'] / base['p50_ms']:.2f} | {m['p99_ms'] / base['p99_ms']:.2f} | "
              f"{m['first_pass_p50_ms']:.2f} | {m['second_pass_p50_ms']:.2f} / {m['second_pass_p99_ms']:.2f} | "
              f"{m['feedback_math_p50_ms']:.3f} / {m['feedback_math_p99_ms']:.3f} |")
    json.dump({"docs": a.docs, "dims": a.dims, "queries": a.queries, "segments": segments, "ingest_s": ingest_s, "results": results},
              open(a.out, "w"), indent=1)


if __name__ == "__main__":
    main()
