// kgan's web page: runs an exported generator (generator.onnx, generator.onnx.json) with onnxruntime-web,
// with the controls the model needs. Written by `kgan export RUN --web DIR`; plain JavaScript, no build step.
// window.kgan holds the page's state ({ready, error, last: {inputs, shape, images}}) for scripts and tests.
"use strict";

const kgan = (window.kgan = { ready: false, error: null, last: null });
const $ = (id) => document.getElementById(id);
const GRID = 16; // samples per "new samples"
const WALK_FRAMES = 8;
const LARGEST_SIDE = 512; // a picked image larger than this is scaled down first: one WebAssembly thread is slow
const LARGEST_UPSCALED = 128; // the same for an upscaler (super-resolution), whose output is 4 times larger a side

// The side closest to `side` that a graph with dynamic height and width takes (metadata size_rule:
// sides of at least `minimum` that are `remainder` more than a multiple of `multiple`), as
// kgan.networks.SizeRule.nearest rounds.
function nearestSide(rule, side) {
  const below = side - ((((side - rule.remainder) % rule.multiple) + rule.multiple) % rule.multiple);
  const above = below === side ? below : below + rule.multiple;
  if (below < rule.minimum) return Math.max(above, rule.minimum);
  return above - side <= side - below ? above : below;
}

// z from a seed: mulberry32 for uniforms, Box-Muller for normals. Not numpy's PCG64, so seed s here is
// not seed s of `kgan sample`; the page keeps the z it drew (window.kgan.last.inputs).
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function drawZ(seed, n, dim, dist) {
  const random = mulberry32(seed);
  const z = new Float32Array(n * dim);
  for (let i = 0; i < z.length; i++) {
    if (dist === "uniform") z[i] = 2 * random() - 1;
    else z[i] = Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
  }
  return z;
}

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  Object.entries(attributes).forEach(([k, v]) => node.setAttribute(k, v));
  if (text) node.textContent = text;
  return node;
}

function labelled(text, control) {
  const label = element("label", {}, text + " ");
  label.appendChild(control);
  return label;
}

// Float [-1, 1] (or uint8) NHWC images onto canvases, one per image, as kgan.pixels.scale_to_uint8 rounds.
function show(container, data, n, [h, w, c], large = false) {
  container.replaceChildren();
  for (let i = 0; i < n; i++) {
    const canvas = element("canvas", { width: w, height: h, id: `${container.id}-${i}`, class: large ? "large" : "" });
    const context = canvas.getContext("2d");
    const pixels = context.createImageData(w, h);
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) {
        const x = data[(i * h * w + p) * c + (c === 1 ? 0 : k)];
        pixels.data[p * 4 + k] = data instanceof Uint8Array ? x : Math.min(255, Math.max(0, Math.round((x + 1) * 127.5)));
      }
      pixels.data[p * 4 + 3] = 255;
    }
    context.putImageData(pixels, 0, 0);
    container.appendChild(canvas);
  }
}

// A sentence as the character ids a text2image file takes, as kgan.text encodes it (its vocabulary is in the
// metadata): lowercased, each character its index in the vocabulary plus one, 0-padded; anything else refused.
function characterIds(text, meta, n) {
  const caption = text.trim().toLowerCase();
  const length = Number(meta.max_chars);
  if (!caption || caption.length > length) throw new Error(`write a sentence of 1 to ${length} characters`);
  const unknown = [...caption].filter((char) => !meta.vocabulary.includes(char));
  if (unknown.length) throw new Error(`${JSON.stringify(unknown.join(""))} is outside the vocabulary ${JSON.stringify(meta.vocabulary)}`);
  const ids = new Int32Array(n * length);
  [...caption].forEach((char, i) => { for (let row = 0; row < n; row++) ids[row * length + i] = meta.vocabulary.indexOf(char) + 1; });
  return ids;
}

function slerp(a, b, t) {
  const dot = a.reduce((s, x, i) => s + x * b[i], 0);
  const norms = Math.hypot(...a) * Math.hypot(...b);
  const omega = Math.acos(Math.min(1, Math.max(-1, norms ? dot / norms : 1)));
  if (!norms || Math.sin(omega) < 1e-6) return a.map((x, i) => (1 - t) * x + t * b[i]);
  return a.map((x, i) => (Math.sin((1 - t) * omega) * x + Math.sin(t * omega) * b[i]) / Math.sin(omega));
}

async function main() {
  if (window.KGAN_ORT_WASM_PATHS) ort.env.wasm.wasmPaths = window.KGAN_ORT_WASM_PATHS;
  ort.env.wasm.numThreads = 1; // threads need cross-origin isolation, which a plain static host does not give
  const meta = await (await fetch("generator.onnx.json")).json();
  const session = await ort.InferenceSession.create("generator.onnx", { executionProviders: ["wasm"] });
  const signature = JSON.parse(meta.inputs);
  const shape = meta.image_shape.split(",").map(Number);
  const classes = Number(meta.num_classes || 0);
  const classNames = JSON.parse(meta.class_names || "[]");
  const codeSpec = JSON.parse(meta.code_spec || "[]");
  const latent = Number(meta.latent_dim);
  $("title").textContent = `kgan ${meta.variant}: ${meta.kind === "translator" ? "translator " + meta.direction : "generator"}`;
  const controls = $("controls");

  // `shapes`: per-sample shapes of inputs that differ from the signature's (an image of another size).
  async function run(feeds, n, shapes = {}) {
    const started = performance.now();
    const tensors = {};
    for (const [name, spec] of Object.entries(signature)) {
      const type = spec.dtype === "int32" ? "int32" : "float32";
      tensors[name] = new ort.Tensor(type, feeds[name], [n, ...(shapes[name] || spec.shape)]);
    }
    const output = (await session.run(tensors)).image;
    kgan.last = { inputs: Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, Array.from(v)])),
                  shape: output.dims.slice(), images: Array.from(output.data), ms: performance.now() - started };
    return output.data;
  }

  if (meta.kind === "translator") {
    const name = Object.keys(signature)[0];
    const file = element("input", { type: "file", id: "image-file", accept: "image/*" });
    controls.appendChild(labelled("Image to translate", file));
    const rule = meta.size_rule ? JSON.parse(meta.size_rule) : null;
    const anySize = signature[name].shape[0] === null; // an upscaler (super-resolution) takes every size
    const largest = anySize ? LARGEST_UPSCALED : LARGEST_SIDE;
    $("size-note").textContent = anySize
      ? `The picture is upscaled at its own size (scaled down to ${largest} px on its longer side if larger).`
      : rule
      ? `The picture is translated at its own size (scaled down to ${largest} px on its longer side if larger), ` +
        `rounded to the nearest sides this network takes: at least ${rule.minimum}, ${rule.remainder} more than a ` +
        `multiple of ${rule.multiple}.`
      : `The picture is resized to ${shape[0]} x ${shape[1]}, the size this file takes.`;
    file.addEventListener("change", async () => {
      const bitmap = await createImageBitmap(file.files[0]);
      let [h, w, c] = signature[name].shape;
      if (rule || anySize) {
        const scale = Math.min(1, largest / Math.max(bitmap.height, bitmap.width));
        [h, w] = [Math.round(bitmap.height * scale), Math.round(bitmap.width * scale)];
        if (rule) [h, w] = [nearestSide(rule, h), nearestSide(rule, w)];
      }
      const canvas = element("canvas", { width: w, height: h });
      const context = canvas.getContext("2d");
      context.drawImage(bitmap, 0, 0, w, h);
      const rgba = context.getImageData(0, 0, w, h).data;
      const source = new Float32Array(h * w * c);
      for (let p = 0; p < h * w; p++) {
        for (let k = 0; k < c; k++) {
          const value = c === 1 ? (rgba[p * 4] + rgba[p * 4 + 1] + rgba[p * 4 + 2]) / 3 : rgba[p * 4 + k];
          source[p * c + k] = value / 127.5 - 1;
        }
      }
      show($("walk"), source, 1, [h, w, c], true);
      show($("samples"), await run({ [name]: source }, 1, { [name]: [h, w, c] }), 1, kgan.last.shape.slice(1), true);
      $("status").textContent = `${anySize ? "upscaled" : "translated"} at ${h} x ${w} in ${kgan.last.ms.toFixed(0)} ms`;
    });
  } else {
    const seed = element("input", { type: "number", id: "seed", value: "0", min: "0" });
    const again = element("button", { id: "new-samples" }, "New samples");
    controls.append(labelled("Seed", seed), again);
    let label = null;
    let sentence = null;
    if (meta.vocabulary) { // text2image: the sentence every sample draws
      sentence = element("input", { type: "text", id: "text", size: "48", maxlength: meta.max_chars,
                                    placeholder: "a sentence, e.g. a red seven at the top left" });
      controls.appendChild(labelled("Text", sentence));
    }
    if (classes) {
      label = element("select", { id: "class" });
      for (let k = 0; k < classes; k++) label.appendChild(element("option", { value: k }, classNames[k] || String(k)));
      controls.appendChild(labelled("Class", label));
    }
    const codeControls = codeSpec.map((code, i) => {
      const control = code.kind === "categorical" ? element("select", { id: `code-${i}` })
        : element("input", { type: "range", id: `code-${i}`, min: "-1", max: "1", step: "0.05", value: "0" });
      if (code.kind === "categorical") for (let k = 0; k < code.size; k++) control.appendChild(element("option", { value: k }, String(k)));
      controls.appendChild(labelled(`Code ${i} (${code.kind})`, control));
      return control;
    });
    const walkA = element("input", { type: "number", id: "walk-a", value: "0", min: "0" });
    const walkB = element("input", { type: "number", id: "walk-b", value: "1", min: "0" });
    const walk = element("button", { id: "walk-button" }, "Interpolate");
    const walkRow = element("div");
    walkRow.append(labelled("From seed", walkA), labelled("to seed", walkB), walk);
    controls.appendChild(walkRow);

    function conditions(n) {
      const feeds = {};
      if (sentence) feeds.text = characterIds(sentence.value, meta, n);
      if (classes) feeds.label = new Int32Array(n).fill(Number(label.value));
      if (codeSpec.length) {
        const values = codeSpec.flatMap((code, i) => code.kind === "categorical"
          ? Array.from({ length: code.size }, (_, k) => (k === Number(codeControls[i].value) ? 1 : 0))
          : [Number(codeControls[i].value)]);
        feeds.code = new Float32Array(n * values.length).map((_, j) => values[j % values.length]);
      }
      return feeds;
    }

    async function samples() {
      if (sentence && !sentence.value.trim()) {
        $("status").textContent = "write a sentence to draw";
        return;
      }
      const feeds = { z: drawZ(Number(seed.value), GRID, latent, meta.z_dist), ...conditions(GRID) };
      show($("samples"), await run(feeds, GRID), GRID, shape);
      $("status").textContent = `${GRID} samples in ${kgan.last.ms.toFixed(0)} ms`;
    }

    async function interpolate() {
      const a = Array.from(drawZ(Number(walkA.value), 1, latent, meta.z_dist));
      const b = Array.from(drawZ(Number(walkB.value), 1, latent, meta.z_dist));
      const z = new Float32Array(WALK_FRAMES * latent);
      for (let f = 0; f < WALK_FRAMES; f++) {
        const t = f / (WALK_FRAMES - 1);
        z.set(meta.z_dist === "normal" ? slerp(a, b, t) : a.map((x, i) => (1 - t) * x + t * b[i]), f * latent);
      }
      show($("walk"), await run({ z, ...conditions(WALK_FRAMES) }, WALK_FRAMES), WALK_FRAMES, shape);
    }

    const report = (action) => () => action().catch((error) => { $("status").textContent = "error: " + error.message; });
    again.addEventListener("click", () => { seed.value = Number(seed.value) + 1; report(samples)(); });
    walk.addEventListener("click", report(interpolate));
    [seed, label, sentence, ...codeControls].filter(Boolean).forEach((control) => control.addEventListener("change", report(samples)));
    await samples();
  }
  kgan.ready = true;
}

main().catch((error) => {
  kgan.error = String(error);
  $("status").textContent = "error: " + error;
});
