// Install-time extraction of the frozen encoder (DESIGN §5): the ImageNet MobileNetV2 ×1.4 feature
// extractor that nsfwjs@4.4.0 (MIT) bundles as base64 JS modules, written out as a plain tfjs graph
// model (model.json + one weights .bin) under public/models/mobilenet_v2_140/.
//
// What changes on the way, and why:
// - the long Keras/TF-Hub name prefix is stripped, so nodes read `MobilenetV2/expanded_conv_12/add`;
// - the nsfwjs classification head (7×7 AvgPool, dense, softmax) is pruned: only the feature
//   extractor is wanted, and its fixed 7×7 pool only fits 224×224 inputs;
// - the input Placeholder accepts any B×H×W×3, and the signature names the three feature maps
//   (stride8, stride16, stride32);
// - weights stay uint8-quantised exactly as shipped (dequantised when loaded).
// Node builtins only: this runs as `postinstall`. Idempotent: it always rewrites the same files.
import { readFileSync, writeFileSync, mkdirSync, existsSync, rmSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PKG_DIR = join(ROOT, 'node_modules', 'nsfwjs');
const SRC_DIR = join(PKG_DIR, 'dist', 'models', 'mobilenet_v2_mid');
const OUT_DIR = join(ROOT, 'public', 'models', 'mobilenet_v2_140');
const WEIGHTS_FILE = 'group1-shard1of1.bin';
const PREFIX =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/' +
  'StatefulPartitionedCall/StatefulPartitionedCall/predict/';
const FEATURES = {
  stride8: 'MobilenetV2/expanded_conv_5/add',
  stride16: 'MobilenetV2/expanded_conv_12/add',
  stride32: 'MobilenetV2/Conv_1/Relu6',
};
const BYTES = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

function fail(message) {
  console.error(`extract-encoder: ${message}`);
  process.exit(1);
}

/** Evaluates one of nsfwjs's UMD bundles in an empty sandbox and returns its `module.exports`. */
function loadUmd(file) {
  const path = join(SRC_DIR, file);
  if (!existsSync(path)) fail(`expected ${relative(ROOT, path)}; is nsfwjs@4.4.0 installed?`);
  const module = { exports: {} };
  vm.runInNewContext(readFileSync(path, 'utf8'), { module, exports: module.exports }, { filename: path });
  return module.exports;
}

const strip = (name) => (name.startsWith(PREFIX) ? name.slice(PREFIX.length) : name);
const stripInput = (input) => (input.startsWith('^') ? `^${strip(input.slice(1))}` : strip(input));
const nodeOf = (input) => input.replace(/^\^/, '').replace(/:\d+$/, '');

/** Keeps only the nodes that the three feature maps depend on. */
function pruneTo(nodes, outputs) {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const keep = new Set();
  const stack = [...outputs];
  while (stack.length > 0) {
    const name = stack.pop();
    if (keep.has(name)) continue;
    const node = byName.get(name);
    if (node === undefined) fail(`the graph has no node ${name}; has the nsfwjs model changed?`);
    keep.add(name);
    for (const input of node.input ?? []) stack.push(nodeOf(input));
  }
  return nodes.filter((n) => keep.has(n.name));
}

const anyShape = { dim: [{ size: '-1' }, { size: '-1' }, { size: '-1' }, { size: '3' }] };

function transformTopology(topology) {
  const renamed = topology.node.map((n) => ({
    ...n,
    name: strip(n.name),
    ...(n.input ? { input: n.input.map(stripInput) } : {}),
  }));
  const nodes = pruneTo(renamed, Object.values(FEATURES)).map((n) =>
    n.op === 'Placeholder' ? { ...n, attr: { ...n.attr, shape: { shape: anyShape } } } : n,
  );
  return { ...topology, node: nodes };
}

function byteSize(spec) {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization ? spec.quantization.dtype : spec.dtype;
  if (!(dtype in BYTES)) fail(`weight ${spec.name} has unsupported dtype ${dtype}`);
  return count * BYTES[dtype];
}

/** Concatenates the shards, then copies out only the weights that the pruned graph still uses. */
function transformWeights(manifest, shards, keptNodes) {
  const all = Buffer.concat(shards);
  const kept = new Set(keptNodes.map((n) => n.name));
  const specs = [];
  const parts = [];
  let offset = 0;
  for (const group of manifest) {
    for (const spec of group.weights) {
      const size = byteSize(spec);
      const name = strip(spec.name);
      if (kept.has(name)) {
        specs.push({ ...spec, name });
        parts.push(all.subarray(offset, offset + size));
      }
      offset += size;
    }
  }
  if (offset !== all.length) fail(`manifest describes ${offset} bytes but the shards hold ${all.length}`);
  return { specs, data: Buffer.concat(parts) };
}

function main() {
  if (!existsSync(PKG_DIR)) fail('node_modules/nsfwjs is missing; run `npm install` first.');
  const version = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')).version;
  const model = loadUmd('model.min.js');
  if (model.format !== 'graph-model' || !Array.isArray(model.modelTopology?.node)) {
    fail('model.min.js is not a tfjs graph model; has the nsfwjs model changed?');
  }
  const manifest = model.weightsManifest;
  const shards = manifest
    .flatMap((group) => group.paths)
    .map((path) => Buffer.from(loadUmd(`${path}.min.js`), 'base64'));
  const topology = transformTopology(model.modelTopology);
  const { specs, data } = transformWeights(manifest, shards, topology.node);
  const tensorInfo = (name) => ({ name: `${name}:0`, dtype: 'DT_FLOAT' });
  const modelJson = {
    format: 'graph-model',
    generatedBy: model.generatedBy,
    convertedBy: model.convertedBy,
    userDefinedMetadata: {
      signature: {
        inputs: { 'input:0': { ...tensorInfo('input'), tensorShape: anyShape } },
        outputs: Object.fromEntries(Object.entries(FEATURES).map(([k, n]) => [k, tensorInfo(n)])),
      },
    },
    modelTopology: topology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };

  if (existsSync(OUT_DIR)) for (const f of readdirSync(OUT_DIR)) rmSync(join(OUT_DIR, f), { recursive: true });
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'model.json'), JSON.stringify(modelJson));
  writeFileSync(join(OUT_DIR, WEIGHTS_FILE), data);
  writeFileSync(join(OUT_DIR, 'LICENSE'), readFileSync(join(PKG_DIR, 'LICENSE')));
  writeFileSync(join(OUT_DIR, 'SOURCE.md'), sourceNote(version, specs.length, topology.node.length));
  console.log(
    `extract-encoder: wrote ${relative(ROOT, OUT_DIR)}/ (model.json, ${WEIGHTS_FILE} ` +
      `${(data.length / 1e6).toFixed(2)} MB, ${specs.length} weights, ${topology.node.length} nodes) ` +
      `from nsfwjs@${version}`,
  );
}

function sourceNote(version, weightCount, nodeCount) {
  return `# MobileNetV2 ×1.4 feature extractor (ImageNet)

Extracted at install time by \`scripts/encoder/extract-encoder.mjs\` from the npm package
\`nsfwjs@${version}\` (MIT, see LICENSE), folder \`dist/models/mobilenet_v2_mid/\`. That model is
TF-Hub \`mobilenet_v2_140_224\` (feature vector, batch norm folded into the convolutions) with a small
classification head, converted by the TensorFlow.js converter and quantised to uint8.

Changes: the head (AvgPool, dense, softmax) is removed; the name prefix
\`${PREFIX}\` is stripped; the input accepts any H×W; the signature outputs are
stride8 = \`${FEATURES.stride8}\`, stride16 = \`${FEATURES.stride16}\`,
stride32 = \`${FEATURES.stride32}\`. The input is NHWC RGB in [0, 1] (the graph maps it to [-1, 1]).
${weightCount} weights (uint8, as shipped), ${nodeCount} nodes.
`;
}

main();
