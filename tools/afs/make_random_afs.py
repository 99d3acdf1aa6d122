"""A random-weight Attentive Feedback Summarizer for a converted CLIP model folder, for timing at that model's widths.

  /usr/bin/python3 -m tools.afs.make_random_afs MODEL_DIR [--width 512] [--heads 8] [--seed 0]

Reads the text and vision token widths and the projection from MODEL_DIR/config.json (e.g. ViT-B/32: text 512,
vision 768, projection 512) and writes MODEL_DIR/afs_model.onnx under the same ONNX contract as the trained emoji
summarizer (tools/afs/afs_model.py, tools/afs/export_afs.py). Its weights are random: the refined queries mean nothing, the
cost is real. A real summarizer is trained on the encoder's own token states (tools/afs/train_afs.py).
"""
import argparse
import json
import os

import torch

from tools.afs.afs_model import AttentiveFeedbackSummarizer
from tools.afs.export_afs import export_onnx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    cfg = json.load(open(os.path.join(args.model_dir, "config.json")))
    text, vision = cfg["text_config"]["hidden_size"], cfg["vision_config"]["hidden_size"]
    afs = AttentiveFeedbackSummarizer(token_dim=text, width=args.width, heads=args.heads, embed_dim=cfg["projection_dim"],
                                      vision_dim=vision).eval()
    patches = (cfg["vision_config"]["image_size"] // cfg["vision_config"]["patch_size"]) ** 2
    k = 5  # example inputs at K = 5: 4 query tokens, 5 captions of 6 tokens, 5 images of CLS + patches
    inputs = [torch.randn(1, 4, text), torch.ones(1, 4, dtype=torch.long), torch.randn(1, k * 6, text),
              torch.randn(1, k * (1 + patches), vision), torch.zeros(1, k * 6 + k * (1 + patches))]
    path = os.path.join(args.model_dir, "afs_model.onnx")
    export_onnx(afs, inputs, path)
    params = sum(p.numel() for p in afs.parameters())
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB, {params / 1e6:.2f}M parameters; text {text}, vision {vision}, "
          f"width {args.width}, projection {cfg['projection_dim']})")


if __name__ == "__main__":
    main()
