"""Free-text queries against a PyTorch checkpoint, no feedback: the selection and test parts of
data/freetext_queries.tsv on the held-out google gallery, any variant of the emoji a hit, float32. For comparing
encoder runs that are not shipped (the plugin's figures come from scripts/eval.sh --queries freetext).

  /usr/bin/python3 -m tools.eval.freetext_checkpoint CHECKPOINT [CHECKPOINT ...]
"""
import argparse

import torch

from tools.afs.afs_data import load_encoder
from tools.data import freetext
from tools.data.emoji_data import load_manifest
from tools.model.train_clip import freetext_gallery, freetext_metrics


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoints", nargs="+")
    args = ap.parse_args()
    torch.set_num_threads(2)
    records, queries, galleries = load_manifest(), freetext.queries(), {}
    for path in args.checkpoints:
        model, cfg, tok = load_encoder(path)
        if cfg["image_size"] not in galleries:
            galleries[cfg["image_size"]] = freetext_gallery(records, cfg["image_size"])
        gallery = galleries[cfg["image_size"]]
        for part in ("selection", "test"):
            qs = [q for q in queries if q["part"] == part]
            m = freetext_metrics(model, tok, gallery, qs)
            print(f"{path} {part} ({len(qs)} queries): " + ", ".join(f"{k} {v:.3f}" for k, v in m.items()), flush=True)


if __name__ == "__main__":
    main()
