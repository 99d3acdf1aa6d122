"""The benchmark command: what feedback costs on a real node, per collection size and concurrency.

  scripts/bench_feedback.sh [--sizes 10000,100000] [--queries 300] [--concurrency 1,4,16] [--model clip-b32] [--force-merge]
                            [--num-candidates 100]

Synthetic, seeded vectors (scale, not quality), shaped like the model's: image vector = a real emoji image
embedding (the test split's, src/test/resources/emoji/images.f32) + Gaussian noise of norm 0.5, normalized; caption
vector = that + 0.5 noise, normalized; one shard, HNSW m 16 / ef_construction 100. Queries are the emoji test
split's label captions as text (encoded by the plugin's model, so the breakdown includes encoding, and the queries
lie where the data does: isotropic random vectors would make every text query an outlier for HNSW), k 10,
num_candidates 100 (--num-candidates), top_k 5, one round. Per size:
  - ingest throughput (`_bulk`, 1,000 docs per request) and the index size (store bytes, bytes per document);
  - sequential latency per strategy (none / PRF / GRF in retrieve mode, and PRF / GRF in rescore mode with k =
    num_candidates, i.e. the rounds re-rank the first pass's candidates; interleaved query by query in rotating
    order so JIT warm-up, merges and cold pages hit them alike): p50/p99, ratio to none in the same run, and the
    breakdown the endpoint reports (encode, first kNN pass, feedback math incl. reading the hits' vectors, second
    kNN pass); the same queries through plain `_search` too (no breakdown; over one shard PRF / GRF run their rounds
    inside it);
  - kNN recall@10 of the first pass against exact brute force (NumPy over the same vectors), and how much of retrieve
    mode's top 10 rescore mode returns too;
  - 1 / 4 / 16 concurrent clients per strategy: p50/p99 and throughput.
Writes <out>/bench.{json,md} and (matplotlib) latency_size.png, concurrency.png. An existing `bench_<size>` index
with the right document count is reused, so the query phase can be re-run alone. The summarizer (AFS) needs token
blocks from real images: scripts/bench_afs.sh.

--model NAME: another model of the node (scripts/it_models.sh writes the ViT-B/32-shape clip-b32); the fields are bound
to it, so the text queries encode with it, and the seeds are its text embeddings of the same label captions (a
random-weight model's image and text embeddings share no space, so image seeds would leave every query an outlier).
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tools.data.manifest import caption, load

STRATEGIES = {"none": None, "prf": {"strategy": "prf"}, "grf": {"strategy": "grf", "caption_field": "caption"},
              "prf_rescore": {"strategy": "prf", "mode": "rescore"}, "grf_rescore": {"strategy": "grf", "caption_field": "caption", "mode": "rescore"}}
RESCORED = {"prf_rescore": "prf", "grf_rescore": "grf"}  # each rescore variant's top 10 is compared with retrieve mode's


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


def model_seeds(url, model, texts):
    """The named model's text embeddings of texts, through rf_encode in the simulate API (100 per request)."""
    out = []
    for start in range(0, len(texts), 100):
        body = {"pipeline": {"processors": [{"rf_encode": {"model": model, "text_field": "t", "text_vector_field": "v"}}]},
                "docs": [{"_source": {"t": t}} for t in texts[start: start + 100]]}
        out += [d["doc"]["_source"]["v"] for d in call(f"{url}/_ingest/pipeline/_simulate", "POST", body)["docs"]]
    return np.asarray(out, dtype=np.float32)


def ingest(url, index, docs, seeds, rng, model=None):
    """Returns the image vectors (regenerated from the seed when the index is reused) and ingest seconds (None: reused)."""
    dims = seeds.shape[1]
    field = {"type": "rf_vector", "dimension": dims, **({"model": model} if model else {})}
    try:
        reuse = call(f"{url}/{index}/_count")["count"] == docs
    except urllib.error.HTTPError:
        reuse = False
        call(f"{url}/{index}", "PUT", {"settings": {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": -1},
                                       "mappings": {"properties": {"image": field, "caption": field}}})
    t0 = time.time()
    images = np.empty((docs, dims), dtype=np.float32)
    for start in range(0, docs, 1000):
        n = min(1000, docs - start)
        img = unit(seeds[rng.integers(0, len(seeds), n)] + 0.5 * unit(rng.standard_normal((n, dims)))).astype(np.float32)
        cap = unit(img + 0.5 * unit(rng.standard_normal(img.shape))).astype(np.float32)
        images[start: start + len(img)] = img
        if reuse:
            continue
        lines = []
        for i in range(len(img)):
            lines.append(json.dumps({"index": {"_id": str(start + i)}}))
            lines.append('{"image":[%s],"caption":[%s]}' % (",".join("%.6g" % x for x in img[i]), ",".join("%.6g" % x for x in cap[i])))
        res = call(f"{url}/{index}/_bulk", "POST", ("\n".join(lines) + "\n").encode())
        assert not res["errors"], res
        print(f"\r{index}: indexed {start + len(img)}/{docs}, {(start + len(img)) / (time.time() - t0):.0f} docs/s", end="", file=sys.stderr, flush=True)
    call(f"{url}/{index}/_refresh", "POST", {})
    print(file=sys.stderr)
    return images, None if reuse else time.time() - t0


def force_merge(url, index):
    """Merges the index to one segment (as a task: a large merge outlasts an HTTP timeout); returns the seconds it took."""
    t0 = time.time()
    task = call(f"{url}/{index}/_forcemerge?max_num_segments=1&wait_for_completion=false", "POST")["task"]
    while not call(f"{url}/_tasks/{task}").get("completed"):
        time.sleep(5)
    call(f"{url}/{index}/_refresh", "POST", {})
    seconds = time.time() - t0
    print(f"{index}: merged to one segment in {seconds:.0f} s", file=sys.stderr, flush=True)
    return seconds


def request(url, index, text, feedback, candidates, endpoint="_plugins/relevance_feedback/_search"):
    """Top 10. Rescore mode re-ranks the first pass's k hits, so its k is the candidate list the HNSW pass gathers
    anyway (the same graph work as none's k 10)."""
    k = candidates if feedback and feedback.get("mode") == "rescore" else 10
    body = {"size": 10, "_source": False, "query": {"relevance_feedback": {
        "field": "image", "text": text, "k": k, "num_candidates": candidates, **({"feedback": feedback} if feedback else {})}}}
    t = time.perf_counter()
    r = call(f"{url}/{index}/{endpoint}", "POST", body)
    return (time.perf_counter() - t) * 1000, r


def sequential(url, index, texts, warmup, candidates):
    """The endpoint (with its breakdown) and plain `_search` (where one shard runs PRF / GRF rounds itself), interleaved."""
    names = list(STRATEGIES)
    samples = {n: {k: [] for k in ["total", "encode", "first", "feedback", "second"]} for n in names}
    searched = {n: [] for n in names}
    searched_ids = {n: [] for n in names}
    runs = [(n, False) for n in names] + [(n, True) for n in names]
    recall_pairs = []
    for i, text in enumerate(texts):
        for name, plain in runs[i % len(runs):] + runs[: i % len(runs)]:
            ms, r = request(url, index, text, STRATEGIES[name], candidates, "_search" if plain else "_plugins/relevance_feedback/_search")
            if i < warmup:
                continue
            if plain:
                searched[name].append(ms)
                searched_ids[name].append({h["_id"] for h in r["hits"]["hits"]})
                continue
            took, s = r["relevance_feedback"]["took"], samples[name]
            s["total"].append(ms)
            s["encode"].append(took["encode_ms"])
            s["first"].append(took["passes_ms"][0])
            s["feedback"].append(took["feedback_ms"])
            s["second"].append(sum(took["passes_ms"][1:]))
            if name == "none":
                recall_pairs.append((r["relevance_feedback"]["vector"], [int(h["_id"]) for h in r["hits"]["hits"]]))
    agreement = {n: float(np.mean([len(a & b) / 10 for a, b in zip(searched_ids[n], searched_ids[r])])) for n, r in RESCORED.items()}
    return samples, searched, recall_pairs, agreement


def recall_at_10(images, pairs):
    found = 0
    for vector, ids in pairs:
        exact = np.argsort(-(images @ np.asarray(vector, dtype=np.float32)), kind="stable")[:10]
        found += len(set(exact.tolist()) & set(ids))
    return found / (10 * len(pairs))


def concurrent(url, index, texts, clients, candidates):
    out = {}
    for name, fb in STRATEGIES.items():
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(lambda t: request(url, index, t, fb, candidates), texts[: 2 * clients]))  # warm the connections
            t0 = time.perf_counter()
            lat = [ms for ms, _ in pool.map(lambda t: request(url, index, t, fb, candidates), texts)]
            wall = time.perf_counter() - t0
        out[name] = {"p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "qps": len(texts) / wall}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--concurrency", default="1,4,16")
    ap.add_argument("--out", default="target/bench")
    ap.add_argument("--model", help="a model of the node other than the default (e.g. clip-b32)")
    ap.add_argument("--num-candidates", type=int, default=100, help="the kNN passes' candidate list (recall against speed)")
    ap.add_argument("--force-merge", action="store_true",
                    help="force-merge each index to one segment before the queries (one HNSW graph, as a read-only index is served)")
    a = ap.parse_args()
    labels = [caption(r, ["label", "name"]) for r in load() if r["split"] == "test"]
    texts = labels[: a.warmup + a.queries]
    if a.model:
        seeds = model_seeds(a.url, a.model, labels)
    else:
        seeds = np.fromfile("src/test/resources/emoji/images.f32", dtype="<f4").reshape(-1, 256)
    report = {"dims": seeds.shape[1], "model": a.model or "emoji-clip", "queries": a.queries, "num_candidates": a.num_candidates,
              "sizes": {}}
    for size in [int(s) for s in a.sizes.split(",")]:
        rng = np.random.default_rng(20261124 + size)
        index = f"bench_{a.model}_{size}" if a.model else f"bench_{size}"
        images, ingest_s = ingest(a.url, index, size, seeds, rng, a.model)
        merge_s = force_merge(a.url, index) if a.force_merge else None
        store = call(f"{a.url}/{index}/_stats/store")["_all"]["primaries"]["store"]["size_in_bytes"]
        segments = len(call(f"{a.url}/_cat/segments/{index}?format=json"))
        samples, searched, pairs, agreement = sequential(a.url, index, texts, a.warmup, a.num_candidates)
        seq = {n: {"p50_ms": pct(s["total"], 50), "p99_ms": pct(s["total"], 99), "qps": len(s["total"]) / (sum(s["total"]) / 1000),
                   **{f"{k}_p50_ms": pct(s[k], 50) for k in ["encode", "first", "feedback", "second"]}} for n, s in samples.items()}
        plain = {n: {"p50_ms": pct(v, 50), "p99_ms": pct(v, 99), "qps": len(v) / (sum(v) / 1000)} for n, v in searched.items()}
        conc = {c: concurrent(a.url, index, labels[: a.queries], c, a.num_candidates) for c in [int(c) for c in a.concurrency.split(",")]}
        report["sizes"][size] = {"ingest_s": ingest_s, "ingest_docs_per_s": None if ingest_s is None else size / ingest_s,
                                 "merge_s": merge_s, "store_bytes": store, "bytes_per_doc": store / size, "segments": segments,
                                 "recall_at_10": recall_at_10(images, pairs), "rescore_agreement_at_10": agreement,
                                 "sequential": seq, "search": plain, "concurrency": conc}
        print(f"{index}: done", file=sys.stderr, flush=True)
    os.makedirs(a.out, exist_ok=True)
    json.dump(report, open(os.path.join(a.out, "bench.json"), "w"), indent=1)
    md = markdown(report)
    open(os.path.join(a.out, "bench.md"), "w").write(md)
    print(md)
    plot(report, a.out)


def markdown(report):
    seeds = "real emoji embeddings" if report["model"] == "emoji-clip" else f"{report['model']}'s text embeddings of the label captions"
    lines = [f"Model {report['model']}: synthetic {report['dims']}-d vectors around {seeds} (image + caption per document), one shard; text queries (label captions) encoded by the plugin; "
             f"k 10, num_candidates {report['num_candidates']}, top_k 5, one round; {report['queries']} queries per strategy.", "",
             "| docs | ingest docs/s | force-merge s | store MB | bytes / doc | segments | kNN recall@10 |", "|---|---|---|---|---|---|---|"]
    for size, r in report["sizes"].items():
        ingest = "reused" if r["ingest_docs_per_s"] is None else f"{r['ingest_docs_per_s']:.0f}"
        merge = "-" if r["merge_s"] is None else f"{r['merge_s']:.0f}"
        lines.append(f"| {int(size):,} | {ingest} | {merge} | {r['store_bytes'] / 1e6:.1f} | {r['bytes_per_doc']:.0f} | {r['segments']} | {r['recall_at_10']:.3f} |")
    lines += ["", "Sequential client (ms; breakdown from the endpoint's `took`, p50):", "",
              "| docs | strategy | p50 | p99 | q/s | p50 / none | encode | first kNN | feedback | second kNN |", "|---|---|---|---|---|---|---|---|---|---|"]
    for size, r in report["sizes"].items():
        base = r["sequential"]["none"]["p50_ms"]
        for n, m in r["sequential"].items():
            lines.append(f"| {int(size):,} | {n} | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} | {m['qps']:.0f} | {m['p50_ms'] / base:.2f} | "
                         f"{m['encode_p50_ms']:.2f} | {m['first_p50_ms']:.2f} | {m['feedback_p50_ms']:.2f} | {m['second_p50_ms']:.2f} |")
    lines += ["", "The same queries through `_search` (no report; on this one-shard index PRF / GRF run their rounds inside the shard):", "",
              "| docs | strategy | p50 | p99 | q/s | p50 / none |", "|---|---|---|---|---|---|"]
    for size, r in report["sizes"].items():
        base = r["search"]["none"]["p50_ms"]
        for n, m in r["search"].items():
            lines.append(f"| {int(size):,} | {n} | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} | {m['qps']:.0f} | {m['p50_ms'] / base:.2f} |")
    lines += ["", f"Rescore mode (k = num_candidates: the rounds and the final ranking re-rank the first pass's candidates) against "
              "retrieve mode, through `_search`: the share of retrieve mode's top 10 that rescore mode also returns:", "",
              "| docs | " + " | ".join(RESCORED) + " |", "|---|" + "---|" * len(RESCORED)]
    for size, r in report["sizes"].items():
        lines.append(f"| {int(size):,} | " + " | ".join(f"{r['rescore_agreement_at_10'][n]:.3f}" for n in RESCORED) + " |")
    lines += ["", "Concurrent clients (ms, queries/s):", "", "| docs | clients | strategy | p50 | p99 | q/s | q/s / none |", "|---|---|---|---|---|---|---|"]
    for size, r in report["sizes"].items():
        for c, per in r["concurrency"].items():
            for n, m in per.items():
                lines.append(f"| {int(size):,} | {c} | {n} | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} | {m['qps']:.0f} | {m['qps'] / per['none']['qps']:.2f} |")
    return "\n".join(lines) + "\n"


def plot(report, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed (apt-get install python3-matplotlib): no plots", file=sys.stderr)
        return
    sizes = [int(s) for s in report["sizes"]]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for n in STRATEGIES:
        ax.plot(sizes, [report["sizes"][s]["sequential"][n]["p50_ms"] for s in report["sizes"]], marker="o", label=f"{n} p50")
        ax.plot(sizes, [report["sizes"][s]["sequential"][n]["p99_ms"] for s in report["sizes"]], marker="x", linestyle="--", label=f"{n} p99")
    ax.set_xscale("log")
    ax.set_xlabel("documents")
    ax.set_ylabel("latency ms (sequential)")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "latency_size.png"), dpi=110)
    largest = report["sizes"][max(report["sizes"], key=int)]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    clients = [int(c) for c in largest["concurrency"]]
    for n in STRATEGIES:
        ax.plot(clients, [largest["concurrency"][c][n]["qps"] for c in largest["concurrency"]], marker="o", label=n)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("concurrent clients")
    ax.set_ylabel(f"queries/s ({max(sizes):,} docs)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "concurrency.png"), dpi=110)


if __name__ == "__main__":
    main()
