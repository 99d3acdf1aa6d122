"""Exports the trained dual encoder under the Hugging Face CLIP ONNX contract and writes the model directory:

  models/emoji-clip/text_model.onnx     input_ids, attention_mask -> text_embeds, last_hidden_state
  models/emoji-clip/vision_model.onnx   pixel_values -> image_embeds, last_hidden_state
  tokenizer.json (CLIP BPE), preprocessor_config.json, config.json, fixtures/ (PyTorch outputs for fixed inputs)

  /usr/bin/python3 -m tools.model.export_onnx [--checkpoint data/train/best.pt] [--out models/emoji-clip]

Text inputs are right-padded (attention_mask 1 then 0); the caption embedding is read at the last unmasked
token (<|endoftext|>). Both files are checked with onnx.checker.
"""
import argparse
import json
import os
import shutil

import numpy as np
import onnx
import torch
from PIL import Image

from tools.model.clip_bpe import ClipTokenizer
from tools.model.clip_model import DualEncoder
from tools.data.emoji_data import MEAN, STD, load_manifest, load_rgb, normalize, pad

TOKENIZER = "../shared/clip-vit-b32-tokenizer/tokenizer.json"
FIXTURE_TEXTS = ["a photo of a cat", "grinning face", "waving hand: medium-dark skin tone", "flag: Côte d’Ivoire",
                 " ".join(["red heart"] * 60)]  # the last one is longer than 77 tokens: truncation


class Text(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.m = model.text

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids, attention_mask)


class Vision(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.m = model.vision

    def forward(self, pixel_values):
        return self.m(pixel_values)


def fixture_images(out_dir):
    """Two synthetic PNGs made here (not corpus images): RGBA 64x64 with transparency, and 96x80 RGB (resize + crop)."""
    os.makedirs(out_dir, exist_ok=True)
    yy, xx = np.mgrid[0:64, 0:64]
    rgba = np.stack([xx * 4, yy * 4, (xx + yy) * 2, np.where((xx - 32) ** 2 + (yy - 32) ** 2 < 400, 255, 0)], -1)
    Image.fromarray(rgba.astype(np.uint8), "RGBA").save(os.path.join(out_dir, "synthetic_rgba_64.png"))
    yy, xx = np.mgrid[0:80, 0:96]
    rgb = np.stack([(xx * 2.6) % 256, (yy * 3.1) % 256, ((xx * yy) // 7) % 256], -1)
    Image.fromarray(rgb.astype(np.uint8), "RGB").save(os.path.join(out_dir, "synthetic_rgb_96x80.png"))
    return [os.path.join(out_dir, "synthetic_rgba_64.png"), os.path.join(out_dir, "synthetic_rgb_96x80.png")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default="data/train/best.pt")
    ap.add_argument("--out", default="models/emoji-clip")
    args = ap.parse_args()
    ck = torch.load(args.checkpoint)
    cfg = ck["cfg"]
    model = DualEncoder(cfg)
    model.load_state_dict(ck["state"])
    model.eval()
    os.makedirs(args.out, exist_ok=True)

    text_path = os.path.join(args.out, "text_model.onnx")
    vision_path = os.path.join(args.out, "vision_model.onnx")
    ids, mask = pad([[49406, 320, 1125, 49407], [49406, 49407]])
    torch.onnx.export(Text(model), (ids, mask), text_path, opset_version=14,
                      input_names=["input_ids", "attention_mask"], output_names=["text_embeds", "last_hidden_state"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                                    "text_embeds": {0: "batch"}, "last_hidden_state": {0: "batch", 1: "sequence"}})
    size = cfg["image_size"]
    torch.onnx.export(Vision(model), (torch.zeros(2, 3, size, size),), vision_path, opset_version=14,
                      input_names=["pixel_values"], output_names=["image_embeds", "last_hidden_state"],
                      dynamic_axes={"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}, "last_hidden_state": {0: "batch"}})
    for path in (text_path, vision_path):
        onnx.checker.check_model(onnx.load(path))
        print(f"onnx.checker ok: {path} ({os.path.getsize(path) / 1e6:.1f} MB)")

    shutil.copyfile(TOKENIZER, os.path.join(args.out, "tokenizer.json"))
    json.dump({"crop_size": {"height": size, "width": size}, "do_center_crop": True, "do_convert_rgb": True,
               "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": MEAN, "image_std": STD,
               "image_processor_type": "CLIPImageProcessor", "resample": 3, "rescale_factor": 1 / 255,
               "size": {"shortest_edge": size}}, open(os.path.join(args.out, "preprocessor_config.json"), "w"), indent=2)
    json.dump({"model_type": "clip", "projection_dim": cfg["embed_dim"], "max_position_embeddings": 77,
               "text_config": {"hidden_size": cfg["text_width"], "num_hidden_layers": cfg["text_layers"], "num_attention_heads": cfg["heads"]},
               "vision_config": {"hidden_size": cfg["vision_width"], "num_hidden_layers": cfg["vision_layers"], "num_attention_heads": cfg["heads"],
                                 "image_size": size, "patch_size": cfg["patch"]},
               "pad_token_id": 0, "padding_side": "right"}, open(os.path.join(args.out, "config.json"), "w"), indent=2)

    # Fixtures: PyTorch outputs for fixed inputs; the Java ONNX Runtime path must match them within 1e-4.
    tok = ClipTokenizer(TOKENIZER)
    fixtures = {"texts": [], "images": []}
    with torch.no_grad():
        for text in FIXTURE_TEXTS:
            token_ids = tok.encode(text)
            i, m = pad([token_ids])
            emb, hidden = model.text(i, m)
            fixtures["texts"].append({"text": text, "input_ids": token_ids, "text_embeds": emb[0].tolist(),
                                      "last_hidden_state_first_last": [hidden[0, 0].tolist(), hidden[0, -1].tolist()]})
        fixture_dir = os.path.join(args.out, "fixtures")
        corpus = [r for r in load_manifest() if r["split"] == "test"][:3]
        for path in fixture_images(fixture_dir) + [r["path"] for r in corpus]:
            rgb = load_rgb(path, size)
            pixels = normalize(torch.from_numpy(rgb).permute(2, 0, 1).unsqueeze(0))
            emb, hidden = model.vision(pixels)
            fixtures["images"].append({"file": os.path.relpath(path, args.out) if path.startswith(args.out) else path,
                                       "pixel_values_sum": float(pixels.sum()), "pixel_values_first": pixels[0, :, 0, :4].tolist(),
                                       "image_embeds": emb[0].tolist(), "last_hidden_state_first_rows": hidden[0, :3].tolist()})
        # A decoder-free vision input (JS / Java can rebuild it exactly): sin(0.01 * flat index).
        pattern = torch.sin(0.01 * torch.arange(3 * size * size, dtype=torch.float32)).reshape(1, 3, size, size)
        emb, hidden = model.vision(pattern)
        fixtures["vision_pattern"] = {"formula": "pixel_values[0].flat[i] = sin(0.01 * i)", "image_embeds": emb[0].tolist(),
                                      "last_hidden_state_first_rows": hidden[0, :3].tolist()}
    json.dump(fixtures, open(os.path.join(fixture_dir, "reference_outputs.json"), "w"))
    print(f"fixtures: {len(fixtures['texts'])} texts, {len(fixtures['images'])} images")


if __name__ == "__main__":
    main()
