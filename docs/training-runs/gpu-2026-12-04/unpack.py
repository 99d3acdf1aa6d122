import json, lzma, numpy as np
n = len(json.load(open(".gpu/paths.json")))
np.save("/tmp/imgs.npy", np.frombuffer(lzma.decompress(open(".gpu/imgs.xz", "rb").read()), dtype=np.uint8).reshape(n, 64, 64, 3))
for src, dst in [("manifest.jsonl.xz", "data/manifest.jsonl"), ("styles_manifest.jsonl.xz", "data/styles_manifest.jsonl"),
                 ("words.json.xz", "data/words.json"), ("tokenizer.json.xz", "models/emoji-clip/tokenizer.json")]:
    open(dst, "wb").write(lzma.decompress(open(".gpu/" + src, "rb").read()))
print("unpacked", n)
