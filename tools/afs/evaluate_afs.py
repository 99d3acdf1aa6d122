"""Reference evaluation of the Attentive Feedback Summarizer on the held-out test split (PyTorch, NumPy Eq. 6-8).

  /usr/bin/python3 -m tools.afs.evaluate_afs [--checkpoint data/afs/best.pt] [--out models/emoji-clip]

The protocol of tools/eval/evaluate.py (label caption as query, gallery = the test images, hit = the exact image):
afs and afs_prf (captions ignored at inference, App. E.4), rounds 1..5, each round summarizing the current top-5
with the original query's word tokens. Writes afs_eval.json (metrics + target ranks per round: the plugin's
cross-check) and afs_eval.md (a table next to none / PRF / GRF / explicit from eval.json, same checkpoint).
"""
import json
import os

from tools.afs.afs_data import afs_rounds
from tools.afs.export_afs import setup
from tools.eval.metrics import metrics

ROUNDS = 5


def run(afs, split, with_captions):
    name = "afs" if with_captions else "afs_prf"
    out = {}
    for rnd, ranks in enumerate(afs_rounds(afs, split, ROUNDS, with_captions), start=1):
        out[str(rnd)] = ranks
        print(f"{name} round {rnd}: {metrics(ranks)}", flush=True)
    return out


def main():
    args, afs, test = setup()
    ranks = {"afs": run(afs, test, True), "afs_prf": run(afs, test, False)}
    results = {s: {r: metrics(v) for r, v in rounds.items()} for s, rounds in ranks.items()}
    json.dump({"gallery": len(test.records), "results": results, "ranks": ranks}, open(os.path.join(args.out, "afs_eval.json"), "w"))
    base = json.load(open(os.path.join(args.out, "eval.json")))["test"]["results"]
    with open(os.path.join(args.out, "afs_eval.md"), "w") as f:
        f.write(f"Test split, gallery {len(test.records)} images, label caption as query, top-5 feedback (H@1 / H@5 / MRR@5)\n\n")
        f.write("| strategy | " + " | ".join(f"round {r}" for r in range(1, ROUNDS + 1)) + " |\n|---|" + "---|" * ROUNDS + "\n")
        none = base["none"]["0"]
        f.write("| none | " + " | ".join(f"{none['H@1']:.3f} / {none['H@5']:.3f} / {none['MRR@5']:.3f}" for _ in range(ROUNDS)) + " |\n")
        rows = {s: base[s] for s in ["prf", "grf", "explicit"]} | results
        for s, rounds in rows.items():
            f.write(f"| {s} | " + " | ".join(f"{m['H@1']:.3f} / {m['H@5']:.3f} / {m['MRR@5']:.3f}" for m in rounds.values()) + " |\n")
    print(open(os.path.join(args.out, "afs_eval.md")).read())


if __name__ == "__main__":
    main()
