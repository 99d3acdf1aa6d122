"""What the Attentive Feedback Summarizer costs per query on a real node, next to plain kNN and GRF.

  scripts/bench_afs.sh [--queries 300]      (starts a node, loads the emoji test split with tokens, runs this)

Same label-caption text queries for every strategy (k 10, top_k 5, one round, num_candidates 1000), sequential,
interleaved query by query in rotating order. Per strategy: client latency p50/p99 and its ratio to `none` (same
run), throughput, and from the endpoint's `took`: the search passes and `feedback_ms` (reading the top-5 hits'
vectors and token blocks from _source + the model on the inference pool + Eq. 6-8), i.e. the summarizer's share.
"""
import argparse
import time

import numpy as np

from tools.eval.eval_rest import AFS, search
from tools.data.manifest import caption, load

STRATEGIES = {"none": None, "grf": {"strategy": "grf", "caption_field": "caption"}, **AFS}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--index", default="emoji")
    ap.add_argument("--queries", type=int, default=300)
    a = ap.parse_args()
    texts = [caption(r, ["label", "name"]) for r in load() if r["split"] == "test"][: a.queries]
    names = list(STRATEGIES)
    wall = {s: [] for s in names}
    feedback = {s: [] for s in names}
    passes = {s: [] for s in names}
    for i, text in enumerate(texts[:20] + texts):  # the first 20 warm up and are dropped
        for s in names[i % len(names):] + names[: i % len(names)]:
            q = {"field": "image", "text": text, "k": 10, "num_candidates": 1000}
            if STRATEGIES[s]:
                q["feedback"] = STRATEGIES[s]
            start = time.perf_counter()
            res = search(a.url, a.index, {"size": 10, "_source": False, "query": {"relevance_feedback": q}})
            if i >= 20:
                wall[s].append((time.perf_counter() - start) * 1000)
                feedback[s].append(res["relevance_feedback"]["took"]["feedback_ms"])
                passes[s].append(sum(res["relevance_feedback"]["took"]["passes_ms"]))
    base = np.percentile(wall["none"], 50)
    print(f"{len(texts)} queries per strategy, sequential, k 10, top_k 5, one round\n")
    print("| strategy | p50 ms | p99 ms | queries/s | p50 / none | search passes p50 ms | feedback p50 ms | feedback p99 ms | feedback share of p50 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for s in names:
        p50, p99 = np.percentile(wall[s], 50), np.percentile(wall[s], 99)
        f50, f99 = np.percentile(feedback[s], 50), np.percentile(feedback[s], 99)
        print(f"| {s} | {p50:.2f} | {p99:.2f} | {1000 / np.mean(wall[s]):.0f} | {p50 / base:.2f} | {np.percentile(passes[s], 50):.2f} | "
              f"{f50:.2f} | {f99:.2f} | {f50 / p50:.0%} |")


if __name__ == "__main__":
    main()
