"""Trains the small CLIP-style dual encoder on the emoji corpus (CPU, 2 threads, seeded).

  /usr/bin/python3 tools/train_clip.py [--minutes 27 | --steps 629] [--styles] [--out data/train]

--steps trains for a fixed number of optimizer steps (recipes compare at equal steps, not equal minutes; the
schedule then runs over steps); --styles adds the Iconify artwork of scripts/fetch_styles.sh
(data/styles_manifest.jsonl) to the training images. A checkpoint (last.pt) is written after every epoch and a run
with the same --out resumes from it, so an interrupted session loses at most one epoch.

Symmetric InfoNCE with a learnable temperature; each step pairs B training images with one of their captions
drawn at random; light geometric augmentation (random scale/shift). AdamW with warm-up and a cosine schedule
over the time budget; the checkpoint with the best validation MRR@5 (label caption -> exact image) is kept.
"""
import argparse
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

from clip_bpe import ClipTokenizer
from clip_model import DualEncoder
from emoji_data import images_tensor, load_manifest, normalize, pad
from metrics import metrics, rank_of

CFG = {"image_size": 64, "patch": 8, "vision_width": 192, "vision_layers": 4, "text_width": 192, "text_layers": 3,
       "heads": 4, "embed_dim": 256}
SEED = 1234


def augment(x, gen):
    """Random scale 0.85-1.15 and shift up to 4 px, white fill: vendors draw the same emoji at different sizes."""
    b = x.shape[0]
    scale = 0.85 + 0.3 * torch.rand(b, generator=gen)
    shift = (torch.rand(b, 2, generator=gen) - 0.5) * (8 / 32)
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = 1 / scale
    theta[:, 1, 1] = 1 / scale
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    white = normalize(torch.full((1, 3, 1, 1), 255, dtype=torch.uint8))
    return F.grid_sample(x - white, grid, align_corners=False, padding_mode="zeros") + white


def mrr_at_5(model, images, ids, mask):
    """Validation MRR@5: caption i should retrieve image i."""
    with torch.no_grad():
        img, _ = model.vision(normalize(images))
        txt, _ = model.text(ids, mask)
    scores = (txt @ img.T).numpy()
    return metrics([rank_of(scores[i], i)[0] for i in range(len(scores))])["MRR@5"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=27.0)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--steps", type=int, default=0, help="train this many optimizer steps (0: --minutes decides)")
    ap.add_argument("--styles", action="store_true", help="also train on data/styles_manifest.jsonl")
    ap.add_argument("--out", default="data/train")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    random.seed(SEED)
    gen = torch.Generator().manual_seed(SEED)

    records = load_manifest()
    tok = ClipTokenizer("models/emoji-clip/tokenizer.json")
    train = [r for r in records if r["split"] == "train"]
    if args.styles:
        train += load_manifest("data/styles_manifest.jsonl")
    val = [r for r in records if r["split"] == "val"]
    train_caps = [[tok.encode(c["text"]) for c in r["captions"]] for r in train]
    used = sorted({i for caps in train_caps for ids in caps for i in ids})
    print(f"train {len(train)} images, val {len(val)}; {len(used)} distinct BPE ids in training captions", flush=True)
    train_img = images_tensor(train, CFG["image_size"])
    val_img = images_tensor(val, CFG["image_size"])
    val_ids, val_mask = pad([tok.encode(r["captions"][0]["text"]) for r in val])

    model = DualEncoder(used, CFG)
    params = sum(p.numel() for p in model.parameters())
    print(f"{params / 1e6:.2f}M parameters", flush=True)
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "pos" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "pos" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)

    budget = args.minutes * 60
    os.makedirs(args.out, exist_ok=True)
    best, step, epoch, history, spent = -1.0, 0, 0, [], 0.0
    last = os.path.join(args.out, "last.pt")
    if os.path.exists(last):
        ck = torch.load(last, weights_only=False)
        model.load_state_dict(ck["state"])
        opt.load_state_dict(ck["opt"])
        gen.set_state(ck["gen"])
        random.setstate(ck["random"])
        best, step, epoch, history, spent = ck["best"], ck["step"], ck["epoch"], ck["history"], ck["spent"]
        print(f"resumed from {last}: epoch {epoch}, step {step}", flush=True)
    start = time.time() - spent
    warmup = 50

    def progress():
        """How far through the schedule: by steps when --steps is set, else by time."""
        return step / args.steps if args.steps else (time.time() - start) / budget

    while progress() < 1:
        epoch += 1
        model.train()
        order = torch.randperm(len(train), generator=gen).tolist()
        losses = []
        for b in range(0, len(order) - args.batch + 1, args.batch):
            frac = min(1.0, progress())
            lr = args.lr * min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * frac))
            for g in opt.param_groups:
                g["lr"] = lr
            idx = order[b: b + args.batch]
            x = augment(normalize(train_img[idx]), gen)
            ids, mask = pad([random.choice(train_caps[i]) for i in idx])
            img, _ = model.vision(x)
            txt, _ = model.text(ids, mask)
            logits = model.logit_scale.exp().clamp(max=100) * txt @ img.T
            labels = torch.arange(len(idx))
            loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            step += 1
            if progress() >= 1:
                break
        model.eval()
        score = mrr_at_5(model, val_img, val_ids, val_mask)
        history.append({"epoch": epoch, "loss": float(np.mean(losses)), "val_mrr5": score, "minutes": (time.time() - start) / 60})
        print(json.dumps(history[-1]), flush=True)
        if score > best:
            best = score
            torch.save({"state": model.state_dict(), "used_ids": used, "cfg": CFG, "epoch": epoch}, os.path.join(args.out, "best.pt"))
        torch.save({"state": model.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state(), "random": random.getstate(), "best": best,
                    "step": step, "epoch": epoch, "history": history, "spent": time.time() - start}, last)
    json.dump({"history": history, "best_val_mrr5": best, "params": params, "cfg": CFG, "seed": SEED,
               "batch": args.batch, "lr": args.lr, "minutes": args.minutes, "steps": step, "styles": args.styles}, open(os.path.join(args.out, "train_log.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
