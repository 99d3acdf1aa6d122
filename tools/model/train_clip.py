"""Trains the small CLIP-style dual encoder on the emoji corpus (CPU, 2 threads, seeded; --device cuda on a GPU).

  /usr/bin/python3 -m tools.model.train_clip [--steps 1000 | --minutes M] [--no-styles] [--no-words] [--no-augment]
                                       [--device cpu|cuda] [--bf16] [--mask-ratio 0.5]
                                       [--text-weight 0.25] [--keyword-share 0.3] [--text-steps 0] [--out data/train]
                                       [--init CHECKPOINT --lr 5e-4]

The recipe (each part can be switched off for an ablation at equal steps):
- images: the corpus' training vendors (apple, facebook, twitter) plus the Iconify artwork styles of
  scripts/fetch_styles.sh (data/styles_manifest.jsonl; --no-styles leaves them out);
- captions: the manifest's typed captions plus, from data/words.json (scripts/fetch_words.sh), each training emoji's
  CLDR and emojilib keywords, as a list and one keyword alone (what people type); a caption comes from the keyword
  types with probability --keyword-share, else from the manifest's types (a type at random, then a caption of it);
- word knowledge (--no-words leaves it and the keyword captions out): beside every image step a batch of WordNet
  text pairs (a lemma against its gloss, its synonyms or its hypernym's lemmas; symmetric InfoNCE, weight
  --text-weight), so that words outside the captions get rows of their own that mean something; --text-steps N
  runs N WordNet-only steps first (tried: 300 steps took the loss only from 5.55 to 4.85, see the model card);
- augmentation (--no-augment keeps only the scale/shift): random scale and shift, brightness / contrast /
  saturation / small hue jitter, Gaussian blur on a third of the images.
--bf16 runs the towers' matrix products in bfloat16 (torch.autocast; weights, optimizer, similarities, losses and
validation scores stay float32): a step ~3x faster on a CPU with native bf16 (AVX512-BF16 / AMX), the shipped
recipe's 7,000 steps ~2.2 h on 2 cores instead of ~7 h (model card).
--mask-ratio R drops that share of each image's patch tokens at random before the vision tower's blocks (FLIP, Li et
al. 2023: the tower's cost falls with its tokens, and the masking regularizes like an augmentation); the last
UNMASKED_SHARE of the steps see whole images, so the tower meets what inference gives it before training ends.
Symmetric InfoNCE with a learnable temperature for images; AdamW with warm-up and a cosine schedule over the budget
(--steps: over steps, so recipes compare at equal optimizer steps). After every epoch: validation MRR@5 (label
caption -> exact image, training vendors' val split) and the free-text selection part (data/freetext_queries.tsv,
never the test part) on the google gallery; the checkpoint with the best sum is kept as best.pt. last.pt is
written every epoch and a run with the same --out resumes from it.
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

from tools.data import freetext
from tools.model.clip_bpe import ClipTokenizer
from tools.model.clip_model import DualEncoder
from tools.data.emoji_data import images_tensor, load_manifest, normalize, pad, standardize
from tools.data.build_manifest import TONES
from tools.data.manifest import doc_id
from tools.eval.metrics import metrics, rank_of

CFG = {"image_size": 64, "patch": 8, "vision_width": 192, "vision_layers": 4, "text_width": 192, "text_layers": 3,
       "heads": 4, "embed_dim": 256, "token_dim": 96}
SEED = 1234
TEXT_TEMPERATURE = 0.05
MAX_WORDNET_TOKENS = 32  # long glosses are cut: the head of a definition carries the meaning
TEXT_CHUNKS = 8
UNMASKED_SHARE = 0.05


def caption_groups(record, keywords, use_words):
    """(the manifest's caption texts by type, the keyword caption texts by type): keywords of the base emoji (+ the
    tone of a variant)."""
    groups, extra = {}, {}
    for c in record["captions"]:
        groups.setdefault(c["type"], []).append(c["text"])
    if use_words:
        words = keywords.get(freetext.norm(record["emoji"])) or keywords.get(freetext.norm(record["concept"])) or {}
        tone = next((name for code, name in TONES.items() if code in record["emoji"].upper().split("-")), None)
        suffix = f", {tone}" if tone else ""
        lists = [", ".join(ws) + suffix for ws in words.values()]
        if lists:
            extra["keywords"] = lists
            extra["keyword"] = sorted({w + suffix for ws in words.values() for w in ws})
    return list(groups.values()), list(extra.values())


def caption(groups, rng, keyword_share):
    """One caption: a keyword type with probability keyword_share (when the emoji has keywords), else one of the
    manifest's types; then a caption of that type."""
    manifest_groups, keyword_groups = groups
    pick = keyword_groups if keyword_groups and rng.random() < keyword_share else manifest_groups
    return rng.choice(rng.choice(pick))


def augment(x, gen, full):
    """x: float [B, 3, H, W] in [0, 1] on white. Random scale 0.85-1.15 and shift up to 4 px, white fill (vendors
    draw the same emoji at different sizes); with `full` also colour jitter and blur."""
    b = x.shape[0]
    scale = 0.85 + 0.3 * torch.rand(b, generator=gen)
    shift = (torch.rand(b, 2, generator=gen) - 0.5) * (8 / 32)
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = 1 / scale
    theta[:, 1, 1] = 1 / scale
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
    x = F.grid_sample(x - 1.0, grid, align_corners=False, padding_mode="zeros") + 1.0
    if not full:
        return x

    def factor(lo, hi):
        return (lo + (hi - lo) * torch.rand(b, 1, 1, 1, generator=gen)).to(x.device)

    x = x * factor(0.9, 1.1)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * factor(0.8, 1.2) + mean
    gray = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    x = gray + (x - gray) * factor(0.7, 1.3)
    # hue: a small rotation about the gray axis (+-0.03 of a turn keeps red red, so colour words stay true)
    a = (torch.rand(b, generator=gen) - 0.5) * 2 * (0.03 * 2 * math.pi)
    k = torch.ones(3) / math.sqrt(3)
    cos, sin = torch.cos(a)[:, None, None], torch.sin(a)[:, None, None]
    kx = torch.tensor([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rot = cos * torch.eye(3) + sin * kx + (1 - cos) * torch.outer(k, k)
    x = torch.einsum("bij,bjhw->bihw", rot.to(x.device), x)
    # blur a third of the images (3x3 Gaussian, sigma 0.8): small renderings lose their fine lines
    g = torch.exp(-torch.tensor([-1.0, 0.0, 1.0]) ** 2 / (2 * 0.8 ** 2))
    kernel = (torch.outer(g, g) / torch.outer(g, g).sum()).expand(3, 1, 3, 3).to(x.device)
    blurred = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), kernel, groups=3)
    pick = (torch.rand(b, 1, 1, 1, generator=gen) < 1 / 3).float().to(x.device)
    return (blurred * pick + x * (1 - pick)).clamp(0, 1)


class WordPairs:
    """WordNet synsets -> (lemma, gloss | synonyms | hypernym lemmas) text pairs, tokenized on demand."""

    def __init__(self, synsets, tok):
        self.synsets, self.tok, self.cache = synsets, tok, {}

    def ids(self, text):
        if text not in self.cache:
            ids = self.tok.encode(text)
            self.cache[text] = ids if len(ids) <= MAX_WORDNET_TOKENS else ids[: MAX_WORDNET_TOKENS - 1] + ids[-1:]
        return self.cache[text]

    def batch(self, n, rng):
        anchors, positives = [], []
        for lemmas, gloss, hyper in rng.sample(self.synsets, n):
            anchor = rng.choice(lemmas)
            views = [gloss] + [", ".join(w for w in lemmas if w != anchor)] * (len(lemmas) > 1) + [", ".join(hyper)] * bool(hyper)
            anchors.append(self.ids(anchor))
            positives.append(self.ids(rng.choice(views)))
        return anchors, positives


def text_embeds(model, id_lists):
    """model.text's embeddings of the token id lists, run in TEXT_CHUNKS chunks of similar length: a chunk is padded
    to its own longest caption, not the batch's (training captions: mean 10.5 tokens, padded to ~42 in one piece,
    ~13 in eight). The padding is masked, so it is the same function at about a third of the cost."""
    dev = model.logit_scale.device
    order = sorted(range(len(id_lists)), key=lambda i: len(id_lists[i]))
    parts = [model.text(*(t.to(dev) for t in pad([id_lists[i] for i in chunk])))[0]
             for chunk in np.array_split(order, min(TEXT_CHUNKS, len(order)))]
    return torch.cat(parts)[torch.as_tensor(np.argsort(order), device=dev)]


def similarity(a, b):
    """a @ b.T in float32 even under --bf16's autocast: 8 bits of mantissa would blur the ranks the loss sorts."""
    with torch.autocast(a.device.type, enabled=False):
        return a.float() @ b.float().T


def text_pair_loss(model, pairs, n, rng):
    anchors, positives = pairs.batch(n, rng)
    logits = similarity(text_embeds(model, anchors), text_embeds(model, positives)) / TEXT_TEMPERATURE
    labels = torch.arange(n, device=logits.device)
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


def embed_images(model, images, batch=512):
    dev = model.logit_scale.device
    with torch.no_grad():
        return torch.cat([model.vision(normalize(images[i: i + batch].to(dev)))[0] for i in range(0, len(images), batch)])


def embed_texts(model, tok, texts):
    with torch.no_grad():
        return text_embeds(model, [tok.encode(t) for t in texts])


def freetext_gallery(records, image_size):
    """The google gallery the free-text queries run against: {"images", "ids"}."""
    gallery = [r for r in records if r["split"] in freetext.GALLERY_SPLITS]
    return {"images": images_tensor(gallery, image_size), "ids": [doc_id(r) for r in gallery]}


def freetext_metrics(model, tok, gallery, queries):
    """H@1 / H@5 / MRR@5 of free-text queries on a gallery ({"images", "ids"}), any variant of the emoji a hit."""
    img = embed_images(model, gallery["images"])
    scores = similarity(embed_texts(model, tok, [q["text"] for q in queries]), img).cpu().numpy()
    ranks = []
    for q, s in zip(queries, scores):
        order = np.argsort(-s, kind="stable")
        hits = [i for i, j in enumerate(order[:5]) if gallery["ids"][j] in q["variant"]]
        ranks.append(hits[0] + 1 if hits else 6)
    return metrics(ranks)


def validate(model, tok, val, sel):
    """Validation MRR@5 (label -> exact image) and free-text selection MRR@5 (any variant) on the google gallery."""
    img = embed_images(model, val["images"])
    scores = similarity(embed_texts(model, tok, val["captions"]), img).cpu().numpy()
    val_mrr = metrics([rank_of(scores[i], i)[0] for i in range(len(scores))])["MRR@5"]
    return val_mrr, freetext_metrics(model, tok, sel, sel["queries"])["MRR@5"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, help="image steps to train (default 1000; with --minutes alone the time decides)")
    ap.add_argument("--minutes", type=float, default=0.0)
    ap.add_argument("--text-steps", type=int, default=0, help="WordNet-only steps before the image steps")
    ap.add_argument("--text-weight", type=float, default=0.25, help="weight of the WordNet loss beside each image step")
    ap.add_argument("--keyword-share", type=float, default=0.3, help="share of image steps' captions taken from the keywords")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--text-batch", type=int, default=64, help="WordNet pairs beside each image step")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--no-styles", dest="styles", action="store_false")
    ap.add_argument("--no-words", dest="words", action="store_false")
    ap.add_argument("--no-augment", dest="augment", action="store_false")
    ap.add_argument("--out", default="data/train")
    ap.add_argument("--device", default="cpu", help="cuda where a GPU is lent: the same seeded schedule and random "
                                                    "streams (drawn on the CPU), rounding aside")
    ap.add_argument("--bf16", action="store_true", help="bfloat16 matrix products (mixed precision, CPU or GPU)")
    ap.add_argument("--mask-ratio", type=float, default=0.0, help="share of patch tokens dropped per image while training")
    ap.add_argument("--init", help="start from this checkpoint's weights (a fresh optimizer and schedule): training longer "
                                   "costs only the new steps")
    args = ap.parse_args()
    if not 0 <= args.mask_ratio < 1:
        ap.error(f"--mask-ratio must be in [0, 1), got {args.mask_ratio}")
    if args.steps is None:  # --minutes alone must not stop at the default step count
        args.steps = 0 if args.minutes else 1000
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    gen = torch.Generator().manual_seed(SEED)

    records = load_manifest()
    tok = ClipTokenizer("models/emoji-clip/tokenizer.json")
    train = [r for r in records if r["split"] == "train"]
    if args.styles:
        train += load_manifest("data/styles_manifest.jsonl")
    words = json.load(open("data/words.json")) if args.words else {"emoji": {}, "wordnet": []}
    groups = [caption_groups(r, words["emoji"], args.words) for r in train]
    ids_of = {}
    for manifest_groups, keyword_groups in groups:
        for g in manifest_groups + keyword_groups:
            for text in g:
                if text not in ids_of:
                    ids_of[text] = tok.encode(text)
    pairs = WordPairs(words["wordnet"], tok)
    print(f"train {len(train)} images, {len(ids_of)} distinct captions; {len(words['wordnet'])} WordNet synsets", flush=True)
    train_img = images_tensor(train, CFG["image_size"])
    val_records = [r for r in records if r["split"] == "val"]
    val = {"images": images_tensor(val_records, CFG["image_size"]), "captions": [r["captions"][0]["text"] for r in val_records]}
    sel = dict(freetext_gallery(records, CFG["image_size"]),
               queries=[q for q in freetext.queries() if q["part"] == "selection"])

    dev = torch.device(args.device)
    if dev.type == "cuda":
        torch.set_float32_matmul_precision("high")  # TF32 matmuls, as the recorded GPU runs used
    cpu_flags = open("/proc/cpuinfo").read() if args.bf16 and dev.type == "cpu" else ""
    if cpu_flags and "avx512_bf16" not in cpu_flags and "amx_bf16" not in cpu_flags:
        print("warning: this CPU has no native bfloat16: --bf16 is emulated and may be slower than float32", flush=True)
    mixed = torch.autocast(dev.type, dtype=torch.bfloat16, enabled=args.bf16)
    model = DualEncoder(CFG)
    init_step = 0
    if args.init:
        ck = torch.load(args.init, weights_only=False, map_location="cpu")
        model.load_state_dict(ck["state"])
        init_step = ck["step"]
        print(f"weights from {args.init} (trained {init_step} steps)", flush=True)
    model.to(dev)
    params = sum(p.numel() for p in model.parameters())
    print(f"{params / 1e6:.2f}M parameters", flush=True)

    def decays(n, p):  # token rows are left out of weight decay: a rare word would fade between its updates
        return p.ndim >= 2 and "pos" not in n and not n.startswith("text.tok.")

    decay = [p for n, p in model.named_parameters() if decays(n, p)]
    no_decay = [p for n, p in model.named_parameters() if not decays(n, p)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)

    budget = args.minutes * 60
    os.makedirs(args.out, exist_ok=True)
    best, step, epoch, history, spent = -1.0, 0, 0, [], 0.0
    last = os.path.join(args.out, "last.pt")
    ck = torch.load(last, weights_only=False, map_location=dev) if os.path.exists(last) else None
    if ck is not None and ck.get("init") != args.init:  # e.g. the first stage's last.pt when a second stage starts
        print(f"{last} belongs to a run with --init {ck.get('init')}: starting afresh", flush=True)
        ck = None
    if ck is not None:
        model.load_state_dict(ck["state"])
        opt.load_state_dict(ck["opt"])
        gen.set_state(ck["gen"].cpu())
        rng.setstate(ck["random"])
        best, step, epoch, history, spent = ck["best"], ck["step"], ck["epoch"], ck["history"], ck["spent"]
        print(f"resumed from {last}: epoch {epoch}, step {step}", flush=True)
    start = time.time() - spent
    patches = (CFG["image_size"] // CFG["patch"]) ** 2
    kept = round(patches * (1 - args.mask_ratio))
    warmup = 50
    text_steps = args.text_steps if args.words else 0
    total = text_steps + args.steps

    def progress():
        """How far through the schedule: by steps when --steps is set, else by time."""
        return step / total if args.steps else (time.time() - start) / budget

    def set_lr():
        lr = args.lr * min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress())))
        for g in opt.param_groups:
            g["lr"] = lr

    def cpu_state():  # checkpoints load anywhere, whatever device trained them
        return {k: v.cpu() for k, v in model.state_dict().items()}

    def save_epoch(losses):
        nonlocal best
        model.eval()
        with mixed:  # the towers as they train; the scores in float32 (similarity)
            val_mrr, sel_mrr = validate(model, tok, val, sel)
        history.append({"epoch": epoch, "step": step, "loss": float(np.mean(losses)), "val_mrr5": val_mrr,
                        "selection_mrr5": sel_mrr, "minutes": (time.time() - start) / 60})
        print(json.dumps(history[-1]), flush=True)
        if val_mrr + sel_mrr > best:
            best = val_mrr + sel_mrr
            torch.save({"state": cpu_state(), "cfg": CFG, "epoch": epoch, "step": step}, os.path.join(args.out, "best.pt"))
        torch.save({"state": cpu_state(), "opt": opt.state_dict(), "gen": gen.get_state(), "random": rng.getstate(), "best": best,
                    "step": step, "epoch": epoch, "history": history, "spent": time.time() - start, "init": args.init}, last)
        model.train()

    model.train()
    while step < text_steps:  # word knowledge first: the text tower learns the vocabulary before the images pull on it
        set_lr()
        losses = []
        for _ in range(min(100, text_steps - step)):
            with mixed:
                loss = text_pair_loss(model, pairs, args.batch, rng)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            step += 1
            set_lr()
        epoch += 1
        save_epoch(losses)
    while progress() < 1:
        epoch += 1
        order = torch.randperm(len(train), generator=gen).tolist()
        losses = []
        for b in range(0, len(order) - args.batch + 1, args.batch):
            set_lr()
            idx = order[b: b + args.batch]
            x = standardize(augment(train_img[idx].to(dev).float() / 255.0, gen, args.augment))
            captions = [ids_of[caption(groups[i], rng, args.keyword_share)] for i in idx]
            keep = None
            if args.mask_ratio and progress() < 1 - UNMASKED_SHARE:
                keep = torch.rand(len(idx), patches, generator=gen).argsort(1)[:, :kept].to(dev)
            with mixed:
                img, _ = model.vision(x, keep)
                txt = text_embeds(model, captions)
                logits = model.logit_scale.exp().clamp(max=100) * similarity(txt, img)
                labels = torch.arange(len(idx), device=dev)
                loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
                if args.words:
                    loss = loss + args.text_weight * text_pair_loss(model, pairs, args.text_batch, rng)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            step += 1
            if progress() >= 1:
                break
        save_epoch(losses)
    json.dump({"history": history, "best": best, "params": params, "cfg": CFG, "seed": SEED, "batch": args.batch,
               "text_batch": args.text_batch, "text_steps": text_steps, "text_weight": args.text_weight,
               "keyword_share": args.keyword_share, "lr": args.lr, "minutes": args.minutes, "steps": step,
               "styles": args.styles, "words": args.words, "augment": args.augment,
               "init": args.init, "init_steps": init_step, "bf16": args.bf16, "mask_ratio": args.mask_ratio,
               "device": args.device},
              open(os.path.join(args.out, "train_log.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
