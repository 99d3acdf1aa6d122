"""Loads manifest images (RGBA composited on white) and tokenized captions for training and evaluation."""
import json

import numpy as np
import torch
from PIL import Image

MEAN = [0.48145466, 0.4578275, 0.40821073]  # CLIP's, recorded in the model's preprocessor_config.json
STD = [0.26862954, 0.26130258, 0.27577711]


def load_manifest(path="data/manifest.jsonl"):
    return [json.loads(line) for line in open(path)]


def load_rgb(path, size):
    img = Image.open(path)
    if img.mode != "RGBA":
        img = img.convert("RGBA")
    bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
    img = Image.alpha_composite(bg, img).convert("RGB")
    # CLIPImageProcessor: resize the shortest edge to `size` (bicubic), then center-crop size x size
    w, h = img.size
    if min(w, h) != size:
        scale = size / min(w, h)
        img = img.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.BICUBIC)
    w, h = img.size
    left, top = (w - size) // 2, (h - size) // 2
    return np.asarray(img.crop((left, top, left + size, top + size)), dtype=np.uint8)


def images_tensor(records, size):
    """uint8 [N, 3, size, size]."""
    return torch.from_numpy(np.stack([load_rgb(r["path"], size) for r in records])).permute(0, 3, 1, 2).contiguous()


def standardize(x):
    """float [B, 3, H, W] in [0, 1] -> CLIP mean/std, on x's device."""
    return (x - torch.tensor(MEAN, device=x.device).view(1, 3, 1, 1)) / torch.tensor(STD, device=x.device).view(1, 3, 1, 1)


def normalize(uint8_batch):
    return standardize(uint8_batch.float() / 255.0)


def pad(id_lists):
    t = max(len(ids) for ids in id_lists)
    ids = torch.zeros(len(id_lists), t, dtype=torch.long)
    mask = torch.zeros(len(id_lists), t, dtype=torch.long)
    for i, seq in enumerate(id_lists):
        ids[i, : len(seq)] = torch.tensor(seq)
        mask[i, : len(seq)] = 1
    return ids, mask
