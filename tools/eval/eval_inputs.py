"""Query inputs other than text, through the plugin's REST API on the held-out google gallery (split `test`), and
simulated multi-round sessions. Run by tools/eval/eval_rest.py (scripts/eval.sh) with --queries image|like|composed|sessions.

- image: the query is another style's image of an emoji (apple / facebook / twitter in turn, as base64 `image`), a hit
  is the google image of the same emoji (exact) or of its concept (variant); none, PRF and AFS-PRF (no words: the
  summarizer's own CLS reads the feedback) at rounds 1 and 3.
- like: the query is one google image's id (`like`, the example left out of the hits), a hit is another image of the
  same emoji concept: its skin-tone variants, the only "more like this" the data names exactly (category neighbours
  share a topic, not a look, so they are not counted); concepts with more than one image only; none and PRF round 1.
- composed: reference = the default-tone google image of a concept (`like`, left out of the hits) or its apple image
  (`image`), text = a
  skin tone name ("dark skin tone"), target = that tone's google image; every `reference_weight` in WEIGHTS on the
  selection third of the concepts (by index, as the free-text set), then on the test part: the plugin's default
  weight and the floors (reference only, text only).
- sessions: the free-text test part; round 0 is the plain text search, then each round a simulated user marks as
  relevant the shown hits (top 10) of the target emoji (any variant) and sends explicit feedback by ids with the
  previous round's refined vector (the documented multi-round pattern); "+ non-relevant" also marks the other shown
  hits as non-relevant. A user who sees no target marks nothing and the ranking stays.
"""
import base64
import json
import os

from tools.data import freetext
from tools.data.build_manifest import TONES
from tools.eval.eval_rest import K, Progress, rank, search
from tools.data.manifest import doc_id, load
from tools.eval.metrics import metrics

WEIGHTS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
SESSION_ROUNDS = 5
VENDORS = ["apple", "facebook", "twitter"]


def body(inputs, feedback=None, k=K):
    q = {"field": "image", "k": k, "num_candidates": 1000, **inputs}
    if feedback:
        q["feedback"] = feedback
    return {"size": k, "_source": False, "query": {"relevance_feedback": q}}


def png(record):
    return base64.b64encode(open(record["path"], "rb").read()).decode()


def gallery():
    records = load()
    test = [r for r in records if r["split"] == "test"]
    by_concept = {}
    for r in test:
        by_concept.setdefault(r["concept"], set()).add(doc_id(r))
    styles = {(r["emoji"], r["vendor"]): r for r in records if r["vendor"] in VENDORS and r["split"] in ("train", "val")}
    return test, by_concept, styles


class Table:
    """Ranks per row, reported as H@1 / H@5 / MRR@5."""

    def __init__(self):
        self.rows = {}

    def add(self, row, r):
        self.rows.setdefault(row, []).append(r)

    def lines(self, title):
        out = [title, "", "| row | queries | H@1 | H@5 | MRR@5 |", "|---|---|---|---|---|"]
        for row, ranks in self.rows.items():
            m = metrics(ranks)
            out.append(f"| {row} | {len(ranks)} | {m['H@1']:.3f} | {m['H@5']:.3f} | {m['MRR@5']:.3f} |")
        return out + [""]

    def json(self):
        return {row: {**metrics(ranks), "queries": len(ranks)} for row, ranks in self.rows.items()}


def image_task(a, test, by_concept, styles):
    cases = []
    for i, r in enumerate(test[:: a.every]):
        vendors = VENDORS[i % 3:] + VENDORS[: i % 3]
        style = next((styles[(r["emoji"], v)] for v in vendors if (r["emoji"], v) in styles), None)
        if style:
            cases.append((style, doc_id(r), by_concept[r["concept"]]))
    exact, variant = Table(), Table()
    runs = [("none", None, 0), ("prf", {"strategy": "prf"}, 1), ("prf", {"strategy": "prf"}, 3),
            ("afs_prf", {"strategy": "afs_prf", "image_tokens_field": "image_tokens"}, 1),
            ("afs_prf", {"strategy": "afs_prf", "image_tokens_field": "image_tokens"}, 3)]
    progress = Progress(len(cases) * len(runs))
    for style, target, concept in cases:
        for name, fb, rounds in runs:
            res = search(a.url, a.index, body({"image": png(style)}, fb and {**fb, "rounds": rounds}))
            row = name if rounds == 0 else f"{name} round {rounds}"
            exact.add(row, rank(res, target))
            variant.add(row, rank(res, concept))
            progress.step()
    return {"exact": exact, "variant": variant}, (
        f"Image -> image: {len(cases)} queries, each an apple / facebook / twitter image (in turn) of a gallery emoji, "
        "through `image`; a hit is the google image of the same emoji (exact) or of its concept (variant).")


def like_task(a, test, by_concept):
    cases = [(doc_id(r), by_concept[r["concept"]] - {doc_id(r)}) for r in test if len(by_concept[r["concept"]]) > 1][:: a.every]
    table = Table()
    progress = Progress(len(cases) * 2)
    for example, others in cases:
        table.add("none", rank(search(a.url, a.index, body({"like": [example]})), others))
        table.add("prf round 1", rank(search(a.url, a.index, body({"like": [example]}, {"strategy": "prf"})), others))
        progress.step(2)
    return {"variant": table}, (
        f"More like this: {len(cases)} queries, each one google image's id through `like` (left out of the hits); a hit "
        "is another image of the same emoji concept (its skin-tone variants).")


def composed_cases(test, styles):
    """(part, reference id, reference image record or None, tone text, target id, target concept set) per tone variant."""
    by_emoji = {r["emoji"]: r for r in test}
    concepts = sorted({r["concept"] for r in test if r["emoji"] == r["concept"]})
    out = []
    for i, concept in enumerate(concepts):
        for code, tone in TONES.items():
            target = by_emoji.get(f"{concept}-{code}")
            if target:
                part = "selection" if i % 3 == 0 else "test"
                out.append((part, doc_id(by_emoji[concept]), styles.get((concept, "apple")), tone, doc_id(target)))
    return out


def composed_task(a, test, styles):
    cases = [c for c in composed_cases(test, styles) if c[0] == a.part or a.part == "both"]
    rows = []
    for reference, image in (("like", False), ("image", True)):
        usable = [c for c in cases if not image or c[2] is not None]
        if a.part == "selection":
            rows += [(reference, usable, f"{reference} + text, w {w}", w, True, True) for w in WEIGHTS]
        else:
            rows += [(reference, usable, f"{reference} + text, default w", None, True, True),
                     (reference, usable, f"{reference} only (floor)", None, True, False)]
    rows.append(("text", cases, "text only (floor)", None, False, True))
    table = Table()
    progress = Progress(sum(len(r[1]) for r in rows))
    for reference, usable, row, w, with_reference, with_text in rows:
        for _, like, style, tone, target in usable:
            inputs = {}
            if with_reference:
                inputs = {"like": [like]} if reference == "like" else {"image": png(style)}
            if with_text:
                inputs["text"] = tone
            if w is not None:
                inputs["reference_weight"] = w
            table.add(row, rank(search(a.url, a.index, body(inputs)), target))
            progress.step()
    return {"exact": table}, (
        f"Composed ({a.part} part): reference = a concept's default-tone google image (`like`, left out of the hits) or its "
        "apple image (`image`), text = a skin tone name, a hit is that tone's google image (exact).")


def session_task(a):
    cases = [q for q in freetext.queries() if q["part"] == a.part][:: a.every]
    tables = {"relevant": Table(), "relevant + non-relevant": Table()}
    progress = Progress(len(cases) * 2 * (SESSION_ROUNDS + 1))
    for q in cases:
        first = search(a.url, a.index, body({"text": q["text"]}))
        for mode, table in tables.items():
            res = first
            table.add("round 0", rank(res, q["variant"]))
            progress.step()
            for rnd in range(1, SESSION_ROUNDS + 1):
                shown = [h["_id"] for h in res["hits"]["hits"]]
                relevant = [d for d in shown if d in q["variant"]]
                if relevant:
                    fb = {"strategy": "explicit", "relevant": relevant}
                    if mode != "relevant":
                        fb["non_relevant"] = [d for d in shown if d not in q["variant"]]
                    vector = res.get("relevance_feedback", {}).get("vector")
                    res = search(a.url, a.index, body({"vector": vector} if vector else {"text": q["text"]}, fb))
                table.add(f"round {rnd}", rank(res, q["variant"]))
                progress.step()
    return {f"variant, marks: {m}": t for m, t in tables.items()}, (
        f"Simulated sessions: {len(cases)} queries of the `{a.part}` part of the free-text set; each round the user "
        f"marks the shown (top {K}) hits of the target emoji, explicit feedback by ids on the previous refined vector.")


def plot_sessions(tables, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, table in tables.items():
        for metric, style in (("MRR@5", "-"), ("H@1", "--")):
            ys = [metrics(table.rows[f"round {r}"])[metric] for r in range(SESSION_ROUNDS + 1)]
            ax.plot(range(SESSION_ROUNDS + 1), ys, style, marker="o", label=f"{metric}, {name.split(': ')[-1]}")
    ax.set_xlabel("round")
    ax.set_ylabel("score")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Simulated sessions: explicit feedback by ids")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "sessions.png"), dpi=110)


def run(a):
    test, by_concept, styles = gallery()
    if a.queries == "image":
        tables, what = image_task(a, test, by_concept, styles)
    elif a.queries == "like":
        tables, what = like_task(a, test, by_concept)
    elif a.queries == "composed":
        tables, what = composed_task(a, test, styles)
    else:
        tables, what = session_task(a)
    lines = [what, ""]
    for measure, table in tables.items():
        lines += table.lines(f"Hits: {measure}")
    os.makedirs(a.out, exist_ok=True)
    name = f"{a.queries}" + (f"_{a.part}" if a.queries in ("composed", "sessions") else "")
    json.dump({m: t.json() for m, t in tables.items()}, open(os.path.join(a.out, f"{name}.json"), "w"), indent=1)
    open(os.path.join(a.out, f"{name}.md"), "w").write("\n".join(lines))
    if a.queries == "sessions":
        plot_sessions(tables, a.out)
    print("\n".join(lines))
