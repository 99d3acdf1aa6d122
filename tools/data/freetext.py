"""The hand-written free-text query set (data/freetext_queries.tsv, see data/freetext_queries.md) against the google
gallery (splits test + test_unseen): per query its text, kind, part (selection / test) and the document ids that
count as a hit, exactly (the listed emoji) and by variant (any image of the same concept, e.g. other skin tones)."""
from tools.data.manifest import doc_id, load

GALLERY_SPLITS = ("test", "test_unseen")


def norm(hexcode):
    return "-".join(p for p in hexcode.upper().split("-") if p != "FE0F")


def code_points(emoji):
    return norm("-".join(f"{ord(c):04X}" for c in emoji))


def queries(path="data/freetext_queries.tsv"):
    gallery = [r for r in load() if r["split"] in GALLERY_SPLITS]
    by_emoji = {norm(r["emoji"]): r for r in gallery}
    by_concept = {}
    for r in gallery:
        by_concept.setdefault(norm(r["concept"]), set()).add(doc_id(r))
    rows = [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8") if line.strip() and not line.startswith("#")]
    out = []
    for i, (text, emoji, kind) in enumerate(rows):
        targets = [by_emoji[code_points(e)] for e in emoji.split()]  # a KeyError names an emoji not in the gallery
        out.append({
            "text": text,
            "kind": kind,
            "part": "selection" if i % 3 == 0 else "test",
            "exact": {doc_id(r) for r in targets},
            "variant": set().union(*(by_concept[norm(r["concept"])] for r in targets)),
            "captions": [c["text"] for r in targets for c in r["captions"]],
        })
    return out
