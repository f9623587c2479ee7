// Fetching and checking the held-out MNIST digits (IDX files made by scripts/make-data).
import { fetchBytes } from './model.js';

const HELDOUT_IMAGES = new URL('../data/heldout-images.idx3-ubyte', import.meta.url);
const HELDOUT_LABELS = new URL('../data/heldout-labels.idx1-ubyte', import.meta.url);

/** Parses an IDX file of unsigned bytes with `ndim` dimensions; throws an Error saying what is wrong. */
export function parseIdx(bytes, ndim, what) {
  if (bytes.length < 4 + 4 * ndim) throw new Error(`the ${what} file is too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 8 || bytes[3] !== ndim) {
    throw new Error(`the ${what} file does not start with the IDX magic of ${ndim}-D unsigned bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const data = bytes.subarray(4 + 4 * ndim);
  if (data.length !== size) throw new Error(`the ${what} file should hold ${size} bytes of data but holds ${data.length}`);
  return { dims, data };
}

/** The 1,000 held-out digits: { images: Float32Array(n*784) in [0, 1], bytes, labels, n }. */
export async function loadHeldout() {
  const [img, lab] = await Promise.all([fetchBytes(HELDOUT_IMAGES), fetchBytes(HELDOUT_LABELS)]);
  const images = parseIdx(img, 3, 'held-out images');
  const labels = parseIdx(lab, 1, 'held-out labels');
  const [n, rows, cols] = images.dims;
  if (rows !== 28 || cols !== 28) throw new Error(`held-out images are ${rows}x${cols}, not 28x28`);
  if (labels.dims[0] !== n) throw new Error(`there are ${n} held-out images but ${labels.dims[0]} labels`);
  if (labels.data.some((l) => l > 9)) throw new Error('a held-out label is outside 0 to 9');
  return { n, bytes: images.data, images: Float32Array.from(images.data, (b) => b / 255), labels: labels.data };
}
