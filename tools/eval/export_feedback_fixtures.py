"""Exports what the Java side checks its feedback against (issue: feedback in the query).

  /usr/bin/python3 -m tools.eval.export_feedback_fixtures   (needs scripts/fetch_corpus.sh and Debian's python3-torch)

1. src/test/resources/emoji/{images,queries,captions}.f32: float32 little-endian [3445, 256] embeddings of the
   main test split, exactly the vectors tools/eval/evaluate.py ranks (image embeddings; the label-caption query; the
   GRF caption), in manifest order; emoji/meta.json holds the query texts (the plugin encodes them itself
   in the real-node test of query by text) and each image's non-label captions (explicit feedback by words); and
   emoji/ranks.json: tools/eval/evaluate.py's reference ranks (target rank per
   query, strategy, round) and metrics computed from exactly these float32 vectors. The real-node test indexes
   them and must reproduce those ranks through the plugin. (Re-running the PyTorch encoder on another machine
   moves a few near-tied ranks by one, e.g. 17 of 3,445 vs models/emoji-clip/ranks.json; MRR@5 equal to 4 decimals.)
2. src/test/resources/feedback_crosscheck.json: NumPy reference (tools/eval/feedback_ref.py) on the first GALLERY
   images of that split, for QUERIES queries x {prf, grf, explicit} x {extended, original} x rounds 1..5: the
   refined vector and the top-10 ranking after every round. Explicit feedback marks the target as relevant and
   the best-ranked non-target image of the initial ranking as non-relevant, in every round.
"""
import json
import os

import numpy as np
import torch

from tools.eval import feedback_ref as fb
from tools.model.clip_bpe import ClipTokenizer
from tools.model.clip_model import DualEncoder
from tools.data.emoji_data import load_manifest
from tools.eval.evaluate import ROUNDS, embed_images, embed_texts, run
from tools.data.manifest import caption

GALLERY, QUERIES, TOP = 300, 10, 10
OUT = "src/test/resources"


def ranking(gallery, q):
    return np.argsort(-(fb.unit(gallery) @ fb.unit(q)), kind="stable")


def crosscheck(img, cap, q0):
    gallery, captions = img[:GALLERY], cap[:GALLERY]
    cases = []
    for qi in range(QUERIES):
        first = ranking(gallery, q0[qi])
        non_relevant = int(next(i for i in first if i != qi))
        for strategy in ["prf", "grf", "explicit"]:
            for rocchio in ["extended", "original"]:
                q, rounds = q0[qi], []
                for _ in range(ROUNDS):
                    order = ranking(gallery, q)
                    items = captions if strategy == "grf" else gallery
                    if strategy == "explicit":
                        pos, neg = gallery[[qi]], gallery[[non_relevant]]
                    elif rocchio == "original":
                        pos, neg = items[order[: fb.K]], items[order[fb.WINDOW - fb.K: fb.WINDOW]]
                    else:
                        pos, neg = items[order[: fb.K]], None
                    q = fb.original_rocchio(q, pos, neg) if rocchio == "original" else fb.extended_rocchio(q, pos, neg)
                    rounds.append({"vector": [round(float(x), 8) for x in q], "top": ranking(gallery, q)[:TOP].tolist()})
                cases.append({"query": qi, "strategy": strategy, "rocchio": rocchio, "relevant": [qi] if strategy == "explicit" else [],
                              "non_relevant": [non_relevant] if strategy == "explicit" else [], "rounds": rounds})
    return {"gallery": GALLERY, "top_k": fb.K, "window": fb.WINDOW,
            "params": {"alpha": fb.ALPHA, "beta": fb.BETA, "gamma": fb.GAMMA, "temperature": fb.TAU}, "cases": cases}


def main():
    torch.set_num_threads(2)
    ck = torch.load("models/emoji-clip/pytorch_model.pt")
    model = DualEncoder(ck["cfg"])
    model.load_state_dict(ck["state"])
    model.eval()
    tok = ClipTokenizer("models/emoji-clip/tokenizer.json")
    records = [r for r in load_manifest() if r["split"] == "test"]
    img = embed_images(model, records, ck["cfg"]["image_size"]).astype(np.float32)
    q0 = embed_texts(model, tok, [caption(r, ["label", "name"]) for r in records]).astype(np.float32)
    cap = embed_texts(model, tok, [caption(r, ["tags", "name", "short_name", "category"]) for r in records]).astype(np.float32)
    os.makedirs(os.path.join(OUT, "emoji"), exist_ok=True)
    for name, arr in [("images", img), ("queries", q0), ("captions", cap)]:
        arr.astype("<f4").tofile(os.path.join(OUT, "emoji", name + ".f32"))
    explicit_texts = [[c["text"] for c in r["captions"] if c["type"] != "label"] for r in records]
    json.dump({"count": len(records), "dimension": int(img.shape[1]), "split": "test",
               "queries": [caption(r, ["label", "name"]) for r in records], "explicit_texts": explicit_texts},
              open(os.path.join(OUT, "emoji", "meta.json"), "w"))
    fixture = crosscheck(img.astype(np.float64), cap.astype(np.float64), q0.astype(np.float64))
    json.dump(fixture, open(os.path.join(OUT, "feedback_crosscheck.json"), "w"))
    # The reference over these exact vectors; explicit feedback averages in embeddings of the target's other captions.
    flat = embed_texts(model, tok, [t for ts in explicit_texts for t in ts]).astype(np.float32).astype(np.float64)
    explicit_caps, at = [], 0
    for ts in explicit_texts:
        explicit_caps.append(list(flat[at: at + len(ts)]))
        at += len(ts)
    results, ranks = run(records, img.astype(np.float64), q0.astype(np.float64), cap.astype(np.float64),
                         explicit_caps, np.array([r["concept"] for r in records]))
    keep = ["none", "prf", "grf", "prf_original", "grf_original", "explicit"]
    json.dump({"ranks": {s: ranks[s] for s in keep}, "metrics": {s: results[s] for s in keep}},
              open(os.path.join(OUT, "emoji", "ranks.json"), "w"))
    committed = json.load(open("models/emoji-clip/ranks.json"))["test"]
    for s in keep:
        for rnd, r in ranks[s].items():
            moved = sum(a != b for a, b in zip(r, committed[s][rnd]))
            print(f"{s} round {rnd}: MRR@5 {results[s][rnd]['MRR@5']:.4f}, ranks differing from models/emoji-clip/ranks.json: {moved}")


if __name__ == "__main__":
    main()
