"""Iconify emoji sets -> 64x64 PNGs on white for training, with a manifest (run by scripts/fetch_styles.sh).

  python3 -m tools.data.rasterize_styles data/cache/@iconify-json-<set>/package ...

Each set's chars.json maps code points to icon names (aliases resolved to their parent; aliases that rotate or
flip their parent are skipped). Sets whose chars.json is empty are mapped by name: the icon name against the
corpus' CLDR labels, Unicode names and short names written as slugs ("grinning-face"), also without separators
("grinningface", fxemoji), with "flag-for-" or only the country for flags, and with fluent's short skin-tone
suffixes ("-medium-dark"); a slug that two emoji share maps to neither. An icon is kept when it names an emoji of
the corpus manifest whose concept is a training concept; icons of held-out concepts (splits test_unseen / unused) and code
points the corpus does not know are counted and left out. Output: data/cache/styles/<set>/<code points>.png and
data/styles_manifest.jsonl (the manifest's fields; vendor = the set, split = train, the emoji's corpus captions).
Prints per set how many icons map.
"""
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

OUT = "data/cache/styles"
SIZE = 64


def norm(hexcode):
    return "-".join(p for p in hexcode.upper().split("-") if p != "FE0F")


def corpus():
    """Per normalized emoji id its manifest record (for the captions), and the ids of held-out concepts."""
    records, held_out = {}, set()
    for line in open("data/manifest.jsonl"):
        r = json.loads(line)
        records.setdefault(norm(r["emoji"]), r)
        if r["split"] in ("test_unseen", "unused"):
            held_out.add(norm(r["emoji"]))
    return records, held_out


TONES = ["light", "medium-light", "medium", "medium-dark", "dark"]


def slug(text):
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def names(records):
    """Icon-name slug -> normalized emoji id, for the sets that carry no chars table; shared slugs are dropped."""
    index = {}
    for key, r in records.items():
        texts = [c["text"] for c in r["captions"] if c["type"] in ("label", "name", "short_name")]
        slugs = set()
        for t in texts:
            base = slug(t)
            slugs |= {base, base.replace("-", "")}
            if t.startswith("flag: "):
                country = slug(t[len("flag: "):])
                slugs |= {"flag-for-" + country, country}
            for tone in TONES:  # "waving-hand-medium-dark-skin-tone" is also fluent's "waving-hand-medium-dark"
                if base.endswith("-" + tone + "-skin-tone"):
                    slugs.add(base[: -len("-skin-tone")])
        for sl in slugs:
            index.setdefault(sl, set()).add(key)
    return {sl: keys.pop() for sl, keys in index.items() if len(keys) == 1}


def icon(icons, aliases, name):
    """The icon's body and view box, following aliases; None for transformed aliases or unknown names."""
    props = {}
    while name not in icons.get("icons", {}):
        alias = icons.get("aliases", {}).get(name)
        if alias is None or any(k in alias for k in ("rotate", "hFlip", "vFlip")):
            return None
        props = {**{k: v for k, v in alias.items() if k != "parent"}, **props}
        name = alias["parent"]
    data = {**icons["icons"][name], **props}
    return data["body"], data.get("left", 0), data.get("top", 0), data.get("width", icons.get("width", 16)), data.get("height", icons.get("height", 16))


def rasterize(svg, path):
    """True when librsvg drew it (a few fluent-emoji SVGs exhaust its filter memory: those are left out)."""
    partial = path + ".part"  # renamed when complete, so an interrupted run leaves no broken PNG behind
    done = subprocess.run(["rsvg-convert", "-w", str(SIZE), "-h", str(SIZE), "-b", "white", "-o", partial], input=svg.encode(), capture_output=True)
    if done.returncode == 0:
        os.replace(partial, path)
    elif os.path.exists(partial):
        os.remove(partial)
    return done.returncode == 0


def main():
    records, held_out = corpus()
    out = []
    jobs = []
    for package in sys.argv[1:]:
        icons = json.load(open(os.path.join(package, "icons.json")))
        chars = json.load(open(os.path.join(package, "chars.json")))
        if not chars:
            by_name = names(records)
            chars = {}
            for name in list(icons["icons"]) + list(icons.get("aliases", {})):
                key = by_name.get(name) or by_name.get(name.replace("-", ""))
                if key is not None:
                    chars.setdefault(key, name)
        style = icons["prefix"]
        os.makedirs(os.path.join(OUT, style), exist_ok=True)
        counts = {"chars": len(chars), "mapped": 0, "held_out": 0, "unknown": 0, "no_icon": 0}
        for hexcode, name in sorted(chars.items()):
            key = norm(hexcode)
            if key not in records:
                counts["unknown"] += 1
                continue
            if key in held_out:
                counts["held_out"] += 1
                continue
            found = icon(icons, icons.get("aliases", {}), name)
            if found is None:
                counts["no_icon"] += 1
                continue
            body, left, top, width, height = found
            svg = f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="{left} {top} {width} {height}">{body}</svg>'
            path = os.path.join(OUT, style, key.lower() + ".png")
            if not os.path.exists(path):
                jobs.append((svg, path))
            counts["mapped"] += 1
            out.append({**records[key], "path": path, "vendor": style, "split": "train"})
        print(f"{style:28s} {counts}")
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        failed = [path for (_, path), ok in zip(jobs, pool.map(lambda j: rasterize(*j), jobs)) if not ok]
    out = [r for r in out if os.path.exists(r["path"])]
    with open("data/styles_manifest.jsonl", "w") as f:
        for r in out:
            f.write(json.dumps(r) + "\n")
    print(f"{len(out)} training images in {len(sys.argv) - 1} styles -> data/styles_manifest.jsonl "
          f"({len(jobs)} rasterized now, {len(failed)} librsvg could not draw: {failed[:5]})")


if __name__ == "__main__":
    main()
