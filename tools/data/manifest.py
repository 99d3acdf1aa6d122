"""Reading data/manifest.jsonl (tools/data/build_manifest.py) without torch: captions by type, document ids."""
import json


def load(path="data/manifest.jsonl"):
    return [json.loads(line) for line in open(path)]


def caption(record, kinds):
    """The first caption of the first of `kinds` the record has (e.g. ["label", "name"]), else None."""
    for kind in kinds:
        for c in record["captions"]:
            if c["type"] == kind:
                return c["text"]
    return None


def doc_id(record):
    """The index document id of an image: file name (code points) + vendor, e.g. 1f600-google."""
    return record["path"].rsplit("/", 1)[-1][:-4] + "-" + record["vendor"]
