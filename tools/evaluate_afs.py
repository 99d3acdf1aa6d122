"""Reference evaluation of the Attentive Feedback Summarizer on the held-out test split (PyTorch, NumPy Eq. 6-8).

  /usr/bin/python3 tools/evaluate_afs.py [--checkpoint data/afs/best.pt] [--out models/emoji-clip]

The protocol of tools/evaluate.py (label caption as query, gallery = the test images, hit = the exact image):
afs and afs_prf (captions ignored at inference, App. E.4), rounds 1..5, each round summarizing the current top-5
with the original query's word tokens. Writes afs_eval.json (metrics + target ranks per round: the plugin's
cross-check) and afs_eval.md (a table next to none / PRF / GRF / explicit from eval.json, same checkpoint).
"""
import json
import os

import numpy as np
import torch

import feedback_ref as fb
from afs_data import afs_refine
from export_afs import setup
from metrics import metrics, rank_of

ROUNDS = 5


def run(afs, split, with_captions, batch=256):
    img = split.img.astype(np.float64)
    q = split.q.astype(np.float64)
    out = {}
    for rnd in range(1, ROUNDS + 1):
        tops = np.argsort(-(q @ img.T), axis=1, kind="stable")[:, : fb.K]
        refined = np.empty_like(q)
        for s in range(0, len(q), batch):
            rows = np.arange(s, min(s + batch, len(q)))
            with torch.no_grad():
                pos, att = afs(*split.batch(rows, tops[rows], with_captions=with_captions))
            for j, i in enumerate(rows):
                refined[i] = afs_refine(q[i], pos[j].numpy().astype(np.float64), att[j].numpy(), split, tops[i], with_captions)
        q = refined
        out[str(rnd)] = [rank_of(img @ q[i], split.target[i])[0] for i in range(len(q))]
        print(f"{'afs' if with_captions else 'afs_prf'} round {rnd}: {metrics(out[str(rnd)])}", flush=True)
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
