"""Free-text queries against a PyTorch checkpoint, no feedback: the selection and test parts of
data/freetext_queries.tsv on the held-out google gallery, any variant of the emoji a hit, float32. For comparing
encoder runs that are not shipped (the plugin's figures come from scripts/eval.sh --queries freetext).

  /usr/bin/python3 -m tools.eval.freetext_checkpoint CHECKPOINT [CHECKPOINT ...]
"""
import argparse

import torch

from tools.data import freetext
from tools.data.emoji_data import images_tensor, load_manifest
from tools.data.manifest import doc_id
from tools.model.clip_bpe import ClipTokenizer
from tools.model.clip_model import DualEncoder
from tools.model.train_clip import freetext_metrics


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoints", nargs="+")
    args = ap.parse_args()
    torch.set_num_threads(2)
    tok = ClipTokenizer("models/emoji-clip/tokenizer.json")
    records = [r for r in load_manifest() if r["split"] in freetext.GALLERY_SPLITS]
    gallery = {"images": images_tensor(records, 64), "ids": [doc_id(r) for r in records]}
    queries = freetext.queries()
    for path in args.checkpoints:
        ck = torch.load(path, weights_only=False, map_location="cpu")
        model = DualEncoder(ck["cfg"])
        model.load_state_dict(ck["state"])
        model.eval()
        for part in ("selection", "test"):
            qs = [q for q in queries if q["part"] == part]
            m = freetext_metrics(model, tok, gallery, qs)
            print(f"{path} {part} ({len(qs)} queries): " + ", ".join(f"{k} {v:.3f}" for k, v in m.items()), flush=True)


if __name__ == "__main__":
    main()
