"""Trains the Attentive Feedback Summarizer on the frozen emoji dual encoder (CPU, 2 threads, seeded).

  /usr/bin/python3 tools/train_afs.py [--minutes 25] [--out data/afs]

Each epoch draws one caption of every training image as the query (paper Sec. 3.3); its relevance sequence is
the frozen encoder's own top-5 for that caption over the training gallery (the ground truth may or may not be
among them, as at inference) with their GRF captions. Loss: 1 - cos(AFS output, ground-truth image embedding)
(the paper's best variant, image loss only). With probability --drop-captions a sample's captions are masked
out, so that the same model serves AFS-PRF (images only, App. E.4). AdamW lr 3e-4, wd 0.01, cosine schedule
over --epochs, early stopping after 10 epochs without a better validation MRR@5 of one AFS round (Eq. 6-8, what
the plugin runs), or at the time budget; the checkpoint with the best validation MRR@5 is kept.

--rank-loss W adds W x a ranking loss that trains for what the plugin does with the output: q+ = unit(alpha q +
beta positive) (Eq. 8's positive part, the plugin's defaults) must score the ground-truth image above the query's
other top-RANK_CANDIDATES training images (cross-entropy at temperature RANK_TAU). The cosine loss alone pulls the
positive vector towards the target but also towards its look-alikes, which does not change the ranking much.
"""
import argparse
import json
import os
import time

import numpy as np
import torch

import feedback_ref as fb
from afs_data import afs_refine, load_encoder, load_split
from afs_model import AttentiveFeedbackSummarizer
from metrics import metrics, rank_of

SEED = 1234
RANK_CANDIDATES = 64
RANK_TAU = 0.02


def val_pass(afs, val):
    afs.eval()
    rows = np.arange(len(val.target))
    with torch.no_grad():
        pos, att = afs(*val.batch(rows, val.top))
    gt = torch.from_numpy(val.img[val.target])
    loss = float((1 - (pos * gt).sum(-1)).mean())
    ranks = []
    for i in rows:
        q = afs_refine(val.q[i].astype(np.float64), pos[i].numpy(), att[i].numpy(), val, val.top[i])
        ranks.append(rank_of(val.img @ q, val.target[i])[0])
    return loss, metrics(ranks)["MRR@5"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=25.0)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--drop-captions", type=float, default=0.25)
    ap.add_argument("--rank-loss", type=float, default=0.0, help="weight of the ranking loss (0: cosine loss only)")
    ap.add_argument("--out", default="data/afs")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    start = time.time()

    model, cfg, tok = load_encoder()
    train = load_split(model, cfg, tok, "train", all_captions=True)
    val = load_split(model, cfg, tok, "val")
    none_mrr = metrics([rank_of(val.img @ val.q[i], val.target[i])[0] for i in range(len(val.target))])["MRR@5"]
    by_image = [np.where(train.target == i)[0] for i in range(len(train.records))]
    if args.rank_loss:  # its candidates: each training query's top images, the ground truth in place of the last
        cands = np.argpartition(-(train.q @ train.img.T), RANK_CANDIDATES, axis=1)[:, :RANK_CANDIDATES]
        missing = (cands != train.target[:, None]).all(axis=1)
        cands[missing, -1] = train.target[missing]
        gt_slot = np.argmax(cands == train.target[:, None], axis=1)
    print(f"train {len(train.records)} images / {len(train.target)} captions, val {len(val.records)}; "
          f"data ready in {time.time() - start:.0f} s; val MRR@5 without feedback {none_mrr:.4f}", flush=True)

    afs = AttentiveFeedbackSummarizer(token_dim=cfg["text_width"], embed_dim=cfg["embed_dim"])
    print(f"{sum(p.numel() for p in afs.parameters()) / 1e6:.2f}M parameters", flush=True)
    opt = torch.optim.AdamW(afs.parameters(), lr=3e-4, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    os.makedirs(args.out, exist_ok=True)
    log, best, since_best = [], -1.0, 0
    for epoch in range(args.epochs):
        afs.train()
        rows = np.array([rng.choice(c) for c in by_image])[rng.permutation(len(by_image))]
        total = 0.0
        for s in range(0, len(rows), args.batch):
            r = rows[s: s + args.batch]
            q_tokens, q_mask, cap, img, bias = train.batch(r, train.top[r])
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
        val_loss, val_mrr = val_pass(afs, val)
        elapsed = (time.time() - start) / 60
        log.append({"epoch": epoch + 1, "train_loss": total / len(rows), "val_loss": val_loss, "val_MRR@5": val_mrr,
                    "minutes": round(elapsed, 1)})
        print(json.dumps(log[-1]), flush=True)
        if val_mrr > best:
            best, since_best = val_mrr, 0
            torch.save({"state": afs.state_dict(), "token_dim": cfg["text_width"], "embed_dim": cfg["embed_dim"],
                        "epoch": epoch + 1}, os.path.join(args.out, "best.pt"))
        else:
            since_best += 1
        per_epoch = elapsed / (epoch + 1)
        if since_best >= 10 or elapsed + per_epoch > args.minutes:
            break
    json.dump({"val_MRR@5_none": none_mrr, "rank_loss": args.rank_loss, "epochs": log}, open(os.path.join(args.out, "train_log.json"), "w"), indent=1)
    print(f"best val MRR@5 {best:.4f} (none {none_mrr:.4f}); {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
