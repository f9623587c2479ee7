// The data sets' splits, checked against their sources read here independently (no browser): Fashion-MNIST's
// generated IDX files against Debian's .gz files, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { ROOT } from './harness.mjs';

const raw = (p) => readFileSync(p);
/** The payload of an IDX file after its header of `ndim` dimensions, and those dimensions. */
function payload(buf, ndim) {
  return { dims: Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i)), data: buf.subarray(4 + 4 * ndim) };
}

// Mutation that turns it red: take the held-out images from the training set, or 99 per class, in
// scripts/fashion-to-idx.mjs.
test('Fashion-MNIST: held-out is the first 100 of each class of the 10k test set, training is the 60k training set', () => {
  const src = dirname(execFileSync('dpkg', ['-L', 'dataset-fashion-mnist']).toString().split('\n').find((l) => l.endsWith('/t10k-images-idx3-ubyte.gz')));
  const gz = (name, ndim) => payload(gunzipSync(raw(join(src, name))), ndim);
  const out = join(ROOT, 'web', 'data', 'fashion-mnist');
  const testImages = gz('t10k-images-idx3-ubyte.gz', 3).data;
  const testLabels = gz('t10k-labels-idx1-ubyte.gz', 1).data;
  const held = payload(raw(join(out, 'heldout-images.idx3-ubyte')), 3);
  const heldLabels = payload(raw(join(out, 'heldout-labels.idx1-ubyte')), 1);
  assert.deepEqual(held.dims, [1000, 28, 28]);
  let k = 0;
  for (let c = 0; c < 10; c++) {
    let taken = 0;
    for (let i = 0; i < 10000 && taken < 100; i++) {
      if (testLabels[i] !== c) continue;
      assert.equal(heldLabels.data[k], c, `held-out ${k}'s label`);
      assert.ok(held.data.subarray(k * 784, (k + 1) * 784).equals(testImages.subarray(i * 784, (i + 1) * 784)), `held-out ${k} is test image ${i}`);
      taken++;
      k++;
    }
  }
  assert.equal(k, 1000);
  const train = payload(raw(join(out, 'train-images.idx3-ubyte')), 3);
  const trainLabels = payload(raw(join(out, 'train-labels.idx1-ubyte')), 1);
  assert.deepEqual(train.dims, [60000, 28, 28]);
  assert.ok(train.data.equals(gz('train-images-idx3-ubyte.gz', 3).data), 'the training images, in order');
  assert.ok(trainLabels.data.equals(gz('train-labels-idx1-ubyte.gz', 1).data), 'the training labels, in order');
  // All ten classes, 6,000 each, as the data set's paper says.
  const counts = Array(10).fill(0);
  for (const l of trainLabels.data) counts[l]++;
  assert.deepEqual(counts, Array(10).fill(6000));
});
