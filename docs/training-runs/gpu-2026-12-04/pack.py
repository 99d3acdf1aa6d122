# Here: every image train_clip.py reads (train vendors + styles, val, google gallery), decoded by load_rgb exactly as
# training decodes it, as one uint8 array, xz-compressed (sequential xz beats per-image WebP: variants sit side by side).
import json, lzma, numpy as np, sys
sys.path.insert(0, ".")
from tools.data.emoji_data import load_rgb
from tools.data import freetext
recs = [json.loads(l) for l in open("data/manifest.jsonl")]
styles = [json.loads(l) for l in open("data/styles_manifest.jsonl")]
need = [r for r in recs if r["split"] in ("train", "val") + freetext.GALLERY_SPLITS] + styles
paths = [r["path"] for r in need]
arr = np.stack([load_rgb(p, 64) for p in paths])
print(arr.shape, arr.nbytes / 1e6)
open(".gpu/imgs.xz", "wb").write(lzma.compress(arr.tobytes(), preset=9 | lzma.PRESET_EXTREME))
json.dump(paths, open(".gpu/paths.json", "w"))
for src, dst in [("data/manifest.jsonl", "manifest.jsonl.xz"), ("data/styles_manifest.jsonl", "styles_manifest.jsonl.xz"),
                 ("data/words.json", "words.json.xz"), ("models/emoji-clip/tokenizer.json", "tokenizer.json.xz")]:
    open(".gpu/" + dst, "wb").write(lzma.compress(open(src, "rb").read(), preset=9))
