"""Unit tests of the Python reference tools: tokenizer, feedback math, metrics, Karpathy loader.

  /usr/bin/python3 -m unittest discover -s tools -p 'test_*.py'
"""
import json
import os
import tempfile
import unittest

import numpy as np

import feedback_ref as fb
import freetext
import karpathy
from clip_bpe import ClipTokenizer
from metrics import metrics, rank_of

TOKENIZER = os.path.join(os.path.dirname(__file__), "../models/emoji-clip/tokenizer.json")


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
        rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(os.path.dirname(__file__), "..", "data", "freetext_queries.tsv"), encoding="utf-8")
                if l.strip() and not l.startswith("#")]
        self.assertGreaterEqual(len(rows), 300)
        self.assertTrue(all(len(r) == 3 and r[0] and r[1] and r[2] in ("word", "phrase", "description") for r in rows))
        self.assertEqual(len({r[0] for r in rows}), len(rows), "no query twice")


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
