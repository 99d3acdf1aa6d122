"""What the Attentive Feedback Summarizer costs per query on a real node, next to plain kNN and GRF.

  scripts/bench_afs.sh [--queries 300] [--shards 3] [--api endpoint|search]
      (starts a node, loads the emoji test split with tokens into that many shards, runs this)

Same label-caption text queries for every strategy (k 10, top_k 5, one round, num_candidates 1000), sequential,
interleaved query by query in rotating order. Per strategy: client latency p50/p99 and its ratio to `none` (same
run), throughput, and from the feedback endpoint's `took`: the search passes and `feedback_ms` (reading the top-5
hits' vectors and token blocks from the index + the model on the inference pool + Eq. 6-8), i.e. the summarizer's
share. `--api search` sends the same queries through `_search` instead (size = k: on an index of one shard the
rounds run inside the shard, one search per query), which reports no such breakdown.
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
    ap.add_argument("--api", choices=["endpoint", "search"], default="endpoint")
    a = ap.parse_args()
    endpoint = a.api == "endpoint"
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
            res = search(a.url, a.index, {"size": 10, "_source": False, "query": {"relevance_feedback": q}},
                         "_plugins/relevance_feedback/_search" if endpoint else "_search")
            if i >= 20:
                wall[s].append((time.perf_counter() - start) * 1000)
                if endpoint:
                    feedback[s].append(res["relevance_feedback"]["took"]["feedback_ms"])
                    passes[s].append(sum(res["relevance_feedback"]["took"]["passes_ms"]))
    base = np.percentile(wall["none"], 50)
    print(f"{len(texts)} queries per strategy through {'the feedback endpoint' if endpoint else '_search'}, sequential, k 10, "
          "top_k 5, one round\n")
    print("| strategy | p50 ms | p99 ms | queries/s | p50 / none | search passes p50 ms | feedback p50 ms | feedback p99 ms | feedback share of p50 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for s in names:
        p50, p99 = np.percentile(wall[s], 50), np.percentile(wall[s], 99)
        row = f"| {s} | {p50:.2f} | {p99:.2f} | {1000 / np.mean(wall[s]):.0f} | {p50 / base:.2f} |"
        if endpoint:
            f50, f99 = np.percentile(feedback[s], 50), np.percentile(feedback[s], 99)
            row += f" {np.percentile(passes[s], 50):.2f} | {f50:.2f} | {f99:.2f} | {f50 / p50:.0%} |"
        else:
            row += " | | | |"
        print(row)


if __name__ == "__main__":
    main()
