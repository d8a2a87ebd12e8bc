// A stand-alone Node.js application sampling a kgan generator with onnxruntime-node alone.
//
//     ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node   # CPU only; downloads nothing else
//     node examples/onnx_app.js runs/<run>/generator.onnx grid.pgm --count 16 --seed 0
//
// onnxruntime-node has no model-metadata call, so the metadata is read from the JSON file kgan
// export writes beside the model (generator.onnx.json). z comes from this file's own seeded
// generator: numpy's PCG64 streams (kgan sample --seed) are not reproduced here.
const fs = require("fs");
const ort = require("onnxruntime-node");

const [modelPath, outputPath, ...rest] = process.argv.slice(2);
const option = (name, fallback) => (rest.includes(name) ? Number(rest[rest.indexOf(name) + 1]) : fallback);
const count = option("--count", 16);
let state = option("--seed", 0) >>> 0;

function uniform() { // mulberry32: a small seeded generator in (0, 1)
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
}
const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()); // Box-Muller

async function main() {
  const meta = JSON.parse(fs.readFileSync(`${modelPath}.json`, "utf8"));
  if (meta.num_classes !== "0" || meta.code_spec !== "[]") throw new Error("this example feeds z only");
  const latent = Number(meta.latent_dim);
  const [height, width, channels] = meta.image_shape.split(",").map(Number);
  const z = Float32Array.from({ length: count * latent }, () => (meta.z_dist === "normal" ? normal() : 2 * uniform() - 1));
  const session = await ort.InferenceSession.create(modelPath);
  const { image } = await session.run({ z: new ort.Tensor("float32", z, [count, latent]) });
  const pixels = meta.output_dtype === "uint8" ? image.data
    : Uint8Array.from(image.data, (v) => Math.min(255, Math.max(0, Math.round((v + 1) * 127.5))));
  // A grid of the samples as a binary PGM (grayscale) or PPM (colour) file: no image library needed.
  const columns = Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / columns);
  const grid = new Uint8Array(rows * height * columns * width * channels);
  for (let i = 0; i < count; i++) {
    const [r, c] = [Math.floor(i / columns), i % columns];
    for (let y = 0; y < height; y++) {
      const from = ((i * height + y) * width) * channels;
      const to = (((r * height + y) * columns + c) * width) * channels;
      grid.set(pixels.subarray(from, from + width * channels), to);
    }
  }
  const header = `${channels === 1 ? "P5" : "P6"}\n${columns * width} ${rows * height}\n255\n`;
  fs.writeFileSync(outputPath, Buffer.concat([Buffer.from(header), Buffer.from(grid)]));
  console.log(`${count} samples from a ${meta.variant} trained ${meta.training_steps} steps -> ${outputPath}`);
}

main().catch((error) => { console.error(`Error: ${error.message}`); process.exit(1); });
