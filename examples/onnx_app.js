// A stand-alone Node.js application sampling a kgan generator with onnxruntime-node alone.
//
//     ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node   # CPU only; downloads nothing else
//     node examples/onnx_app.js runs/<run>/generator.onnx grid.pgm --count 16 --seed 0
//     node examples/onnx_app.js runs/<text2image run>/generator.onnx bags.ppm --text "a red bag at the top left"
//
// onnxruntime-node has no model-metadata call, so the metadata is read from the JSON file kgan
// export writes beside the model (generator.onnx.json). z comes from this file's own seeded
// generator: numpy's PCG64 streams (kgan sample --seed) are not reproduced here.
const fs = require("fs");
const ort = require("onnxruntime-node");

const [modelPath, outputPath, ...rest] = process.argv.slice(2);
const given = (name) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : undefined);
const option = (name, fallback) => (given(name) === undefined ? fallback : Number(given(name)));
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

// A sentence as the character ids a text2image file takes, as kgan.text encodes it: lowercased, each character its
// index in the file's vocabulary plus one, 0-padded to max_chars; anything else is refused, as kgan refuses it.
function characterIds(text, meta) {
  const caption = text.trim().toLowerCase();
  const length = Number(meta.max_chars);
  if (!caption || caption.length > length) throw new Error(`--text must hold 1 to ${length} characters`);
  const ids = new Int32Array(count * length);
  [...caption].forEach((char, i) => {
    const id = meta.vocabulary.indexOf(char) + 1;
    if (!id) throw new Error(`--text holds ${JSON.stringify(char)}, outside the vocabulary ${JSON.stringify(meta.vocabulary)}`);
    for (let row = 0; row < count; row++) ids[row * length + i] = id;
  });
  return new ort.Tensor("int32", ids, [count, length]);
}

async function main() {
  const meta = JSON.parse(fs.readFileSync(`${modelPath}.json`, "utf8"));
  if (meta.num_classes !== "0" || meta.code_spec !== "[]") throw new Error("this example feeds z (and text) only");
  const text = given("--text");
  if (Boolean(meta.vocabulary) !== (text !== undefined)) {
    throw new Error(meta.vocabulary ? "this generator draws a sentence: give --text" : "--text is for text2image files");
  }
  const latent = Number(meta.latent_dim);
  const [height, width, channels] = meta.image_shape.split(",").map(Number);
  const z = Float32Array.from({ length: count * latent }, () => (meta.z_dist === "normal" ? normal() : 2 * uniform() - 1));
  const session = await ort.InferenceSession.create(modelPath);
  const feeds = { z: new ort.Tensor("float32", z, [count, latent]) };
  if (text !== undefined) feeds.text = characterIds(text, meta);
  const { image } = await session.run(feeds);
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
