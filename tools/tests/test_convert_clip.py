"""Tests of the HF CLIP converter's pieces: the NumPy safetensors reader/writer and the PyTorch CLIP on a tiny random
checkpoint (padding, end-of-text pooling, both weight file formats). Skipped where torch is not installed.

  /usr/bin/python3 -m unittest discover -s tools/tests -t .
"""
import json
import os
import shutil
import tempfile
import unittest

import numpy as np

try:
    import torch
except ImportError:
    torch = None

if torch is not None:
    import torch.nn.functional as F

    from tools.model import make_random_clip
    from tools.model.clip_bpe import ClipTokenizer
    from tools.model.clip_hf import load_checkpoint, read_safetensors, write_safetensors
    from tools.data.emoji_data import pad

TOKENIZER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../models/emoji-clip/tokenizer.json")
TEXTS = ["a photo of a cat", "grinning face", "waving hand: medium-dark skin tone"]


@unittest.skipUnless(torch, "needs torch (python3-torch)")
class SafetensorsTest(unittest.TestCase):
    def test_round_trip(self):
        rng = np.random.default_rng(0)
        tensors = {"w": rng.normal(size=(3, 5)).astype(np.float32), "scalar": np.array(2.6592, dtype=np.float32),
                   "edge": np.array([1.0, -2.5, 1e-3, 65504.0, 1 + 2 ** -8, 1 + 3 * 2 ** -8], dtype=np.float32)}
        expected = {"F32": lambda a: a, "F16": lambda a: a.astype(np.float16).astype(np.float32),
                    "BF16": lambda a: torch.from_numpy(a).bfloat16().float().numpy()}  # torch's rounding as the reference
        with tempfile.TemporaryDirectory() as d:
            for dtype, convert in expected.items():
                path = os.path.join(d, dtype + ".safetensors")
                write_safetensors(path, tensors, dtype)
                with open(path, "rb") as f:
                    n = int.from_bytes(f.read(8), "little")
                    header = json.loads(f.read(n))
                self.assertEqual(0, (8 + n) % 8, "data starts 8-byte aligned")
                self.assertEqual({"format": "pt"}, header["__metadata__"])
                self.assertEqual(dtype, header["w"]["dtype"])
                back = read_safetensors(path)
                self.assertEqual(set(tensors), set(back))
                for name, array in tensors.items():
                    self.assertEqual(array.shape, back[name].shape)
                    self.assertEqual(np.float32, back[name].dtype)
                    np.testing.assert_array_equal(convert(array), back[name], err_msg=f"{dtype} {name}")


@unittest.skipUnless(torch, "needs torch (python3-torch)")
class TinyClipTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        make_random_clip.write(cls.dir, make_random_clip.parse([cls.dir, "--tiny"]))
        cls.model = load_checkpoint(cls.dir)
        cls.ids = [ClipTokenizer(TOKENIZER).encode(t) for t in TEXTS]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_padded_batch_equals_each_text_alone(self):
        with torch.no_grad():
            batch, hidden = self.model.encode_text(*pad(self.ids))
            self.assertEqual((len(TEXTS), max(map(len, self.ids)), 64), tuple(hidden.shape))
            for i, ids in enumerate(self.ids):
                alone, alone_hidden = self.model.encode_text(*pad([ids]))
                np.testing.assert_allclose(alone[0], batch[i], atol=1e-5)
                np.testing.assert_allclose(alone_hidden[0], hidden[i, :len(ids)], atol=1e-5)
        np.testing.assert_allclose(batch.norm(dim=-1), 1, atol=1e-6)

    def test_pooling_reads_the_end_of_text_state(self):
        ids, mask = pad(self.ids)
        for eos_token_id in (49407, 2):  # 2: legacy configs, argmax of the ids
            self.model.text_model.eos_token_id = eos_token_id
            with torch.no_grad():
                emb, hidden = self.model.encode_text(ids, mask)
                for i, seq in enumerate(self.ids):
                    at_eos = F.normalize(self.model.text_projection(hidden[i, len(seq) - 1]), dim=-1)
                    np.testing.assert_allclose(at_eos, emb[i], atol=1e-6, err_msg=f"eos_token_id {eos_token_id}")
        self.model.text_model.eos_token_id = 49407
        self.assertEqual(49407, self.ids[1][-1])
        self.assertLess(len(self.ids[1]), ids.shape[1], "a padded row: its last column is padding, not the EOS")

    def test_vision_shapes(self):
        with torch.no_grad():
            emb, hidden = self.model.encode_image(torch.randn(2, 3, 64, 64))
        self.assertEqual((2, 32), tuple(emb.shape))
        self.assertEqual((2, 1 + 16, 64), tuple(hidden.shape))
        np.testing.assert_allclose(emb.norm(dim=-1), 1, atol=1e-6)

    def test_pytorch_model_bin_loads_the_same(self):
        with tempfile.TemporaryDirectory() as d:
            shutil.copyfile(os.path.join(self.dir, "config.json"), os.path.join(d, "config.json"))
            state = {k: torch.from_numpy(v) for k, v in read_safetensors(os.path.join(self.dir, "model.safetensors")).items()}
            state["text_model.embeddings.position_ids"] = torch.arange(77)[None]  # older checkpoints saved it: ignored
            torch.save(state, os.path.join(d, "pytorch_model.bin"))
            other = load_checkpoint(d)
        for name, p in self.model.state_dict().items():
            torch.testing.assert_close(other.state_dict()[name], p, rtol=0, atol=0, msg=name)


if __name__ == "__main__":
    unittest.main()
