"""The paper's protocol through the plugin's REST API (not a re-implementation of the math): every query caption
of a split, each strategy x Rocchio variant x rounds 1..5, Hits@1 / Hits@5 / MRR@5.

  scripts/eval.sh [--split test] [--every 1]       (starts a node, loads the split through rf_encode, runs this)
  /usr/bin/python3 tools/eval_rest.py --url http://127.0.0.1:9200 --index emoji [--split test] [--every 1]

Index: built by tools/load_emoji.py (image + caption vectors from the plugin's encoder). Query = the label caption
(text, encoded by the plugin); hit = the exact image; PRF/GRF rounds are a stateless client loop (each round sends
the previous round's refined vector back); AFS / AFS-PRF round r is one request with `rounds: r`; explicit round r sends the original query with the target's first r
other captions (cycling), which the plugin encodes and averages in. Also a temperature sweep of GRF round 1 (App. C).
Writes <out>/results.{json,csv,md} and, when matplotlib is installed, rounds.png and temperature.png.
"""
import argparse
import csv
import json
import os
import sys
import time
import urllib.request

from manifest import caption, doc_id, load
from metrics import metrics

ROUNDS, K = 5, 10
STRATEGIES = {
    "prf": {"strategy": "prf"},
    "grf": {"strategy": "grf", "caption_field": "caption"},
    "prf_original": {"strategy": "prf", "rocchio": "original"},
    "grf_original": {"strategy": "grf", "caption_field": "caption", "rocchio": "original"},
}
# The summarizer reads the query's words, so its rounds run server side (`rounds: r` with the text query).
AFS = {
    "afs": {"strategy": "afs", "caption_field": "caption", "image_tokens_field": "image_tokens", "caption_tokens_field": "caption_tokens"},
    "afs_prf": {"strategy": "afs_prf", "image_tokens_field": "image_tokens"},
}
TEMPERATURES = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
ALL = ["none", *STRATEGIES, *AFS, "explicit", "temperature"]


def search(url, index, body):
    req = urllib.request.Request(f"{url}/{index}/_plugins/relevance_feedback/_search", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def query(field_value, feedback=None):
    q = {"field": "image", "k": K, "num_candidates": 1000, **field_value}
    if feedback:
        q["feedback"] = feedback
    return {"size": K, "_source": False, "query": {"relevance_feedback": q}}


def rank(response, target):
    ids = [h["_id"] for h in response["hits"]["hits"]]
    return ids.index(target) + 1 if target in ids else K + 1


class Progress:
    def __init__(self, total):
        self.total, self.done, self.start = total, 0, time.time()

    def step(self, n=1):
        self.done += n
        if self.done % 50 and self.done != self.total:
            return
        rate = self.done / max(time.time() - self.start, 1e-9)
        bar = "#" * int(30 * self.done / self.total)
        print(f"\r[{bar:<30}] {self.done}/{self.total} requests, {rate:.0f}/s, ~{(self.total - self.done) / max(rate, 1e-9):.0f} s left",
              end="", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--index", default="emoji")
    ap.add_argument("--split", default="test")
    ap.add_argument("--every", type=int, default=1, help="use every n-th query (1: all)")
    ap.add_argument("--out", default="target/eval")
    ap.add_argument("--strategies", default=",".join(ALL), help="a subset of " + ",".join(ALL))
    a = ap.parse_args()
    chosen = a.strategies.split(",")
    pseudo = {s: fb for s, fb in STRATEGIES.items() if s in chosen}
    afs = {s: fb for s, fb in AFS.items() if s in chosen}
    temperatures = TEMPERATURES if "temperature" in chosen else []
    records = [r for r in load() if r["split"] == a.split][:: a.every]
    progress = Progress(len(records) * (1 + (len(pseudo) + len(afs) + ("explicit" in chosen)) * ROUNDS + len(temperatures)))
    ranks = {"none": {0: []}, **{s: {r: [] for r in range(1, ROUNDS + 1)} for s in list(pseudo) + list(afs) + ["explicit"] if s in chosen}}
    sweep = {t: [] for t in temperatures}
    for r in records:
        target, text = doc_id(r), caption(r, ["label", "name"])
        ranks["none"][0].append(rank(search(a.url, a.index, query({"text": text})), target))
        progress.step()
        for name, fb in pseudo.items():
            field = {"text": text}
            for rnd in range(1, ROUNDS + 1):
                res = search(a.url, a.index, query(field, fb))
                ranks[name][rnd].append(rank(res, target))
                field = {"vector": res["relevance_feedback"]["vector"]}
                progress.step()
        for name, fb in afs.items():
            for rnd in range(1, ROUNDS + 1):
                ranks[name][rnd].append(rank(search(a.url, a.index, query({"text": text}, {**fb, "rounds": rnd})), target))
                progress.step()
        extra = [c["text"] for c in r["captions"] if c["type"] != "label"]
        for rnd in range(1, ROUNDS + 1 if "explicit" in chosen else 1):
            fb = {"strategy": "explicit", "text": [extra[i % len(extra)] for i in range(rnd)]} if extra else None
            ranks["explicit"][rnd].append(rank(search(a.url, a.index, query({"text": text}, fb)), target))
            progress.step()
        for t in temperatures:
            sweep[t].append(rank(search(a.url, a.index, query({"text": text}, {**STRATEGIES["grf"], "temperature": t})), target))
            progress.step()
    print(file=sys.stderr)
    results = {s: {str(rnd): metrics(v) for rnd, v in rounds.items()} for s, rounds in ranks.items()}
    temperature = {str(t): metrics(v) for t, v in sweep.items()}
    os.makedirs(a.out, exist_ok=True)
    json.dump({"split": a.split, "queries": len(records), "every": a.every, "results": results, "grf_temperature_round_1": temperature},
              open(os.path.join(a.out, "results.json"), "w"), indent=1)
    with open(os.path.join(a.out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["strategy", "round", "H@1", "H@5", "MRR@5"])
        for s, rounds in results.items():
            for rnd, m in rounds.items():
                w.writerow([s, rnd, f"{m['H@1']:.4f}", f"{m['H@5']:.4f}", f"{m['MRR@5']:.4f}"])
    lines = [f"{len(records)} queries of the `{a.split}` split (every {a.every}), through the plugin's REST API\n",
             "| strategy | round | H@1 | H@5 | MRR@5 |", "|---|---|---|---|---|"]
    for s, rounds in results.items():
        for rnd, m in rounds.items():
            lines.append(f"| {s} | {rnd} | {m['H@1']:.3f} | {m['H@5']:.3f} | {m['MRR@5']:.3f} |")
    if temperature:
        lines += ["", "GRF (extended Rocchio), round 1, by temperature:", "", "| tau | H@1 | H@5 | MRR@5 |", "|---|---|---|---|"]
        lines += [f"| {t} | {m['H@1']:.3f} | {m['H@5']:.3f} | {m['MRR@5']:.3f} |" for t, m in temperature.items()]
    open(os.path.join(a.out, "results.md"), "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))
    plot(results, temperature, a.out)


def plot(results, temperature, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed (apt-get install python3-matplotlib): no plots", file=sys.stderr)
        return
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric in zip(axes, ["MRR@5", "H@1"]):
        base = results["none"]["0"][metric]
        for s, rounds in results.items():
            if s == "none":
                continue
            xs = [0] + [int(r) for r in rounds]
            ax.plot(xs, [base] + [m[metric] for m in rounds.values()], marker="o", label=s)
        ax.set_xlabel("round")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Feedback rounds through the plugin (emoji test split)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "rounds.png"), dpi=110)
    if not temperature:
        return
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ts = [float(t) for t in temperature]
    ax.semilogx(ts, [m["MRR@5"] for m in temperature.values()], marker="o", label="GRF round 1")
    ax.axhline(results["none"]["0"]["MRR@5"], color="grey", linestyle="--", label="none")
    ax.set_xlabel("temperature tau")
    ax.set_ylabel("MRR@5")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "temperature.png"), dpi=110)


if __name__ == "__main__":
    main()
