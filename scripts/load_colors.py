"""Loads the CSS named colours into an rf_vector index and runs one relevance_feedback query."""
import json
import sys
import tarfile
import urllib.request

tarball, base = sys.argv[1], sys.argv[2]


def call(method, path, body=None, ndjson=False):
    data = None
    headers = {}
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        headers["Content-Type"] = "application/x-ndjson" if ndjson else "application/json"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as e:
        if e.code == 404 and method == "DELETE":
            return None
        raise SystemExit(f"{method} {path} -> {e.code}: {e.read().decode()}")


with tarfile.open(tarball) as tar:
    colors = json.load(tar.extractfile("package/css-color-names.json"))

call("DELETE", "/colors")
call("PUT", "/colors", {
    "settings": {"number_of_shards": 3, "number_of_replicas": 0},
    "mappings": {"properties": {
        "name": {"type": "keyword"},
        "hex": {"type": "keyword"},
        "rgb": {"type": "rf_vector", "dimension": 3, "similarity": "l2"},
    }},
})
lines = []
for name, hex_code in sorted(colors.items()):
    rgb = [int(hex_code[i:i + 2], 16) / 255.0 for i in (1, 3, 5)]
    lines.append(json.dumps({"index": {"_id": name}}))
    lines.append(json.dumps({"name": name, "hex": hex_code, "rgb": rgb}))
result = call("POST", "/colors/_bulk?refresh=true", "\n".join(lines) + "\n", ndjson=True)
if result["errors"]:
    raise SystemExit("bulk had errors")
print(f"indexed {len(colors)} colours into 'colors' at {base}")

query = {"size": 5, "_source": ["name", "hex"],
         "query": {"relevance_feedback": {"field": "rgb", "vector": [0.0, 0.5, 0.5], "k": 5}}}
print("query: colours nearest to RGB (0, 0.5, 0.5):")
print("  curl -s " + base + "/colors/_search -H 'Content-Type: application/json' -d '" + json.dumps(query) + "'")
for hit in call("POST", "/colors/_search", query)["hits"]["hits"]:
    print(f"  {hit['_score']:.4f}  {hit['_source']['name']:<16} {hit['_source']['hex']}")
