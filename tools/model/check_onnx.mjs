// Runs the exported ONNX files in ONNX Runtime (onnxruntime-node) on the fixture inputs and compares with the
// PyTorch reference outputs: ties the committed ONNX files to the PyTorch model before any Java runs them.
//   node tools/model/check_onnx.mjs models/emoji-clip     (onnxruntime-node installed with --ignore-scripts)
import { createRequire } from "module";
import { readFileSync } from "fs";
import { join } from "path";

const require = createRequire(join(process.cwd(), "data/cache/onnx-check/"));
const ort = require("onnxruntime-node");
const dir = process.argv[2] || "models/emoji-clip";
const fx = JSON.parse(readFileSync(join(dir, "fixtures/reference_outputs.json"), "utf8"));
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
let worst = 0;

const text = await ort.InferenceSession.create(join(dir, "text_model.onnx"));
for (const t of fx.texts) {
  const n = t.input_ids.length;
  const ids = new ort.Tensor("int64", BigInt64Array.from(t.input_ids.map(BigInt)), [1, n]);
  const mask = new ort.Tensor("int64", BigInt64Array.from(Array(n).fill(1n)), [1, n]);
  const out = await text.run({ input_ids: ids, attention_mask: mask });
  const d = maxDiff(Array.from(out.text_embeds.data), t.text_embeds);
  worst = Math.max(worst, d);
  console.log(`text  ${JSON.stringify(t.text).slice(0, 40).padEnd(40)} tokens ${String(n).padStart(2)}  max |diff| ${d.toExponential(2)}`);
}

const vision = await ort.InferenceSession.create(join(dir, "vision_model.onnx"));
const size = JSON.parse(readFileSync(join(dir, "preprocessor_config.json"), "utf8")).crop_size.height;
const pixels = Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(0.01 * i));
const out = await vision.run({ pixel_values: new ort.Tensor("float32", pixels, [1, 3, size, size]) });
const d = maxDiff(Array.from(out.image_embeds.data), fx.vision_pattern.image_embeds);
worst = Math.max(worst, d);
console.log(`image sin pattern ${size}x${size}  max |diff| ${d.toExponential(2)}`);
console.log(worst <= 1e-4 ? `OK: ONNX Runtime matches PyTorch within 1e-4 (worst ${worst.toExponential(2)})` : `FAIL: worst ${worst}`);
process.exit(worst <= 1e-4 ? 0 : 1);
