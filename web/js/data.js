// Fetching and checking the MNIST splits (IDX files made by scripts/make-data). DOM-free: the training
// worker uses it too.
import { fetchBytes } from './assets.js';
import { Said, msg, t } from './i18n/i18n.js';

const dataUrl = (name) => new URL(`../data/${name}`, import.meta.url);

/** Parses an IDX file of unsigned bytes with `ndim` dimensions; throws an Error saying what is wrong. */
export function parseIdx(bytes, ndim, what) {
  if (bytes.length < 4 + 4 * ndim) throw new Said('the {what} file is too short for an IDX header', { what: () => t(what) });
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 8 || bytes[3] !== ndim) {
    throw new Said('the {what} file does not start with the IDX magic of {d}-D unsigned bytes', { what: () => t(what), d: ndim });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const data = bytes.subarray(4 + 4 * ndim);
  if (data.length !== size) throw new Said('the {what} file should hold {size} bytes of data but holds {held}', { what: () => t(what), size: String(size), held: String(data.length) });
  return { dims, data };
}

/** An IDX file of unsigned bytes: the magic (0, 0, 8, number of dimensions), each dimension as a big-endian
 *  u32, then `data` (whose length is the product of `dims`). */
export function idxBytes(data, dims) {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, 8, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** The images and labels of one split ('heldout' or 'train') of the data set in `folder` under web/data
 *  ('' for MNIST): { n, images: Float32Array(n*784) in [0, 1], bytes, labels }. onProgress(fraction) follows
 *  the download. Throws an Error that says what is wrong. */
export async function loadSplit(split, onProgress = () => {}, folder = '') {
  const what = split === 'train' ? msg('training') : msg('held-out');
  let got = [0, 0];
  const [img, lab] = await Promise.all([
    fetchBytes(dataUrl(`${folder}${split}-images.idx3-ubyte`), (l, t) => { got = [l, t]; if (t) onProgress(l / t); }),
    fetchBytes(dataUrl(`${folder}${split}-labels.idx1-ubyte`)),
  ]);
  if (got[1]) onProgress(1);
  const images = parseIdx(img, 3, split === 'train' ? msg('training images') : msg('held-out images'));
  const labels = parseIdx(lab, 1, split === 'train' ? msg('training labels') : msg('held-out labels'));
  const [n, rows, cols] = images.dims;
  if (rows !== 28 || cols !== 28) throw new Said('{what} images are {rows}x{cols}, not 28x28', { what: () => t(what), rows, cols });
  if (labels.dims[0] !== n) throw new Said('there are {n} {what} images but {k} labels', { n: String(n), what: () => t(what), k: String(labels.dims[0]) });
  if (labels.data.some((l) => l > 9)) throw new Said('a {what} label is outside 0 to 9', { what: () => t(what) });
  return { n, bytes: images.data, images: Float32Array.from(images.data, (b) => b / 255), labels: labels.data };
}

export const loadHeldout = (folder = '') => loadSplit('heldout', () => {}, folder);
