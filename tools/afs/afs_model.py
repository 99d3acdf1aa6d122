"""The Attentive Feedback Summarizer (paper Sec. 3.3, App. E.1) over the frozen emoji dual encoder's token states.

Block 1 (cross-attention): a learnable CLS + the query's word tokens attend to the relevance sequence = the
top-K captions' word tokens then the top-K images' patch tokens (CLS patch included), each projected to the
model width (one projection for text tokens, query and captions alike; one for image tokens). Block 2: a
standard self-attention block over CLS + query tokens. CLS -> LayerNorm -> linear = the positive vector
(L2-normalized in the graph); with a pointer head (item_proj given) the positive vector is instead the
feedback items' own embeddings weighted by their cosine to that vector.

ONNX contract (what the plugin feeds and reads):
  inputs  query_tokens [B, Tq, 192], query_mask [B, Tq] (1 real / 0 pad), caption_tokens [B, Lc, 192],
          image_tokens [B, Li, 192], relevance_bias [B, Lc + Li] (added to the cross-attention logits before
          the softmax: 0, -1e4 for padding / ignored items, +-ln(factor) for region feedback)
  outputs positive [B, 256] (unit), attention [B, Lc + Li] (cross-attention summed over heads and the real
          query tokens incl. CLS: the paper's accumulated scores, from which Eq. 6-7 and the saliency maps come)
Attention is written out by hand so opset 14 maps it to MatMul/Softmax (as in clip_model.py).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from tools.model.clip_model import Block

MASKED = -1e4  # exp(-1e4) is 0 in float32: a masked element gets exactly no attention


class CrossBlock(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln_q = nn.LayerNorm(width)
        self.ln_kv = nn.LayerNorm(width)
        self.q = nn.Linear(width, width)
        self.kv = nn.Linear(width, 2 * width)
        self.out = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x, r, bias):
        b, t, w = x.shape
        h, dh = self.heads, w // self.heads
        q = self.q(self.ln_q(x)).reshape(b, t, h, dh).transpose(1, 2)
        # The keys and values of the long relevance sequence are never formed: the few query rows go through the key
        # and value weights instead. Per head, q . k_j = (q W_k) . r_j + q . b_k, and q . b_k is the same for every j,
        # so the softmax ignores it; att V = (att R) W_v^T + b_v, since att's rows sum to 1. The same attention (the
        # kv layer's weights as trained) for less work while the query has fewer than ~40 tokens (the plugin's call:
        # 0.51 -> 0.37 ms, model card).
        rn = self.ln_kv(r)  # [b, N, w]
        wk = self.kv.weight[:w].reshape(h, dh, w)
        wv = self.kv.weight[w:].reshape(h, dh, w)
        logits = (q @ wk) @ rn.transpose(1, 2)[:, None]  # [b, h, t, w] @ [b, 1, w, N]
        att = torch.softmax(logits / math.sqrt(dh) + bias[:, None, None, :], dim=-1)
        heads = (att @ rn[:, None]) @ wv.transpose(1, 2) + self.kv.bias[w:].reshape(h, 1, dh)  # [b, h, t, dh]
        x = x + self.out(heads.transpose(1, 2).reshape(b, t, w))
        return x + self.mlp(self.ln2(x)), att


def item_tokens(cfg):
    """Tokens per image of the encoder with config cfg: CLS + its patch grid."""
    return (cfg["image_size"] // cfg["patch"]) ** 2 + 1


class AttentiveFeedbackSummarizer(nn.Module):
    def __init__(self, token_dim=192, width=256, heads=None, embed_dim=256, vision_dim=None, item_proj=None, item_tokens=None):
        """heads: default width / 32 (the trained summarizers' rule, so a checkpoint need only record its width).
        item_proj: the frozen encoder's vision projection [embed_dim, vision_dim]. With it the positive vector points
        at the feedback items themselves: each item's own embedding (its CLS token projected, as the encoder does)
        weighted by a softmax of its cosine to the summary vector (learned temperature), so the summarizer picks
        among the hits instead of drawing a new vector; item_tokens = tokens per item (CLS + patches, `item_tokens(cfg)`)."""
        super().__init__()
        heads = heads or width // 32
        self.text_proj = nn.Linear(token_dim, width)
        self.vision_proj = nn.Linear(vision_dim or token_dim, width)  # a real CLIP's towers differ (B/32: 512 / 768)
        self.cls = nn.Parameter(torch.randn(1, 1, width) * 0.02)
        self.cross = CrossBlock(width, heads)
        self.self_attn = Block(width, heads)
        self.ln = nn.LayerNorm(width)
        self.proj = nn.Linear(width, embed_dim)
        self.item_tokens = item_tokens
        if item_proj is not None:
            if not item_tokens:
                raise ValueError("a pointer head (item_proj) needs item_tokens, the tokens per image")
            self.register_buffer("item_proj", item_proj)
            self.item_scale = nn.Parameter(torch.tensor(math.log(20.0)))
        else:
            self.item_proj = None

    def forward(self, query_tokens, query_mask, caption_tokens, image_tokens, relevance_bias):
        b = query_tokens.shape[0]
        x = torch.cat([self.cls.expand(b, -1, -1), self.text_proj(query_tokens)], dim=1)
        r = torch.cat([self.text_proj(caption_tokens), self.vision_proj(image_tokens)], dim=1)
        x, att = self.cross(x, r, relevance_bias)
        real = torch.cat([torch.ones_like(query_mask[:, :1]), query_mask], dim=1).float()  # CLS + the real query tokens
        x = self.self_attn(x, ((1.0 - real) * MASKED)[:, None, None, :])
        positive = F.normalize(self.proj(self.ln(x[:, 0])), dim=-1)
        if self.item_proj is not None:
            items = F.normalize(image_tokens[:, :: self.item_tokens] @ self.item_proj.T, dim=-1)  # [B, K, embed]
            item_bias = relevance_bias[:, caption_tokens.shape[1]:][:, :: self.item_tokens]  # -1e4 for an ignored item
            weights = torch.softmax(self.item_scale.exp() * (items @ positive[:, :, None])[..., 0] + item_bias, dim=-1)
            positive = F.normalize((weights[:, :, None] * items).sum(dim=1), dim=-1)
        attention = (att * real[:, None, :, None]).sum(dim=(1, 2))
        return positive, attention
