"""Indexes emoji images and captions through the plugin's rf_encode ingest pipeline on a running node.

  scripts/load_emoji.sh [--split test] [--index emoji]     (scripts/fetch_corpus.sh first)

Creates the pipeline `emoji_encode` (base64 PNG -> `image` vector + `image_tokens`, GRF caption -> `caption` vector +
`caption_tokens`: the token blocks the Attentive Feedback Summarizer reads) and the index (3 shards unless --shards, `image`/`caption`
rf_vector 256, token fields rf_tokens, `label`/`caption_text`/`vendor` kept for display, `thumbnail`: the PNG as
base64 for the web UI, since rf_encode drops its input image), then bulk-loads the chosen split with a progress line.
An index that already holds the split's documents is kept (re-running the demo reuses it). Query it by text
afterwards, e.g. "red heart" with GRF feedback.
"""
import argparse
import base64
import json
import sys
import time
import urllib.error
import urllib.request

from tools.data.manifest import caption, doc_id, load


def call(url, method="GET", body=None, ndjson=False):
    data = None if body is None else (body.encode() if ndjson else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/x-ndjson" if ndjson else "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--split", default="test", help="a split, several joined by commas, or all")
    ap.add_argument("--index", default="emoji")
    ap.add_argument("--shards", type=int, default=3)
    a = ap.parse_args()
    records = [r for r in load() if a.split == "all" or r["split"] in a.split.split(",")]
    try:
        count = call(f"{a.url}/{a.index}/_count")["count"]
        if count == len(records):
            print(f"[{a.index}] already holds the {count} documents of split [{a.split}]: kept")
            return
    except urllib.error.HTTPError as e:
        if e.code != 404:
            raise
    call(f"{a.url}/_ingest/pipeline/emoji_encode", "PUT", {"description": "emoji-clip image and caption embeddings", "processors": [
        {"rf_encode": {"image_field": "image_b64", "image_vector_field": "image",
                       "text_field": "caption_text", "text_vector_field": "caption", "image_tokens_field": "image_tokens",
                       "text_tokens_field": "caption_tokens", "batch_size": 32}}]})
    try:
        call(f"{a.url}/{a.index}", "PUT", {
            "settings": {"number_of_shards": a.shards, "number_of_replicas": 0, "default_pipeline": "emoji_encode"},
            "mappings": {"properties": {"image": {"type": "rf_vector", "dimension": 256}, "caption": {"type": "rf_vector", "dimension": 256},
                                        "image_tokens": {"type": "rf_tokens"}, "caption_tokens": {"type": "rf_tokens"},
                                        "label": {"type": "text"}, "caption_text": {"type": "text"}, "vendor": {"type": "keyword"},
                                        "emoji": {"type": "keyword"}, "thumbnail": {"type": "binary"}}}})
    except urllib.error.HTTPError as e:
        sys.exit(f"cannot create index [{a.index}] ({e.code}): delete it first or pick --index")
    start, failed = time.time(), 0
    for i in range(0, len(records), 200):
        lines = []
        for r in records[i: i + 200]:
            lines.append(json.dumps({"index": {"_id": doc_id(r)}}))
            png = base64.b64encode(open(r["path"], "rb").read()).decode()
            lines.append(json.dumps({"image_b64": png, "thumbnail": png, "label": caption(r, ["label", "name"]),
                                     "caption_text": caption(r, ["tags", "name", "short_name", "category"]), "vendor": r["vendor"], "emoji": r["emoji"]}))
        res = call(f"{a.url}/{a.index}/_bulk", "POST", "\n".join(lines) + "\n", ndjson=True)
        failed += sum(1 for it in res["items"] if it["index"].get("error"))
        done = min(i + 200, len(records))
        bar = "#" * int(30 * done / len(records))
        print(f"\r[{bar:<30}] {done}/{len(records)} images, {failed} failed, {done / (time.time() - start):.0f}/s", end="", flush=True)
    call(f"{a.url}/{a.index}/_refresh", "POST", {})
    print(f"\nindexed {len(records) - failed} documents into [{a.index}] in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
