"""Converts a Hugging Face CLIP checkpoint directory into the plugin's model folder (models/emoji-clip's contract):

  text_model.onnx    input_ids, attention_mask (int64 [batch, seq], right-padded, <= 77)
                     -> text_embeds [batch, projection_dim] (L2-normalized), last_hidden_state [batch, seq, text width]
  vision_model.onnx  pixel_values (float32 [batch, 3, S, S])
                     -> image_embeds [batch, projection_dim] (L2-normalized), last_hidden_state [batch, 1 + patches,
                        vision width] (HF's: the encoder output, without post_layernorm)
  tokenizer.json, preprocessor_config.json (the checkpoint's), config.json (dimensions),
  fixtures/reference_outputs.json (PyTorch outputs for fixed inputs: the ONNX Runtime / Java parity target)

  /usr/bin/python3 -m tools.model.convert_clip CHECKPOINT_DIR OUT_DIR

The checkpoint: config.json (HF CLIPConfig) and model.safetensors (F32/F16/BF16) or pytorch_model.bin. Both ONNX
files are opset 14 with dynamic batch (and sequence) axes and pass onnx.checker; the weights are exported as float32.
"""
import argparse
import json
import os
import shutil
import time

import onnx
import torch

from tools.model.clip_bpe import ClipTokenizer
from tools.model.clip_hf import load_checkpoint
from tools.data.emoji_data import load_rgb, pad
from tools.model.export_onnx import FIXTURE_TEXTS, fixture_images


class Text(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model.encode_text(input_ids, attention_mask)


class Vision(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model.encode_image(pixel_values)


def preprocessor_config(path):
    """The checkpoint's preprocessor config. Older ones write size and crop_size as plain ints; the plugin reads
    size.shortest_edge and crop_size.height, so those two are rewritten in that form."""
    c = json.load(open(path))
    if isinstance(c.get("size"), int):
        c["size"] = {"shortest_edge": c["size"]}
    if isinstance(c.get("crop_size"), int):
        c["crop_size"] = {"height": c["crop_size"], "width": c["crop_size"]}
    return c


def export(model, out):
    size = model.config["vision_config"]["image_size"]
    text_path, vision_path = os.path.join(out, "text_model.onnx"), os.path.join(out, "vision_model.onnx")
    ids, mask = pad([[49406, 320, 1125, 49407], [49406, 49407]])
    start = time.time()
    torch.onnx.export(Text(model), (ids, mask), text_path, opset_version=14,
                      input_names=["input_ids", "attention_mask"], output_names=["text_embeds", "last_hidden_state"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                                    "text_embeds": {0: "batch"}, "last_hidden_state": {0: "batch", 1: "sequence"}})
    print(f"exported {text_path} in {time.time() - start:.1f} s")
    start = time.time()
    torch.onnx.export(Vision(model), (torch.zeros(2, 3, size, size),), vision_path, opset_version=14,
                      input_names=["pixel_values"], output_names=["image_embeds", "last_hidden_state"],
                      dynamic_axes={"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}, "last_hidden_state": {0: "batch"}})
    print(f"exported {vision_path} in {time.time() - start:.1f} s")
    for path in (text_path, vision_path):
        onnx.checker.check_model(path)  # by path: the checker then also takes files over protobuf's 2 GB limit
        print(f"onnx.checker ok: {path} ({os.path.getsize(path) / 1e6:.1f} MB)")


def fixtures(model, out, tokenizer, pre):
    """PyTorch outputs for the keys models/emoji-clip's fixture has (ClipEncoderTests, tools/model/check_onnx.mjs): texts
    (one longer than 77 tokens), the two synthetic PNGs and the decoder-free sin(0.01 i) pixel pattern."""
    size = pre["crop_size"]["height"]
    mean, std = torch.tensor(pre["image_mean"]).view(1, 3, 1, 1), torch.tensor(pre["image_std"]).view(1, 3, 1, 1)
    fx = {"texts": [], "images": []}
    fixture_dir = os.path.join(out, "fixtures")
    os.makedirs(fixture_dir, exist_ok=True)
    with torch.no_grad():
        for text in FIXTURE_TEXTS:
            token_ids = tokenizer.encode(text)
            emb, hidden = model.encode_text(*pad([token_ids]))
            fx["texts"].append({"text": text, "input_ids": token_ids, "text_embeds": emb[0].tolist(),
                                "last_hidden_state_first_last": [hidden[0, 0].tolist(), hidden[0, -1].tolist()]})
        # emoji_data.load_rgb resizes and crops to one size, as CLIP's processors do; other configs get no PNGs.
        if pre["size"]["shortest_edge"] == size:
            for path in fixture_images(fixture_dir):
                pixels = (torch.tensor(load_rgb(path, size)).permute(2, 0, 1).unsqueeze(0).float() / 255.0 - mean) / std
                emb, hidden = model.encode_image(pixels)
                fx["images"].append({"file": os.path.relpath(path, out), "pixel_values_sum": float(pixels.sum()),
                                     "pixel_values_first": pixels[0, :, 0, :4].tolist(), "image_embeds": emb[0].tolist(),
                                     "last_hidden_state_first_rows": hidden[0, :3].tolist()})
        # In float64 and then rounded, as Java and JS compute it: 0.01 * i in float32 is off by up to 1e-4 at 224 px.
        pattern = torch.sin(0.01 * torch.arange(3 * size * size, dtype=torch.float64)).float().reshape(1, 3, size, size)
        emb, hidden = model.encode_image(pattern)
        fx["vision_pattern"] = {"formula": "pixel_values[0].flat[i] = sin(0.01 * i)", "image_embeds": emb[0].tolist(),
                                "last_hidden_state_first_rows": hidden[0, :3].tolist()}
    json.dump(fx, open(os.path.join(fixture_dir, "reference_outputs.json"), "w"))
    print(f"fixtures: {len(fx['texts'])} texts, {len(fx['images'])} images, the pixel pattern")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    args = ap.parse_args()
    start = time.time()
    model = load_checkpoint(args.checkpoint)
    print(f"loaded {args.checkpoint}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters "
          f"in {time.time() - start:.1f} s")
    pre = preprocessor_config(os.path.join(args.checkpoint, "preprocessor_config.json"))
    text, vision = model.config["text_config"], model.config["vision_config"]
    if pre["crop_size"]["height"] != vision["image_size"]:
        raise SystemExit(f"preprocessor crop {pre['crop_size']['height']} != the model's image_size {vision['image_size']}")
    if text["max_position_embeddings"] < 77:  # the plugin's tokenizer keeps up to 77 tokens
        raise SystemExit(f"max_position_embeddings {text['max_position_embeddings']} < 77")
    os.makedirs(args.out, exist_ok=True)
    export(model, args.out)
    json.dump(pre, open(os.path.join(args.out, "preprocessor_config.json"), "w"), indent=2)
    shutil.copyfile(os.path.join(args.checkpoint, "tokenizer.json"), os.path.join(args.out, "tokenizer.json"))
    # The plugin right-pads with id 0 and masks the padding; pad_token_id / padding_side record that contract.
    json.dump({"model_type": "clip", "projection_dim": model.config["projection_dim"],
               "max_position_embeddings": text["max_position_embeddings"],
               "text_config": {k: text[k] for k in ("hidden_size", "num_hidden_layers", "num_attention_heads")},
               "vision_config": {**{k: vision[k] for k in ("hidden_size", "num_hidden_layers", "num_attention_heads")},
                                 "image_size": vision["image_size"], "patch_size": vision["patch_size"]},
               "pad_token_id": 0, "padding_side": "right"}, open(os.path.join(args.out, "config.json"), "w"), indent=2)
    fixtures(model, args.out, ClipTokenizer(os.path.join(args.checkpoint, "tokenizer.json")), pre)
    print(f"done in {time.time() - start:.1f} s: {args.out}")


if __name__ == "__main__":
    main()
