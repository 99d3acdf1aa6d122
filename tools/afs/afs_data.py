"""What the Attentive Feedback Summarizer sees, computed with the frozen emoji dual encoder (PyTorch reference).

Per split: image embeddings + patch tokens, the GRF caption's embedding + word tokens (the caption the plugin
stores per image), query embeddings + word tokens. Relevance tokens go through the plugin's int8 storage
(TokenCodec: per-token absmax / 127 scale, round half up) so training and evaluation see what the plugin reads
back from the index; query tokens stay float32, as the plugin encodes the query text at search time.
"""
import numpy as np
import torch

from tools.eval import feedback_ref as fb
from tools.data import freetext
from tools.afs.afs_model import MASKED
from tools.model.clip_bpe import ClipTokenizer
from tools.model.clip_model import DualEncoder
from tools.data.emoji_data import images_tensor, load_manifest, normalize, pad
from tools.data.manifest import caption, doc_id
from tools.eval.metrics import rank_of

GRF_CAPTION = ["tags", "name", "short_name", "category"]
QUERY_CAPTION = ["label", "name"]


def quantize(tokens):
    """float32 [..., dims] -> the values TokenCodec.decode returns for TokenCodec.encode(tokens)."""
    t = np.asarray(tokens, dtype=np.float32)
    amax = np.abs(t).max(axis=-1, keepdims=True)
    scale = np.where(amax == 0, np.float32(1), amax / np.float32(127)).astype(np.float32)
    q = np.floor((t / scale).astype(np.float64) + 0.5)  # Java's Math.round(float): exact half-up
    return (q.astype(np.float32) * scale).astype(np.float32)


def load_encoder(checkpoint="models/emoji-clip/pytorch_model.pt"):
    ck = torch.load(checkpoint)
    model = DualEncoder(ck["cfg"])
    model.load_state_dict(ck["state"])
    model.eval()
    return model, ck["cfg"], ClipTokenizer("models/emoji-clip/tokenizer.json")


def encode_texts(model, tok, texts, batch=512):
    """-> embeds [N, 256] float32, tokens [N, T, 192] float32 (zero past each text's length), lengths [N]."""
    ids = [tok.encode(t) for t in texts]
    width = max(len(i) for i in ids)
    embeds, tokens = [], np.zeros((len(texts), width, model.cfg["text_width"]), dtype=np.float32)
    with torch.no_grad():
        for s in range(0, len(ids), batch):
            chunk, mask = pad(ids[s: s + batch])
            e, h = model.text(chunk, mask)
            embeds.append(e.numpy())
            tokens[s: s + len(chunk), : h.shape[1]] = (h * mask[..., None]).numpy()
    return np.concatenate(embeds), tokens, np.array([len(i) for i in ids])


def encode_images(model, records, size, batch=256):
    """-> embeds [N, 256], tokens [N, 65, 192] (CLS + 8x8 patches)."""
    embeds, tokens = [], []
    with torch.no_grad():
        for s in range(0, len(records), batch):
            e, h = model.vision(normalize(images_tensor(records[s: s + batch], size)))
            embeds.append(e.numpy())
            tokens.append(h.numpy())
    return np.concatenate(embeds), np.concatenate(tokens)


class Split:
    """A split's gallery (images + their GRF captions, tokens quantized) and its queries. `target[i]` is the gallery
    index query i should find, or for free-text queries an array of them (any variant of the emoji counts)."""

    def __init__(self, model, cfg, tok, records, all_captions=False, queries=None):
        self.records = records
        self.img, img_tokens = encode_images(model, records, cfg["image_size"])
        self.img_tokens = quantize(img_tokens)
        self.cap, cap_tokens, self.cap_len = encode_texts(model, tok, [caption(r, GRF_CAPTION) for r in records])
        self.cap_tokens = quantize(cap_tokens)  # zero past each caption's length: scale 1, values 0
        if queries is not None:  # free text: (targets, text) pairs
            pairs = queries
        elif all_captions:  # training: every caption of every image is a query (one is drawn per image per epoch)
            pairs = [(i, c["text"]) for i, r in enumerate(records) for c in r["captions"]]
        else:  # evaluation: the label caption, as tools/eval/evaluate.py
            pairs = [(i, caption(r, QUERY_CAPTION)) for i, r in enumerate(records)]
        self.target = [p[0] for p in pairs] if queries is not None else np.array([p[0] for p in pairs])
        self.q, self.q_tokens, self.q_len = encode_texts(model, tok, [p[1] for p in pairs])
        if not all_captions:  # first-round feedback; training draws its own (tools/afs/train_afs.py)
            self.top = np.argsort(-(self.q @ self.img.T), axis=1, kind="stable")[:, : fb.K]

    def batch(self, query_rows, tops, q_vectors=None, with_captions=True):
        """Tensors for AFS: queries `query_rows`, relevance = gallery items `tops` [B, K]."""
        b, k = tops.shape
        tq = int(self.q_len[query_rows].max())
        q_tokens = torch.from_numpy(self.q_tokens[query_rows, :tq])
        q_mask = torch.from_numpy((np.arange(tq)[None, :] < self.q_len[query_rows][:, None]).astype(np.int64))
        lc = int(self.cap_len[tops].max())  # captions padded to the longest among these items
        cap = torch.from_numpy(self.cap_tokens[tops, :lc].reshape(b, k * lc, -1))
        img = torch.from_numpy(self.img_tokens[tops].reshape(b, -1, self.img_tokens.shape[-1]))
        cap_real = np.arange(lc)[None, None, :] < self.cap_len[tops][..., None]
        if not with_captions:
            cap_real[:] = False
        bias = np.concatenate([np.where(cap_real.reshape(b, -1), 0, MASKED), np.zeros((b, img.shape[1]))], axis=1)
        return q_tokens, q_mask, cap, img, torch.from_numpy(bias.astype(np.float32))


def load_split(model, cfg, tok, name, all_captions=False):
    return Split(model, cfg, tok, [r for r in load_manifest() if r["split"] == name], all_captions)


def load_freetext(model, cfg, tok, part="selection"):
    """The google gallery (as the plugin's index: test + test_unseen) with one part of the hand-written free-text
    queries; a hit is any variant of the emoji."""
    gallery = [r for r in load_manifest() if r["split"] in freetext.GALLERY_SPLITS]
    index = {doc_id(r): i for i, r in enumerate(gallery)}
    queries = [(np.array(sorted(index[d] for d in q["variant"])), q["text"]) for q in freetext.queries() if q["part"] == part]
    return Split(model, cfg, tok, gallery, queries=queries)


def afs_rounds(afs, split, rounds, with_captions=True, batch=256):
    """Runs AFS feedback for `rounds` rounds on every query of `split` (each round summarizes the current top-K
    with the original query's word tokens) -> per round, the target's 1-based rank per query."""
    img = split.img.astype(np.float64)
    q = split.q.astype(np.float64)
    out = []
    for _ in range(rounds):
        tops = np.argsort(-(q @ img.T), axis=1, kind="stable")[:, : fb.K]
        q = refine_all(afs, split, q, tops, with_captions, batch)
        out.append([first_hit(img @ q[i], split.target[i]) for i in range(len(q))])
    return out


def first_hit(scores, targets):
    """1-based rank of the first of `targets` (one gallery index or an array of them) in the stable descending order."""
    if np.isscalar(targets):
        return rank_of(scores, targets)[0]
    order = np.argsort(-scores, kind="stable")
    return int(np.flatnonzero(np.isin(order, targets))[0]) + 1


def refine_all(afs, split, q, tops, with_captions=True, batch=256, rows=None):
    """One AFS round (Eq. 6-8) for queries `rows` (default all) with current vectors q and feedback items tops."""
    rows = np.arange(len(q)) if rows is None else rows
    refined = np.empty_like(q)
    for s in range(0, len(rows), batch):
        chunk = rows[s: s + batch]
        with torch.no_grad():
            pos, att = afs(*split.batch(chunk, tops[s: s + len(chunk)], with_captions=with_captions))
        for j in range(len(chunk)):
            refined[s + j] = afs_refine(q[s + j], pos[j].numpy().astype(np.float64), att[j].numpy(), split,
                                        tops[s + j], with_captions)
    return refined


def afs_refine(q, positive, attention, split, top, with_captions=True, alpha=fb.ALPHA, beta=fb.BETA, gamma=fb.GAMMA, tau=fb.TAU):
    """Eq. 6-8 for one query: attention [Lc*K + 65*K] from AFS (captions padded to the split's width)."""
    k = len(top)
    lc = (len(attention) - k * split.img_tokens.shape[1]) // k  # the caption width the batch was padded to
    a_cap = attention[: k * lc].reshape(k, lc)
    a_img = attention[k * lc:].reshape(k, -1)
    return fb.afs_rocchio(q, positive, a_img.mean(axis=1), split.img[top],
                          np.array([a_cap[i, : split.cap_len[t]].mean() for i, t in enumerate(top)]) if with_captions else None,
                          split.cap[top] if with_captions else None, alpha, beta, gamma, tau)
