"""Reference evaluation on the held-out vendor (the paper's protocol), PyTorch model, NumPy feedback math.

  /usr/bin/python3 -m tools.eval.evaluate [--checkpoint models/emoji-clip/pytorch_model.pt] [--out models/emoji-clip]

Query = the CLDR label caption of each test image; gallery = all test images (the held-out vendor's images of
known concepts); a hit is the exact image. Also "concept" hits: any image of the same base emoji (skin-tone
variants). Strategies, rounds 1..5 (each round refines the current query from the current top-K):
  none; prf (extended Rocchio over top-K image embeddings); grf (extended Rocchio over the embeddings of the
  top-K images' stored caption: the "tags" caption, else "name", never the label used as query);
  prf_original / grf_original (App. A Rocchio, negatives = the K lowest of the top-100 window);
  explicit (cumulative mean of the query and one more caption of the target per round, cycling through the
  target's non-label captions).
Writes eval.md, eval.json and ranks.json (target rank per query, strategy and round: the Java cross-check).
"""
import argparse
import json
import os

import numpy as np
import torch

from tools.eval import feedback_ref as fb
from tools.model.clip_bpe import ClipTokenizer
from tools.model.clip_model import DualEncoder
from tools.data.emoji_data import images_tensor, load_manifest, normalize, pad
from tools.data.manifest import caption
from tools.eval.metrics import metrics, rank_of

ROUNDS = 5


def embed_texts(model, tok, texts, batch=512):
    out = []
    with torch.no_grad():
        for i in range(0, len(texts), batch):
            ids, mask = pad([tok.encode(t) for t in texts[i: i + batch]])
            out.append(model.text(ids, mask)[0].numpy())
    return np.concatenate(out).astype(np.float64)


def embed_images(model, records, size, batch=256):
    out = []
    with torch.no_grad():
        for i in range(0, len(records), batch):
            out.append(model.vision(normalize(images_tensor(records[i: i + batch], size)))[0].numpy())
    return np.concatenate(out).astype(np.float64)


def run(records, img, q0, grf_caps, explicit_caps, concepts):
    results, ranks_out = {}, {}
    strategies = ["none", "prf", "grf", "prf_original", "grf_original", "explicit"]
    for s in strategies:
        per_round = [[] for _ in range(ROUNDS + 1)]
        concept_round = [[] for _ in range(ROUNDS + 1)]
        for qi in range(len(records)):
            q = q0[qi]
            for rnd in range(ROUNDS + 1):
                scores = img @ q
                r, order = rank_of(scores, qi)
                per_round[rnd].append(r)
                concept_round[rnd].append(int(np.argmax(concepts[order] == concepts[qi])) + 1)
                if s == "none" or rnd == ROUNDS:
                    continue
                top = order[: fb.K]
                if s == "prf":
                    q = fb.extended_rocchio(q, img[top])
                elif s == "grf":
                    q = fb.extended_rocchio(q, grf_caps[top])
                elif s == "prf_original":
                    q = fb.original_rocchio(q, img[top], img[order[fb.WINDOW - fb.K: fb.WINDOW]])
                elif s == "grf_original":
                    q = fb.original_rocchio(q, grf_caps[top], grf_caps[order[fb.WINDOW - fb.K: fb.WINDOW]])
                elif s == "explicit":
                    extra = explicit_caps[qi]
                    used = [extra[i % len(extra)] for i in range(rnd + 1)] if extra else []
                    q = fb.unit(np.mean([q0[qi]] + used, axis=0))
        rounds = range(1, ROUNDS + 1) if s != "none" else [0]
        results[s] = {str(rnd): {**metrics(per_round[rnd]), "concept_H@1": float(np.mean(np.asarray(concept_round[rnd]) <= 1)),
                                  "concept_H@5": float(np.mean(np.asarray(concept_round[rnd]) <= 5))} for rnd in rounds}
        ranks_out[s] = {str(rnd): per_round[rnd] for rnd in rounds}
    return results, ranks_out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default="models/emoji-clip/pytorch_model.pt")
    ap.add_argument("--out", default="models/emoji-clip")
    args = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(args.checkpoint)
    model = DualEncoder(ck["cfg"])
    model.load_state_dict(ck["state"])
    model.eval()
    tok = ClipTokenizer("models/emoji-clip/tokenizer.json")
    manifest = load_manifest()
    report, all_ranks = {}, {}
    for split in ["test", "test_unseen"]:
        records = [r for r in manifest if r["split"] == split]
        img = embed_images(model, records, ck["cfg"]["image_size"])
        q0 = embed_texts(model, tok, [caption(r, ["label", "name"]) for r in records])
        grf_caps = embed_texts(model, tok, [caption(r, ["tags", "name", "short_name", "category"]) for r in records])
        explicit_texts = [[c["text"] for c in r["captions"] if c["type"] != "label"] for r in records]
        flat = [t for ts in explicit_texts for t in ts]
        flat_emb = embed_texts(model, tok, flat)
        explicit_caps, at = [], 0
        for ts in explicit_texts:
            explicit_caps.append(list(flat_emb[at: at + len(ts)]))
            at += len(ts)
        results, ranks = run(records, img, q0, grf_caps, explicit_caps, np.array([r["concept"] for r in records]))
        report[split] = {"gallery": len(records), "chance_H@1": 1 / len(records), "results": results}
        all_ranks[split] = ranks
        print(split, json.dumps(results["none"]), flush=True)
    os.makedirs(args.out, exist_ok=True)
    json.dump(report, open(os.path.join(args.out, "eval.json"), "w"), indent=1)
    json.dump(all_ranks, open(os.path.join(args.out, "ranks.json"), "w"))
    with open(os.path.join(args.out, "eval.md"), "w") as f:
        for split, rep in report.items():
            f.write(f"\n### {split}: gallery {rep['gallery']} images (chance H@1 {rep['chance_H@1']:.4f})\n\n")
            f.write("| strategy | round | H@1 | H@5 | MRR@5 | concept H@1 | concept H@5 |\n|---|---|---|---|---|---|---|\n")
            for s, rounds in rep["results"].items():
                for rnd, m in rounds.items():
                    f.write(f"| {s} | {rnd} | {m['H@1']:.3f} | {m['H@5']:.3f} | {m['MRR@5']:.3f} | {m['concept_H@1']:.3f} | {m['concept_H@5']:.3f} |\n")
    print(open(os.path.join(args.out, "eval.md")).read())


if __name__ == "__main__":
    main()
