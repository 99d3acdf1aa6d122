"""Loader for the Karpathy JSON split format (Flickr30k / COCO "dataset_*.json"), so real data sets plug into
the same tools as the emoji corpus. Returns (image path, [captions]) per image of the requested split."""
import json
import os


def load(path, split, image_root=""):
    data = json.load(open(path))
    out = []
    for img in data["images"]:
        s = img["split"]
        if s == split or (split == "train" and s == "restval"):  # COCO's restval is training data
            out.append((os.path.join(image_root, img.get("filepath", ""), img["filename"]),
                        [sent["raw"] for sent in img["sentences"]]))
    return out
