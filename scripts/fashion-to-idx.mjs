// Turns Debian's dataset-fashion-mnist (the four IDX .gz files of Zalando's Fashion-MNIST, all 70,000 images)
// into the split the explorer uses, as IDX files in <out>:
// - heldout: the first 100 images of each class of the standard 10,000-image test set, in the test set's
//   order, stored class after class (as the MNIST held-out set is);
// - train: the 60,000 images of the standard training set, in their order;
// - train-page: the first 12,000 of them, what the page's training panel downloads.
// Every header, count, size and label is checked; a file is written whole or not at all.
import { readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

const [src, out] = process.argv.slice(2);
if (!src || !out) throw new Error('usage: node fashion-to-idx.mjs <dir with the .gz files> <out dir>');
const HELD_OUT_PER_CLASS = 100;
const PIXELS = 784;

/** The IDX file `name` (gzipped) of unsigned bytes with `ndim` dimensions: { dims, data }. */
function readIdx(name, ndim) {
  const bytes = gunzipSync(readFileSync(join(src, name)));
  if (bytes.length < 4 + 4 * ndim || bytes.readUInt32BE(0) !== (0x0800 | ndim)) {
    throw new Error(`${name}: not an IDX file of ${ndim}-D unsigned bytes`);
  }
  const dims = Array.from({ length: ndim }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const data = bytes.subarray(4 + 4 * ndim);
  if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`${name}: ${data.length} bytes of data for dims ${dims}`);
  return { dims, data };
}

function load(prefix, count) {
  const images = readIdx(`${prefix}-images-idx3-ubyte.gz`, 3);
  const labels = readIdx(`${prefix}-labels-idx1-ubyte.gz`, 1);
  const [n, rows, cols] = images.dims;
  if (n !== count || rows !== 28 || cols !== 28) throw new Error(`${prefix}: ${n} images of ${rows}x${cols}, expected ${count} of 28x28`);
  if (labels.dims[0] !== n) throw new Error(`${prefix}: ${n} images but ${labels.dims[0]} labels`);
  if (labels.data.some((l) => l > 9)) throw new Error(`${prefix}: a label is outside 0 to 9`);
  return { n, images: images.data, labels: labels.data };
}

function idx(dims, data) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((n, i) => header.writeUInt32BE(n, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

const train = load('train', 60000);
const test = load('t10k', 10000);
const held = [];
for (let c = 0; c < 10; c++) {
  const picked = [];
  for (let i = 0; i < test.n && picked.length < HELD_OUT_PER_CLASS; i++) if (test.labels[i] === c) picked.push(i);
  if (picked.length < HELD_OUT_PER_CLASS) throw new Error(`the test set has only ${picked.length} images of class ${c}`);
  held.push(...picked);
}
// The page trains on the first 12,000 training images (1,200 of each class on average; the set is shuffled):
// a 9.4 MB download instead of 47 MB, about MNIST's 7 MB. `vae train` uses all 60,000.
const PAGE_TRAIN = 12000;
const sets = {
  train: { n: train.n, images: Buffer.from(train.images), labels: Buffer.from(train.labels) },
  'train-page': { n: PAGE_TRAIN, images: Buffer.from(train.images.subarray(0, PAGE_TRAIN * PIXELS)), labels: Buffer.from(train.labels.subarray(0, PAGE_TRAIN)) },
  heldout: {
    n: held.length,
    images: Buffer.concat(held.map((i) => test.images.subarray(i * PIXELS, (i + 1) * PIXELS))),
    labels: Buffer.from(held.map((i) => test.labels[i])),
  },
};
mkdirSync(out, { recursive: true });
for (const [name, set] of Object.entries(sets)) {
  const files = {
    [`${name}-images.idx3-ubyte`]: idx([set.n, 28, 28], set.images),
    [`${name}-labels.idx1-ubyte`]: idx([set.n], set.labels),
  };
  for (const [file, buf] of Object.entries(files)) {
    writeFileSync(join(out, `${file}.tmp`), buf);
    renameSync(join(out, `${file}.tmp`), join(out, file)); // never leave a half-written file behind
  }
  console.log(`fashion ${name}: ${set.n} images`);
}
