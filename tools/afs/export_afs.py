"""Exports the trained Attentive Feedback Summarizer to ONNX next to its dual encoder, with parity fixtures.

  /usr/bin/python3 -m tools.afs.export_afs [--checkpoint data/afs/best.pt] [--out models/emoji-clip]

Writes afs_model.onnx (contract in tools/afs/afs_model.py; dynamic query / caption / image lengths, opset 14,
onnx.checker) and fixtures/afs_cases.{json,bin}: real test-split queries with their top-5 as the plugin
sees them (caption tokens of the 5 items concatenated unpadded, image tokens, int8-stored), run through PyTorch
one query at a time as the plugin does: afs, afs_prf (captions replaced by one masked placeholder), afs with
region boxes and afs_prf without query words (a query by image) (relevance_bias from the same rule as AttentiveFeedback.regionBias). Each case stores its inputs,
the model outputs and q' from Eq. 6-8 (tools/feedback_ref.afs_rocchio), in float32 little-endian.
"""
import argparse
import json
import math
import os

import numpy as np
import onnx
import torch

from tools.eval import feedback_ref as fb
from tools.afs.afs_data import load_encoder, load_split
from tools.afs.afs_model import MASKED, AttentiveFeedbackSummarizer, item_tokens

INPUTS = ["query_tokens", "query_mask", "caption_tokens", "image_tokens", "relevance_bias"]


def load_afs(path, cfg):
    """The summarizer saved at path, for the encoder with config cfg."""
    ck = torch.load(path)
    afs = AttentiveFeedbackSummarizer(token_dim=ck["token_dim"], width=ck["width"], embed_dim=ck["embed_dim"],
                                      item_proj=ck["state"].get("item_proj"),
                                      item_tokens=item_tokens(cfg))
    afs.load_state_dict(ck["state"])
    afs.eval()
    return afs


def region_bias(tokens, boxes, factor):
    """Mirror of AttentiveFeedback.regionBias: patch centres inside a box get +-ln(factor)."""
    grid = int(round(math.sqrt(tokens - 1)))
    bias = np.zeros(tokens, dtype=np.float32)
    for x, y, w, h, relevant in boxes:
        for r in range(grid):
            for c in range(grid):
                cx, cy = (c + 0.5) / grid, (r + 0.5) / grid
                if x <= cx <= x + w and y <= cy <= y + h:
                    bias[1 + r * grid + c] += math.log(factor) * (1 if relevant else -1)
    return bias


def case(afs, split, qi, with_captions, boxes=None, factor=2.0, words=True):
    """One query as the plugin runs it: batch 1, captions concatenated at their real lengths. Without words (a query by
    image or by example documents) the query part is one masked zero token, as FeedbackSummarizer sends it."""
    top = split.top[qi]
    tq = split.q_len[qi] if words else 0
    q_tokens = split.q_tokens[qi, :tq][None] if words else np.zeros((1, 1, split.q_tokens.shape[-1]), dtype=np.float32)
    if with_captions:
        caps = np.concatenate([split.cap_tokens[t, : split.cap_len[t]] for t in top])[None]
        cap_bias = np.zeros(caps.shape[1], dtype=np.float32)
    else:
        caps = np.zeros((1, 1, q_tokens.shape[-1]), dtype=np.float32)
        cap_bias = np.array([MASKED], dtype=np.float32)
    imgs = split.img_tokens[top].reshape(1, -1, q_tokens.shape[-1])
    per_image = split.img_tokens.shape[1]
    img_bias = np.concatenate([region_bias(per_image, (boxes or {}).get(i, []), factor) for i in range(len(top))])
    bias = np.concatenate([cap_bias, img_bias])[None].astype(np.float32)
    inputs = [torch.from_numpy(q_tokens), torch.ones(1, tq, dtype=torch.long) if words else torch.zeros(1, 1, dtype=torch.long), torch.from_numpy(caps), torch.from_numpy(imgs), torch.from_numpy(bias)]
    with torch.no_grad():
        pos, att = afs(*inputs)
    pos, att = pos[0].numpy(), att[0].numpy()
    lc = caps.shape[1]
    a_img = att[lc:].reshape(len(top), -1).mean(axis=1)
    a_cap = None
    if with_captions:
        bounds = np.cumsum([0] + [split.cap_len[t] for t in top])
        a_cap = np.array([att[bounds[i]: bounds[i + 1]].mean() for i in range(len(top))])
    q = split.q[qi].astype(np.float64)
    refined = fb.afs_rocchio(q, pos.astype(np.float64), a_img, split.img[top].astype(np.float64), a_cap,
                             split.cap[top].astype(np.float64) if with_captions else None)
    return inputs, {"positive": pos, "attention": att, "query": split.q[qi], "images": split.img[top],
                    "captions": split.cap[top], "refined": refined.astype(np.float32)}, {
        "query_id": int(qi), "top": [int(t) for t in top], "with_captions": with_captions, "query_tokens": int(tq),
        "caption_lengths": [int(split.cap_len[t]) for t in top] if with_captions else [], "image_tokens": int(per_image),
        "boxes": {str(k): v for k, v in (boxes or {}).items()}, "region_factor": factor}


def export_onnx(afs, inputs, path):
    """afs_model.onnx: the contract's inputs and outputs, dynamic batch and lengths, opset 14, onnx.checker."""
    torch.onnx.export(afs, tuple(inputs), path, input_names=INPUTS, output_names=["positive", "attention"], opset_version=14,
                      dynamic_axes={"query_tokens": {0: "batch", 1: "query"}, "query_mask": {0: "batch", 1: "query"},
                                    "caption_tokens": {0: "batch", 1: "captions"}, "image_tokens": {0: "batch", 1: "images"},
                                    "relevance_bias": {0: "batch", 1: "relevance"}, "positive": {0: "batch"},
                                    "attention": {0: "batch", 1: "relevance"}})
    onnx.checker.check_model(onnx.load(path))


def setup():
    """What both AFS scripts start from: --checkpoint / --out, the summarizer and the test split."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default="data/afs/best.pt")
    ap.add_argument("--out", default="models/emoji-clip")
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, cfg, tok = load_encoder()
    return args, load_afs(args.checkpoint, cfg), load_split(model, cfg, tok, "test")


def main():
    args, afs, test = setup()

    cases = [("afs", *case(afs, test, 0, True)), ("afs_prf", *case(afs, test, 0, False)),
             ("afs_regions", *case(afs, test, 7, True, {0: [(0.0, 0.0, 0.5, 0.5, True)], 2: [(0.25, 0.25, 0.5, 0.75, False)]})),
             ("afs_prf_no_words", *case(afs, test, 3, False, words=False))]
    path = os.path.join(args.out, "afs_model.onnx")
    export_onnx(afs, cases[0][1], path)

    fixtures = os.path.join(args.out, "fixtures")
    os.makedirs(fixtures, exist_ok=True)
    meta, blob = [], bytearray()
    for name, ins, outs, info in cases:
        arrays = {}
        for key, value in list(zip(INPUTS, ins)) + list(outs.items()):
            if key == "query_mask":
                continue  # all ones at batch 1, or the one masked placeholder without words
            a = np.asarray(value, dtype=np.float32).reshape(-1)
            arrays[key] = [len(blob) // 4, len(a)]
            blob += a.astype("<f4").tobytes()
        meta.append({"name": name, **info, "arrays": arrays})
    open(os.path.join(fixtures, "afs_cases.bin"), "wb").write(bytes(blob))
    json.dump({"cases": meta}, open(os.path.join(fixtures, "afs_cases.json"), "w"), indent=1)
    params = sum(p.numel() for p in afs.parameters())
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB, {params / 1e6:.2f}M parameters) and {len(cases)} fixture cases "
          f"({len(blob) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
