"""Builds the emoji image-caption manifest from the npm packages that scripts/fetch_corpus.sh unpacked.

Output:
  data/manifest.jsonl      one line per image: path, vendor, emoji id, concept, captions (typed), split
  data/dataset_emoji.json  the same corpus in the Karpathy JSON format (Flickr30k / COCO users have it)

Captions (several per image, like Flickr30k's five), all taken from the data and only phrased by template:
  label       CLDR label (emojibase-data), e.g. "waving hand: light skin tone"
  name        Unicode name (emoji-datasource), lower case, plus the skin tone for variants
  tags        CLDR tags (emojibase-data): "emoji tagged bye, hello, wave, ..."
  short_name  emoji-datasource short names, "_" and "-" read as spaces, when they differ from the label
  category    emoji-datasource category + subcategory: "people & body emoji, hand fingers open"
Identical texts are kept once.

Splits (seeded, recorded per image):
  unseen concepts: 10% of the base emoji (with all their skin variants) never reach training; their google
                   images are the zero-shot gallery (split "test_unseen"), other vendors' are "unused".
  seen concepts:   google images are the main test gallery ("test": unseen images of known concepts);
                   apple / facebook / twitter images are "train", 5% of them "val".
"""
import json
import os
import random
import sys

CACHE = "data/cache"
VENDORS = ["apple", "facebook", "twitter", "google"]
TEST_VENDOR = "google"
SEED = 20261124
UNSEEN_CONCEPT_FRACTION = 0.10
VAL_FRACTION = 0.05
TONES = {"1F3FB": "light skin tone", "1F3FC": "medium-light skin tone", "1F3FD": "medium skin tone",
         "1F3FE": "medium-dark skin tone", "1F3FF": "dark skin tone"}


def norm(hexcode):
    return "-".join(p for p in hexcode.upper().split("-") if p != "FE0F")


def emojibase_index():
    data = json.load(open(os.path.join(CACHE, "emojibase-data/package/en/data.json")))
    index = {}
    for entry in data:
        index[norm(entry["hexcode"])] = (entry, entry)
        for skin in entry.get("skins", []):
            index[norm(skin["hexcode"])] = (skin, entry)
    return index


def words(s):
    return s.replace("_", " ").replace("-", " ").strip()


def captions_for(ds, unified, tone, base_index):
    """Typed captions of one image; ds is the emoji-datasource entry of the base emoji."""
    found = base_index.get(norm(unified))
    caps = []
    if found:
        caps.append(("label", found[0]["label"]))
    name = (ds.get("name") or "").lower()
    if name:
        caps.append(("name", name + (", " + TONES[tone] if tone else "")))
    if found and found[1].get("tags"):
        tags = list(found[1]["tags"]) + ([TONES[tone]] if tone else [])
        caps.append(("tags", "emoji tagged " + ", ".join(tags)))
    for short in ds.get("short_names", []):
        caps.append(("short_name", words(short) + (", " + TONES[tone] if tone else "")))
    caps.append(("category", f"{ds['category'].lower()} emoji, {words(ds['subcategory'])}"))
    seen, out = set(), []
    for kind, text in caps:
        if text not in seen:
            seen.add(text)
            out.append({"type": kind, "text": text})
    return out


def images(vendor_entries):
    """(unified, tone, base entry, image file) for every base emoji and skin variation."""
    for ds in vendor_entries:
        yield ds["unified"], None, ds, ds["image"]
        for tone_key, var in (ds.get("skin_variations") or {}).items():
            tone = tone_key if tone_key in TONES else None  # multi-person tone combinations keep the key only
            yield var["unified"], tone, ds, var["image"]


def main():
    base_index = emojibase_index()
    entries = json.load(open(os.path.join(CACHE, "emoji-datasource-google/package/emoji.json")))
    rng = random.Random(SEED)
    concepts = sorted(e["unified"] for e in entries)
    unseen = set(rng.sample(concepts, int(len(concepts) * UNSEEN_CONCEPT_FRACTION)))
    records = []
    for vendor in VENDORS:
        img_dir = os.path.join(CACHE, f"emoji-datasource-{vendor}/package/img/{vendor}/64")
        for unified, tone, ds, image in images(entries):
            path = os.path.join(img_dir, image)
            if not os.path.exists(path):
                continue  # the vendor has no image for this emoji
            if ds["unified"] in unseen:
                split = "test_unseen" if vendor == TEST_VENDOR else "unused"
            elif vendor == TEST_VENDOR:
                split = "test"
            else:
                split = "val" if rng.random() < VAL_FRACTION else "train"
            records.append({
                "path": path, "vendor": vendor, "emoji": unified, "concept": ds["unified"],
                "captions": captions_for(ds, unified, tone, base_index), "split": split,
            })
    with open("data/manifest.jsonl", "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    write_karpathy(records, "data/dataset_emoji.json")
    counts = {}
    for r in records:
        counts[r["split"]] = counts.get(r["split"], 0) + 1
    print(f"{len(records)} images, {len(concepts)} concepts ({len(unseen)} unseen); splits {counts}")


def write_karpathy(records, out):
    images_out, sent_id = [], 0
    for img_id, r in enumerate(records):
        sentences = []
        for c in r["captions"]:
            sentences.append({"raw": c["text"], "tokens": c["text"].replace(",", " ").split(), "imgid": img_id,
                              "sentid": sent_id, "type": c["type"]})
            sent_id += 1
        images_out.append({"filepath": os.path.dirname(r["path"]), "filename": os.path.basename(r["path"]),
                           "imgid": img_id, "split": r["split"], "sentids": [s["sentid"] for s in sentences],
                           "sentences": sentences, "vendor": r["vendor"], "emoji": r["emoji"]})
    json.dump({"dataset": "emoji", "images": images_out}, open(out, "w"))


if __name__ == "__main__":
    sys.exit(main())
