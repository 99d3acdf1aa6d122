"""CLIP in PyTorch under Hugging Face's parameter names (transformers' modeling_clip.py), built from a HF CLIPConfig
dict, and a NumPy reader/writer for .safetensors files: Debian has neither `transformers` nor `safetensors`.

Same computation as HF: causal + padding mask in the text tower, pooled text = the final-layer-normed state at the
end-of-text token, vision = CLS + patches + positions -> pre_layrnorm -> encoder, pooled = post_layernorm(CLS).
Attention is written out (MatMul/Softmax) so that torch.onnx.export at opset 14 maps it to plain ops.
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# HF's CLIPTextConfig / CLIPVisionConfig defaults (ViT-B/32): saved configs may leave out keys at their default.
TEXT_DEFAULTS = {"vocab_size": 49408, "hidden_size": 512, "intermediate_size": 2048, "num_hidden_layers": 12,
                 "num_attention_heads": 8, "max_position_embeddings": 77, "hidden_act": "quick_gelu",
                 "layer_norm_eps": 1e-5, "eos_token_id": 49407}
VISION_DEFAULTS = {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_attention_heads": 12,
                   "image_size": 224, "patch_size": 32, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5}
ACTIVATIONS = {"quick_gelu": lambda x: x * torch.sigmoid(1.702 * x), "gelu": F.gelu}
# Masked logits get a large finite bias, not -inf: a fully masked row then stays finite instead of NaN.
NEG = -1e9


def resolve(config):
    """The HF config dict with defaults filled in: {"text_config", "vision_config", "projection_dim"}."""
    return {"text_config": {**TEXT_DEFAULTS, **config.get("text_config", {})},
            "vision_config": {**VISION_DEFAULTS, **config.get("vision_config", {})},
            "projection_dim": config.get("projection_dim", 512)}


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        w = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(w, w) for _ in range(4))

    def forward(self, x, bias):
        b, t, w = x.shape
        q, k, v = (p(x).reshape(b, t, self.heads, -1).transpose(1, 2) for p in (self.q_proj, self.k_proj, self.v_proj))
        att = torch.softmax(q @ k.transpose(-1, -2) * (w // self.heads) ** -0.5 + bias, dim=-1)
        return self.out_proj((att @ v).transpose(1, 2).reshape(b, t, w))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.act = ACTIVATIONS[c["hidden_act"]]
        self.fc1 = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.fc2 = nn.Linear(c["intermediate_size"], c["hidden_size"])

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class EncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c)
        self.layer_norm1 = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.mlp = MLP(c)
        self.layer_norm2 = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, x, bias):
        x = x + self.self_attn(self.layer_norm1(x), bias)
        return x + self.mlp(self.layer_norm2(x))


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.ModuleList([EncoderLayer(c) for _ in range(c["num_hidden_layers"])])

    def forward(self, x, bias):
        for layer in self.layers:
            x = layer(x, bias)
        return x


class TextEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.token_embedding = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.position_embedding = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])


class TextTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = TextEmbeddings(c)
        self.encoder = Encoder(c)
        self.final_layer_norm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.eos_token_id = c["eos_token_id"]

    def forward(self, input_ids, attention_mask):
        """(last_hidden_state [b, t, width] after final_layer_norm, pooled [b, width])."""
        t = input_ids.shape[1]
        x = self.embeddings.token_embedding(input_ids) + self.embeddings.position_embedding.weight[:t]
        pos = torch.arange(t)
        causal = (pos[None, :] > pos[:, None]).float() * NEG
        padding = (1 - attention_mask[:, None, None, :].float()) * NEG
        hidden = self.final_layer_norm(self.encoder(x, causal + padding))
        # int32 before ArgMax: ONNX Runtime's CPU ArgMax has no int64 kernel. ArgMax takes the first maximum.
        if self.eos_token_id == 2:  # legacy configs: <|endoftext|> is the largest id of the vocabulary
            eos = input_ids.to(torch.int32).argmax(-1)
        else:
            eos = (input_ids == self.eos_token_id).to(torch.int32).argmax(-1)
        return hidden, hidden[torch.arange(hidden.shape[0]), eos]


class VisionEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        w, p = c["hidden_size"], c["patch_size"]
        self.class_embedding = nn.Parameter(torch.zeros(w))
        self.patch_embedding = nn.Conv2d(3, w, p, p, bias=False)
        self.position_embedding = nn.Embedding((c["image_size"] // p) ** 2 + 1, w)

    def forward(self, pixel_values):
        x = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.expand(x.shape[0], 1, -1), x], dim=1)
        return x + self.position_embedding.weight


class VisionTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = VisionEmbeddings(c)
        self.pre_layrnorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.encoder = Encoder(c)
        self.post_layernorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, pixel_values):
        """(last_hidden_state [b, 1 + patches, width]: the encoder output, no post_layernorm, as HF; pooled)."""
        hidden = self.encoder(self.pre_layrnorm(self.embeddings(pixel_values)), 0.0)
        return hidden, self.post_layernorm(hidden[:, 0])


class CLIPModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = resolve(config)
        text, vision, dim = self.config["text_config"], self.config["vision_config"], self.config["projection_dim"]
        self.text_model = TextTransformer(text)
        self.vision_model = VisionTransformer(vision)
        self.text_projection = nn.Linear(text["hidden_size"], dim, bias=False)
        self.visual_projection = nn.Linear(vision["hidden_size"], dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(2.6592))

    def encode_text(self, input_ids, attention_mask):
        """(text_embeds L2-normalized, last_hidden_state) for right-padded int64 ids and mask."""
        hidden, pooled = self.text_model(input_ids, attention_mask)
        return F.normalize(self.text_projection(pooled), dim=-1), hidden

    def encode_image(self, pixel_values):
        """(image_embeds L2-normalized, last_hidden_state) for float32 [b, 3, S, S]."""
        hidden, pooled = self.vision_model(pixel_values)
        return F.normalize(self.visual_projection(pooled), dim=-1), hidden


def load_checkpoint(directory):
    """The CLIPModel of a HF checkpoint directory (config.json + model.safetensors or pytorch_model.bin), eval mode."""
    model = CLIPModel(json.load(open(os.path.join(directory, "config.json"))))
    st = os.path.join(directory, "model.safetensors")
    if os.path.exists(st):
        state = {k: torch.from_numpy(v) for k, v in read_safetensors(st).items()}
    else:
        state = torch.load(os.path.join(directory, "pytorch_model.bin"), map_location="cpu", weights_only=True)
    # position_ids are index buffers older checkpoints saved; strict loading names any other missing or extra key.
    model.load_state_dict({k: v.float() for k, v in state.items() if not k.endswith("position_ids")}, strict=True)
    return model.eval()


# --- safetensors: 8-byte little-endian header length, JSON header {name: {dtype, shape, data_offsets}}, raw data ---
NUMPY_TYPES = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}  # BF16 has no NumPy type: handled as the top half of F32


def read_safetensors(path):
    """{name: array}: F32, F16 and BF16 as float32 (exact), I64 as int64. The file is memory-mapped, not read twice."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        raw = data[t["data_offsets"][0]:t["data_offsets"][1]]
        if t["dtype"] == "BF16":
            array = (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
        elif t["dtype"] in NUMPY_TYPES:
            array = raw.view(NUMPY_TYPES[t["dtype"]]).astype(np.float32 if t["dtype"][0] == "F" else np.int64)
        else:
            raise ValueError(f"{path}: tensor {name} has dtype {t['dtype']}, not one of F32, F16, BF16, I64")
        out[name] = array.reshape(t["shape"])
    return out


def write_safetensors(path, tensors, dtype="F32"):
    """Writes {name: float array} with every tensor in dtype F32, F16 or BF16 (round to nearest even)."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, array in tensors.items():
        array = np.array(array, dtype=np.float32, order="C")  # not ascontiguousarray: it makes scalars 1-d
        if dtype == "BF16":
            bits = array.reshape(-1).view(np.uint32).astype(np.uint64)  # 1-d: NumPy shifts 0-d uint64 by an int as floats
            blob = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2").tobytes()
        else:
            blob = array.astype(NUMPY_TYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # the format pads the header so the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for blob in blobs:
            f.write(blob)
