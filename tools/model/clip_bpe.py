"""CLIP byte-level BPE, reading the Hugging Face tokenizer.json (normalizer NFC + whitespace + lowercase, CLIP's
split regex, byte-level alphabet, "</w>" word ends, merges by rank). Debian has no Python `tokenizers` package;
the plugin uses the real HF tokenizer (DJL), and the committed fixtures pin both to the same ids."""
import json
import unicodedata

import regex

PATTERN = regex.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class ClipTokenizer:
    def __init__(self, path, max_length=77):
        model = json.load(open(path, encoding="utf-8"))["model"]
        self.vocab = model["vocab"]
        self.ranks = {tuple(m if isinstance(m, list) else m.split(" ")): i for i, m in enumerate(model["merges"])}
        self.byte_encoder = bytes_to_unicode()
        self.bos = self.vocab["<|startoftext|>"]
        self.eos = self.vocab["<|endoftext|>"]
        self.max_length = max_length
        self.cache = {}

    def _bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = list(token[:-1]) + [token[-1] + "</w>"]
        while len(word) > 1:
            pairs = [(self.ranks.get((word[i], word[i + 1]), 1 << 30), i) for i in range(len(word) - 1)]
            rank, i = min(pairs)
            if rank == 1 << 30:
                break
            first, second = word[i], word[i + 1]
            merged, j = [], 0
            while j < len(word):
                if j < len(word) - 1 and word[j] == first and word[j + 1] == second:
                    merged.append(first + second)
                    j += 2
                else:
                    merged.append(word[j])
                    j += 1
            word = merged
        self.cache[token] = word
        return word

    def encode(self, text):
        """Token ids with <|startoftext|> and <|endoftext|>; truncated to max_length keeping the end token."""
        text = regex.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).lower()
        ids = [self.bos]
        for piece in PATTERN.findall(text):
            mapped = "".join(self.byte_encoder[b] for b in piece.encode("utf-8"))
            ids.extend(self.vocab.get(t, self.eos) for t in self._bpe(mapped))
        ids = ids[: self.max_length - 1]
        return ids + [self.eos]


if __name__ == "__main__":
    import sys
    tok = ClipTokenizer(sys.argv[1] if len(sys.argv) > 1 else "models/emoji-clip/tokenizer.json")
    ids = tok.encode("a photo of a cat")
    assert ids == [49406, 320, 1125, 539, 320, 2368, 49407], ids
    print(ids)
