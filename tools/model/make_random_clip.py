"""Writes a randomly initialized CLIP checkpoint directory in the Hugging Face layout (config.json, model.safetensors,
tokenizer.json, preprocessor_config.json), seeded: a stand-in for a real checkpoint, which cannot be downloaded here,
to run tools/model/convert_clip.py end to end at real size.

  /usr/bin/python3 -m tools.model.make_random_clip OUT_DIR [--tiny] [--seed 0] [--dtype F32|F16|BF16] [--image-size ...]

Default shape: ViT-B/32 (224 px, patch 32, vision 768 x 12 layers x 12 heads, mlp 3072; text 512 x 12 x 8, mlp 2048,
vocab 49,408, 77 positions; projection 512; quick_gelu). --tiny: 64 px, patch 16, widths 64, 2 layers, 2 heads.
"""
import argparse
import json
import os
import shutil

import torch

from tools.model.clip_hf import CLIPModel, write_safetensors
from tools.data.emoji_data import MEAN, STD

TOKENIZER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../models/emoji-clip/tokenizer.json")
TINY = {"image_size": 64, "patch_size": 16, "vision_width": 64, "vision_layers": 2, "vision_heads": 2, "vision_mlp": 256,
        "text_width": 64, "text_layers": 2, "text_heads": 2, "text_mlp": 256, "projection_dim": 32}


def hf_config(a):
    return {
        "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": a.projection_dim,
        "logit_scale_init_value": 2.6592, "initializer_factor": 1.0, "torch_dtype": "float32",
        "text_config": {"model_type": "clip_text_model", "vocab_size": 49408, "hidden_size": a.text_width,
                        "intermediate_size": a.text_mlp, "num_hidden_layers": a.text_layers,
                        "num_attention_heads": a.text_heads, "max_position_embeddings": 77, "hidden_act": a.act,
                        "layer_norm_eps": 1e-5, "projection_dim": a.projection_dim,
                        "bos_token_id": 49406, "eos_token_id": a.eos_token_id, "pad_token_id": 1},
        "vision_config": {"model_type": "clip_vision_model", "hidden_size": a.vision_width,
                          "intermediate_size": a.vision_mlp, "num_hidden_layers": a.vision_layers,
                          "num_attention_heads": a.vision_heads, "num_channels": 3, "image_size": a.image_size,
                          "patch_size": a.patch_size, "hidden_act": a.act, "layer_norm_eps": 1e-5,
                          "projection_dim": a.projection_dim},
    }


def randomize(model):
    """CLIP-like scales (HF's init in spirit), with non-zero biases and norm gains so a loader that drops or
    transposes one of them is caught."""
    for name, p in model.named_parameters():
        with torch.no_grad():
            if name == "logit_scale":
                continue
            if name.endswith("bias"):
                p.normal_(0, 0.02)
            elif "norm" in name:  # layer norm gains (layer_norm1/2, final_layer_norm, pre_layrnorm, post_layernorm)
                p.normal_(1, 0.02)
            elif name.endswith("embeddings.class_embedding"):
                p.normal_(0, p.shape[0] ** -0.5)
            elif "embedding.weight" in name and "patch" not in name:  # token and position tables
                p.normal_(0, 0.02)
            else:  # linear and patch-conv weights: 1 / sqrt(fan in)
                p.normal_(0, p[0].numel() ** -0.5)


def write(out, a):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(a.seed)
    config = hf_config(a)
    model = CLIPModel(config)
    randomize(model)
    json.dump(config, open(os.path.join(out, "config.json"), "w"), indent=2)
    write_safetensors(os.path.join(out, "model.safetensors"),
                      {k: v.numpy() for k, v in model.state_dict().items()}, a.dtype)
    shutil.copyfile(TOKENIZER, os.path.join(out, "tokenizer.json"))
    s = a.image_size
    json.dump({"crop_size": {"height": s, "width": s}, "do_center_crop": True, "do_convert_rgb": True,
               "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": MEAN, "image_std": STD,
               "image_processor_type": "CLIPImageProcessor", "resample": 3, "rescale_factor": 1 / 255,
               "size": {"shortest_edge": s}}, open(os.path.join(out, "preprocessor_config.json"), "w"), indent=2)
    return model


def parse(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--tiny", action="store_true", help="a small shape for tests (overrides the shape options)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", default="F32", choices=["F32", "F16", "BF16"])
    ap.add_argument("--act", default="quick_gelu", choices=["quick_gelu", "gelu"])
    ap.add_argument("--eos-token-id", type=int, default=49407, help="2: legacy configs, pooled at argmax(input_ids)")
    for name, default in [("image_size", 224), ("patch_size", 32), ("vision_width", 768), ("vision_layers", 12),
                          ("vision_heads", 12), ("vision_mlp", 3072), ("text_width", 512), ("text_layers", 12),
                          ("text_heads", 8), ("text_mlp", 2048), ("projection_dim", 512)]:
        ap.add_argument("--" + name.replace("_", "-"), type=int, default=default)
    a = ap.parse_args(argv)
    if a.tiny:
        vars(a).update(TINY)
    return a


if __name__ == "__main__":
    args = parse()
    m = write(args.out, args)
    print(f"{args.out}: {sum(p.numel() for p in m.parameters()) / 1e6:.1f}M parameters, "
          f"model.safetensors {os.path.getsize(os.path.join(args.out, 'model.safetensors')) / 1e6:.1f} MB ({args.dtype})")
