"""Trains the Attentive Feedback Summarizer on the frozen emoji dual encoder (CPU, 2 threads, seeded).

  /usr/bin/python3 -m tools.afs.train_afs [--epochs 8] [--minutes 60] [--width 128] [--out data/afs]

Each epoch draws one caption of every training image as the query (paper Sec. 3.3), of the --query-types; its
relevance sequence is the frozen encoder's own top-5 for that caption over the training gallery (the ground truth
may or may not be among them, as at inference) with their GRF captions. With probability --later-rounds the feedback
is instead the top-5 after one round of the summarizer being trained (Eq. 6-8, what the plugin runs), with the
original query's words: what round 2 sees, so that the model also learns from feedback its own earlier round pulled
in. Loss: 1 - cos(AFS output, ground-truth image embedding) (the paper's best variant, image loss only). With
probability --drop-captions a sample's captions are masked out, so that the same model serves AFS-PRF (images only,
App. E.4). AdamW lr 3e-4, wd 0.01, cosine schedule over --epochs, early stopping after 10 epochs without a better
score or at the time budget. The score, after every epoch, is MRR@5 averaged over AFS rounds 1-3 (later rounds show
drift) on the validation split (label -> exact image) plus the same on the free-text selection queries over the
google gallery (any variant); the checkpoint with the best score is kept.

--rank-loss W adds W x a ranking loss that trains for what the plugin does with the output: q+ = unit(alpha q +
beta positive) (Eq. 8's positive part, the plugin's defaults) must score the ground-truth image above the query's
other top-RANK_CANDIDATES training images (cross-entropy at temperature RANK_TAU). The cosine loss alone pulls the
positive vector towards the target but also towards its look-alikes, which does not change the ranking much.

The feedback comes from the images of the target's own vendor (--gallery style, the default: a test gallery is one
style) or from the whole training gallery (--gallery mixed, as before 2026-12-03). The positive vector is a mix of the
feedback items' own embeddings (the pointer head of tools/afs/afs_model.py) unless --no-pointer. The model card has
what each did.
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from tools.eval import feedback_ref as fb
from tools.afs.afs_data import afs_rounds, first_hit, load_encoder, load_freetext, load_split, refine_all
from tools.afs.afs_model import AttentiveFeedbackSummarizer, item_tokens
from tools.eval.metrics import metrics

SEED = 1234
RANK_CANDIDATES = 64
RANK_TAU = 0.02
VAL_ROUNDS = 3


def val_pass(afs, val, sel):
    """Validation cosine loss, and MRR@5 per AFS round 1..VAL_ROUNDS (later rounds show drift) on the validation split
    and on the free-text selection queries over the google gallery."""
    afs.eval()
    with torch.no_grad():
        pos, _ = afs(*val.batch(np.arange(len(val.target)), val.top))
    loss = float((1 - (pos * torch.from_numpy(val.img[val.target])).sum(-1)).mean())
    return loss, [[metrics(r)["MRR@5"] for r in afs_rounds(afs, split, VAL_ROUNDS)] for split in (val, sel)]


def feedback_items(split, q, rows, per_style, chunk=2048):
    """Each query's top-K over the training gallery for query vectors q (queries `rows` of split); with `per_style`
    only among the images of its target's vendor or style. A test gallery is one style, while a mixed training
    gallery's top-K often holds the same emoji in two or three styles, and telling those apart is nothing a test
    query needs."""
    out = np.empty((len(q), fb.K), dtype=np.int64)
    for s in range(0, len(q), chunk):
        scores = q[s: s + chunk] @ split.img.T
        if per_style:
            scores[split.style[None, :] != split.style[split.target[rows[s: s + chunk]]][:, None]] = -np.inf
        top = np.argpartition(-scores, fb.K, axis=1)[:, :fb.K]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
        out[s: s + chunk] = np.take_along_axis(top, order, axis=1)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--drop-captions", type=float, default=0.25)
    ap.add_argument("--query-types", default="label,name,tags,short_name,category",
                    help="caption types used as training queries (leaving out category, which fits dozens of emoji, was tried)")
    ap.add_argument("--later-rounds", type=float, default=0.0,
                    help="share of samples whose feedback is the top-K after one round of the current summarizer")
    ap.add_argument("--rank-loss", type=float, default=0.0, help="weight of the ranking loss (0: cosine loss only)")
    ap.add_argument("--gallery", choices=["style", "mixed"], default="style",
                    help="feedback = the top-K among the images of the target's style, or of the whole training gallery")
    ap.add_argument("--no-pointer", dest="pointer", action="store_false",
                    help="the positive vector drawn by the summarizer's own projection, not a mix of the feedback items' embeddings")
    ap.add_argument("--width", type=int, default=128, help="the summarizer's model width (heads = width / 32): 128 scored "
                    "as 256 did at 2.3x less time per call in the shard (model card)")
    ap.add_argument("--out", default="data/afs")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    start = time.time()

    model, cfg, tok = load_encoder()
    train = load_split(model, cfg, tok, "train", all_captions=True)
    train.style = np.unique([r["vendor"] for r in train.records], return_inverse=True)[1]
    val = load_split(model, cfg, tok, "val")
    sel = load_freetext(model, cfg, tok)
    none_mrr = [metrics([first_hit(s.img @ s.q[i], s.target[i]) for i in range(len(s.q))])["MRR@5"] for s in (val, sel)]
    types = np.array([c["type"] for r in train.records for c in r["captions"]])  # the order of train.target
    usable = np.isin(types, args.query_types.split(","))
    usable_rows = np.flatnonzero(usable)  # train.target is grouped by image, in order
    by_image = [c for c in np.split(usable_rows, np.flatnonzero(np.diff(train.target[usable_rows])) + 1) if len(c)]
    if args.rank_loss:  # its candidates: each training query's top images, the ground truth in place of the last
        cands = np.argpartition(-(train.q @ train.img.T), RANK_CANDIDATES, axis=1)[:, :RANK_CANDIDATES]
        missing = (cands != train.target[:, None]).all(axis=1)
        cands[missing, -1] = train.target[missing]
        gt_slot = np.argmax(cands == train.target[:, None], axis=1)
    print(f"train {len(train.records)} images / {len(train.target)} captions, val {len(val.records)}; "
          f"data ready in {time.time() - start:.0f} s; MRR@5 without feedback: val {none_mrr[0]:.4f}, selection {none_mrr[1]:.4f}",
          flush=True)

    afs = AttentiveFeedbackSummarizer(token_dim=cfg["text_width"], width=args.width, embed_dim=cfg["embed_dim"],
                                      item_proj=model.vision.proj.weight.detach().clone() if args.pointer else None,
                                      item_tokens=item_tokens(cfg))
    print(f"{sum(p.numel() for p in afs.parameters()) / 1e6:.2f}M parameters", flush=True)
    opt = torch.optim.AdamW(afs.parameters(), lr=3e-4, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    os.makedirs(args.out, exist_ok=True)
    log, best, since_best = [], -1.0, 0
    per_style = args.gallery == "style"
    for epoch in range(args.epochs):
        rows = np.array([rng.choice(c) for c in by_image])[rng.permutation(len(by_image))]
        q = train.q[rows].astype(np.float64)
        later = rng.random(len(rows)) < args.later_rounds
        if later.any():  # round 2 as the plugin runs it: feedback = the top-K of the query one AFS round refined
            afs.eval()
            q[later] = refine_all(afs, train, q[later], feedback_items(train, q[later], rows[later], per_style),
                                  rows=rows[later])
        tops = feedback_items(train, q, rows, per_style)
        afs.train()
        total = 0.0
        for s in range(0, len(rows), args.batch):
            r = rows[s: s + args.batch]
            q_tokens, q_mask, cap, img, bias = train.batch(r, tops[s: s + args.batch])
            drop = torch.from_numpy(rng.random(len(r)) < args.drop_captions)
            bias[:, : cap.shape[1]] = torch.where(drop[:, None], torch.full_like(bias[:, : cap.shape[1]], -1e4), bias[:, : cap.shape[1]])
            pos, _ = afs(q_tokens, q_mask, cap, img, bias)
            loss = (1 - (pos * torch.from_numpy(train.img[train.target[r]])).sum(-1)).mean()
            if args.rank_loss:
                q_plus = torch.nn.functional.normalize(fb.ALPHA * torch.from_numpy(train.q[r]) + fb.BETA * pos, dim=-1)
                scores = torch.einsum("bd,bcd->bc", q_plus, torch.from_numpy(train.img[cands[r]])) / RANK_TAU
                loss = loss + args.rank_loss * torch.nn.functional.cross_entropy(scores, torch.from_numpy(gt_slot[r]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(r)
            if epoch == 0 and s // args.batch in (1, 10):
                print(f"step {s // args.batch}: {time.time() - start:.0f} s", flush=True)
        sched.step()
        val_loss, (val_rounds, sel_rounds) = val_pass(afs, val, sel)
        score = float(np.mean(val_rounds) + np.mean(sel_rounds))
        elapsed = (time.time() - start) / 60
        log.append({"epoch": epoch + 1, "train_loss": total / len(rows), "val_loss": val_loss, "val_MRR@5_rounds": val_rounds,
                    "selection_MRR@5_rounds": sel_rounds, "score": score, "minutes": round(elapsed, 1)})
        print(json.dumps(log[-1]), flush=True)
        if score > best:
            best, since_best = score, 0
            torch.save({"state": afs.state_dict(), "token_dim": cfg["text_width"], "width": args.width, "embed_dim": cfg["embed_dim"],
                        "epoch": epoch + 1}, os.path.join(args.out, "best.pt"))
        else:
            since_best += 1
        per_epoch = elapsed / (epoch + 1)
        if since_best >= 10 or elapsed + per_epoch > args.minutes:
            break
    json.dump({"MRR@5_none": {"val": none_mrr[0], "selection": none_mrr[1]}, "args": vars(args), "epochs": log}, open(os.path.join(args.out, "train_log.json"), "w"), indent=1)
    print(f"best score {best:.4f} (none {sum(none_mrr):.4f}); {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
