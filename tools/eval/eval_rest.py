"""The paper's protocol through the plugin's REST API (not a re-implementation of the math): every query caption
of a split, each strategy x Rocchio variant x rounds 1..5, Hits@1 / Hits@5 / MRR@5.

  scripts/eval.sh [--split test] [--every 1]       (starts a node, loads the split through rf_encode, runs this)
  /usr/bin/python3 -m tools.eval.eval_rest --url http://127.0.0.1:9200 --index emoji [--split test] [--every 1]

Index: built by tools/data/load_emoji.py (image + caption vectors from the plugin's encoder). Query = the label caption
(text, encoded by the plugin); hit = the exact image; PRF/GRF rounds are a stateless client loop (each round sends
the previous round's refined vector back); AFS / AFS-PRF round r is one request with `rounds: r`; explicit round r sends the original query with the target's first r
other captions (cycling), which the plugin encodes and averages in. Also a temperature sweep of GRF round 1 (App. C).
With --queries image|like|composed|sessions: query by image, more like this, composed image + text and simulated
multi-round sessions (tools/eval/eval_inputs.py). With --queries freetext the queries are the hand-written free-text set (tools/data/freetext.py; --part selection|test)
against the google test + test_unseen gallery, scored twice: exact image, and any image of the emoji's concept.
Writes <out>/results.{json,csv,md} (results_variant.csv too) and, when matplotlib is installed, rounds.png and
temperature.png.
"""
import argparse
import csv
import json
import os
import sys
import time
import urllib.request

from tools.data import freetext
from tools.data.manifest import caption, doc_id, load
from tools.eval.metrics import metrics

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
# The README's example searches (issue 18's goal list), shown with their top 5 after a free-text run.
EXAMPLES = ["dog", "red heart", "pizza", "thumbs up", "crying face", "airplane"]
ALL = ["none", *STRATEGIES, *AFS, "explicit", "temperature"]


def search(url, index, body, path="_plugins/relevance_feedback/_search"):
    """The feedback endpoint (answers with the rounds and their timings), or with path="_search" the plain search."""
    req = urllib.request.Request(f"{url}/{index}/{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def query(field_value, feedback=None):
    q = {"field": "image", "k": K, "num_candidates": 1000, **field_value}
    if feedback:
        q["feedback"] = feedback
    return {"size": K, "_source": False, "query": {"relevance_feedback": q}}


def rank(response, targets):
    """1-based rank of the first hit among `targets` (a document id or a set of them); K + 1 when none is shown."""
    targets = {targets} if isinstance(targets, str) else targets
    ids = [h["_id"] for h in response["hits"]["hits"]]
    return next((i + 1 for i, d in enumerate(ids) if d in targets), K + 1)


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


def cases(a):
    """What to ask and what counts as a hit, per query: the label protocol (one exact image) or the free-text set."""
    if a.queries == "freetext":
        return [{"text": q["text"], "targets": {"exact": q["exact"], "variant": q["variant"]}, "extra": q["captions"]}
                for q in freetext.queries() if q["part"] == a.part][:: a.every]
    return [{"text": caption(r, ["label", "name"]), "targets": {"exact": doc_id(r)},
             "extra": [c["text"] for c in r["captions"] if c["type"] != "label"]}
            for r in load() if r["split"] == a.split][:: a.every]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--index", default="emoji")
    ap.add_argument("--split", default="test", help="label protocol: the split whose labels are the queries")
    ap.add_argument("--queries", default="label", choices=["label", "freetext", "image", "like", "composed", "sessions"],
                    help="freetext: data/freetext_queries.tsv against the google test + test_unseen gallery; image, like, "
                         "composed, sessions: the query inputs of tools/eval/eval_inputs.py")
    ap.add_argument("--part", default="test", choices=["selection", "test"], help="freetext, composed, sessions: which part")
    ap.add_argument("--every", type=int, default=1, help="use every n-th query (1: all)")
    ap.add_argument("--out", default="target/eval")
    ap.add_argument("--strategies", default=",".join(ALL), help="a subset of " + ",".join(ALL))
    a = ap.parse_args()
    if a.queries in ("image", "like", "composed", "sessions"):
        from tools.eval import eval_inputs
        return eval_inputs.run(a)
    chosen = a.strategies.split(",")
    pseudo = {s: fb for s, fb in STRATEGIES.items() if s in chosen}
    afs = {s: fb for s, fb in AFS.items() if s in chosen}
    temperatures = TEMPERATURES if "temperature" in chosen else []
    records = cases(a)
    measures = list(records[0]["targets"])
    progress = Progress(len(records) * (1 + (len(pseudo) + len(afs) + ("explicit" in chosen)) * ROUNDS + len(temperatures)))
    names = ["none"] + [s for s in list(pseudo) + list(afs) + ["explicit"] if s in chosen]
    ranks = {m: {s: {r: [] for r in ([0] if s == "none" else range(1, ROUNDS + 1))} for s in names} for m in measures}
    sweep = {m: {t: [] for t in temperatures} for m in measures}

    def record(strategy, rnd, response, targets):
        for m in measures:
            (sweep[m][rnd] if strategy is None else ranks[m][strategy][rnd]).append(rank(response, targets[m]))

    for r in records:
        text, targets = r["text"], r["targets"]
        record("none", 0, search(a.url, a.index, query({"text": text})), targets)
        progress.step()
        for name, fb in pseudo.items():
            field = {"text": text}
            for rnd in range(1, ROUNDS + 1):
                res = search(a.url, a.index, query(field, fb))
                record(name, rnd, res, targets)
                field = {"vector": res["relevance_feedback"]["vector"]}
                progress.step()
        for name, fb in afs.items():
            for rnd in range(1, ROUNDS + 1):
                record(name, rnd, search(a.url, a.index, query({"text": text}, {**fb, "rounds": rnd})), targets)
                progress.step()
        extra = r["extra"]
        for rnd in range(1, ROUNDS + 1 if "explicit" in chosen else 1):
            fb = {"strategy": "explicit", "text": [extra[i % len(extra)] for i in range(rnd)]} if extra else None
            record("explicit", rnd, search(a.url, a.index, query({"text": text}, fb)), targets)
            progress.step()
        for t in temperatures:
            record(None, t, search(a.url, a.index, query({"text": text}, {**STRATEGIES["grf"], "temperature": t})), targets)
            progress.step()
    print(file=sys.stderr)
    what = f"`{a.part}` part of the free-text set" if a.queries == "freetext" else f"`{a.split}` split"
    os.makedirs(a.out, exist_ok=True)
    report = {"queries": a.queries, "split": a.split, "part": a.part, "count": len(records), "every": a.every}
    lines = []
    for m in measures:
        results = {s: {str(rnd): metrics(v) for rnd, v in rounds.items()} for s, rounds in ranks[m].items()}
        temperature = {str(t): metrics(v) for t, v in sweep[m].items()}
        suffix = "" if m == "exact" else "_" + m
        report["results" + suffix] = results
        report["grf_temperature_round_1" + suffix] = temperature
        with open(os.path.join(a.out, f"results{suffix}.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["strategy", "round", "H@1", "H@5", "MRR@5"])
            for s, rounds in results.items():
                for rnd, v in rounds.items():
                    w.writerow([s, rnd, f"{v['H@1']:.4f}", f"{v['H@5']:.4f}", f"{v['MRR@5']:.4f}"])
        hit = "the exact image" if m == "exact" else "any image of the emoji's concept (e.g. another skin tone)"
        lines += [f"{len(records)} queries of the {what} (every {a.every}), through the plugin's REST API; a hit is {hit}\n",
                  "| strategy | round | H@1 | H@5 | MRR@5 |", "|---|---|---|---|---|"]
        for s, rounds in results.items():
            for rnd, v in rounds.items():
                lines.append(f"| {s} | {rnd} | {v['H@1']:.3f} | {v['H@5']:.3f} | {v['MRR@5']:.3f} |")
        if temperature:
            lines += ["", "GRF (extended Rocchio), round 1, by temperature:", "", "| tau | H@1 | H@5 | MRR@5 |", "|---|---|---|---|"]
            lines += [f"| {t} | {v['H@1']:.3f} | {v['H@5']:.3f} | {v['MRR@5']:.3f} |" for t, v in temperature.items()]
        lines.append("")
        plot(results, temperature, a.out, suffix)
    if a.queries == "freetext":
        lines += examples(a)
    json.dump(report, open(os.path.join(a.out, "results.json"), "w"), indent=1)
    open(os.path.join(a.out, "results.md"), "w").write("\n".join(lines))
    print("\n".join(lines))


def examples(a):
    """The example searches without feedback: their top-5 labels, the acceptable emoji in bold."""
    targets = {q["text"]: q["variant"] for q in freetext.queries()}
    lines = ["Example searches, no feedback (top 5 with scores; **bold** = an acceptable emoji, any variant):", ""]
    for text in EXAMPLES:
        hits = search(a.url, a.index, {**query({"text": text}), "size": 5, "_source": ["label"]})["hits"]["hits"]
        shown = [(f"**{h['_source']['label']}**" if h["_id"] in targets[text] else h["_source"]["label"]) + f" {h['_score']:.3f}" for h in hits]
        lines.append(f"- `{text}` -> " + ", ".join(shown))
    return lines + [""]


def plot(results, temperature, out, suffix=""):
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
    fig.suptitle("Feedback rounds through the plugin" + (f" (hits: {suffix[1:]})" if suffix else ""))
    fig.tight_layout()
    fig.savefig(os.path.join(out, f"rounds{suffix}.png"), dpi=110)
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
    fig.savefig(os.path.join(out, f"temperature{suffix}.png"), dpi=110)


if __name__ == "__main__":
    main()
