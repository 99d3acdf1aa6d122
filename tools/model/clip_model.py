"""A small CLIP-style dual encoder whose ONNX exports follow the Hugging Face CLIP contract:
text (input_ids, attention_mask) -> text_embeds, last_hidden_state; vision (pixel_values) -> image_embeds,
last_hidden_state (CLS + patch tokens). Attention is written out by hand so torch.onnx.export (opset 14) maps
it to plain MatMul/Softmax."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB_SIZE = 49408  # CLIP BPE
MAX_TEXT = 77


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x, bias):
        b, t, w = x.shape
        q, k, v = self.qkv(self.ln1(x)).reshape(b, t, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(w // self.heads) + bias, dim=-1)
        x = x + self.out((att @ v).transpose(1, 2).reshape(b, t, w))
        return x + self.mlp(self.ln2(x))


class TextEncoder(nn.Module):
    def __init__(self, token_dim, width, layers, heads, embed_dim):
        super().__init__()
        # Every CLIP BPE id has its own row, factorized (49,408 x token_dim, then token_dim -> width) so that the
        # whole vocabulary fits the model's size budget: words outside the image captions keep what the WordNet
        # text pairs taught them instead of sharing one "unknown" row.
        self.tok = nn.Embedding(VOCAB_SIZE, token_dim)
        self.tok_proj = nn.Linear(token_dim, width, bias=False)
        self.pos = nn.Parameter(torch.randn(MAX_TEXT, width) * 0.01)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(width)
        self.proj = nn.Linear(width, embed_dim, bias=False)

    def forward(self, input_ids, attention_mask):
        t = input_ids.shape[1]
        x = self.tok_proj(self.tok(input_ids)) + self.pos[:t]
        bias = (1.0 - attention_mask[:, None, None, :].float()) * -1e4
        for blk in self.blocks:
            x = blk(x, bias)
        hidden = self.ln(x)
        last = attention_mask.sum(-1) - 1  # the end-of-text token summarizes the caption, as in CLIP
        pooled = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
        return F.normalize(self.proj(pooled), dim=-1), hidden


class VisionEncoder(nn.Module):
    def __init__(self, image_size, patch, width, layers, heads, embed_dim):
        super().__init__()
        self.patch = nn.Conv2d(3, width, patch, patch)
        n = (image_size // patch) ** 2
        self.cls = nn.Parameter(torch.zeros(1, 1, width))
        self.pos = nn.Parameter(torch.randn(n + 1, width) * 0.01)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(width)
        self.proj = nn.Linear(width, embed_dim, bias=False)

    def forward(self, pixel_values, keep=None):
        """keep: [B, K] indices of the patch tokens that go through the blocks (training with masked patches, as
        FLIP); None (inference, the export) keeps them all."""
        x = self.patch(pixel_values).flatten(2).transpose(1, 2) + self.pos[1:]
        if keep is not None:  # after the position embedding, so a kept patch still knows where it was
            x = x.gather(1, keep[:, :, None].expand(-1, -1, x.shape[-1]))
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1) + self.pos[:1], x], dim=1)
        for blk in self.blocks:
            x = blk(x, 0.0)
        hidden = self.ln(x)
        return F.normalize(self.proj(hidden[:, 0]), dim=-1), hidden


class DualEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.text = TextEncoder(cfg["token_dim"], cfg["text_width"], cfg["text_layers"], cfg["heads"], cfg["embed_dim"])
        self.vision = VisionEncoder(cfg["image_size"], cfg["patch"], cfg["vision_width"], cfg["vision_layers"], cfg["heads"], cfg["embed_dim"])
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
