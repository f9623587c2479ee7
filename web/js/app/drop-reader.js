// Reading the user's own files into a data set of 28 x 28 grey images: PNG, JPEG and WebP pictures, NumPy
// .npy arrays and IDX files (gzipped or not). Each file is known by its bytes, not its name. What cannot be
// used is skipped with the reason, and the rest still loads. Nothing leaves the page. DOM-free: it needs
// createImageBitmap and OffscreenCanvas, which workers have too.
import { parseIdx } from '../data.js';
import { SIDE, greyOf, toMnist } from './preprocess.js';
import { mulberry32 } from './random.js';
import { Said, msg } from '../i18n/i18n.js';

const PIXELS = SIDE * SIDE;
const MB = 1024 * 1024;

/** The documented caps (README, "Your own images"). */
export const LIMITS = {
  dropBytes: 256 * MB, // a whole drop: bigger is refused before any file is read
  fileBytes: 64 * MB, // one file
  images: 20_000, // images kept; the rest are skipped
  minImages: 2, // one to train on and one held out
  classes: 10, // labels with more names than this are dropped
  pictureSide: 280, // pictures bigger than this are scaled down as they are decoded
};

const mb = (n) => `${(n / MB).toFixed(n < 10 * MB ? 1 : 0)} MB`;

/** What a file's first bytes say it is: 'png', 'jpeg', 'webp', 'npy', 'idx-images', 'idx-labels', 'gzip' or null. */
export function sniff(b) {
  const at = (i, ...xs) => xs.every((x, k) => b[i + k] === x);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'webp';
  if (at(0, 0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)) return 'npy';
  if (at(0, 0, 0, 8, 3)) return 'idx-images';
  if (at(0, 0, 0, 8, 1)) return 'idx-labels';
  if (at(0, 0x1f, 0x8b)) return 'gzip';
  return null;
}

/** A NumPy .npy file of 28 x 28 images: uint8 (0 to 255) or float32/float64 (0 to 1), shaped (n, 28, 28),
 *  (n, 784), (28, 28) or (784,). Returns bytes (n * 784); throws an Error saying what is wrong. */
export function parseNpy(b) {
  const major = b[6];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (b.length < start + headerLen) throw new Said('the .npy header is cut short');
  const header = new TextDecoder('latin1').decode(b.subarray(start, start + headerLen));
  const descr = header.match(/'descr':\s*'([^']*)'/)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = header.match(/'shape':\s*\(([^)]*)\)/)?.[1];
  if (!descr || shapeText === undefined) throw new Said('the .npy header has no dtype or shape');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const shown = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  const types = { '|u1': [1, 'u8'], '<u1': [1, 'u8'], '<f4': [4, 'f32'], '<f8': [8, 'f64'] };
  if (!types[descr]) {
    throw new Said('its dtype is {descr}; this page reads uint8 (0 to 255) or float32/float64 (0 to 1)', { descr });
  }
  if (fortran) throw new Said('it is stored in Fortran order; save it with numpy.ascontiguousarray first');
  const ok = (shape.length === 3 && shape[1] === SIDE && shape[2] === SIDE)
    || (shape.length === 2 && shape[1] === PIXELS) || (shape.length === 2 && shape[0] === SIDE && shape[1] === SIDE)
    || (shape.length === 1 && shape[0] === PIXELS);
  if (!ok) throw new Said('its shape is {shape}, not 28 x 28 images: (n, 28, 28), (n, 784), (28, 28) or (784,)', { shape: shown });
  const count = shape.reduce((a, c) => a * c, 1);
  const [size, kind] = types[descr];
  const data = b.subarray(start + headerLen);
  if (data.length < count * size) throw new Said('its shape {shape} needs {need} bytes of data but it holds {held}', { shape: shown, need: String(count * size), held: String(data.length) });
  if (kind === 'u8') return data.slice(0, count);
  const values = kind === 'f32' ? new Float32Array(data.slice(0, count * 4).buffer) : new Float64Array(data.slice(0, count * 8).buffer);
  let bad = -1;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) { bad = i; break; }
    out[i] = Math.round(v * 255);
  }
  if (bad >= 0) throw new Said('its value {v} (element {i}) is outside 0 to 1; float images must be scaled to [0, 1]', { v: String(values[bad]), i: String(bad) });
  return out;
}

async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Decodes a picture with the browser's own decoder, scaled down to at most LIMITS.pictureSide a side. */
async function decodePicture(bytes, type) {
  let bitmap = await createImageBitmap(new Blob([bytes], { type: `image/${type}` }));
  const big = Math.max(bitmap.width, bitmap.height);
  if (big > LIMITS.pictureSide) {
    const s = LIMITS.pictureSide / big;
    const [w, h] = [Math.max(1, Math.round(bitmap.width * s)), Math.max(1, Math.round(bitmap.height * s))];
    const small = await createImageBitmap(bitmap, { resizeWidth: w, resizeHeight: h, resizeQuality: 'high' });
    bitmap.close();
    bitmap = small;
  }
  const { width: w, height: h } = bitmap;
  const ctx = new OffscreenCanvas(w, h).getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { grey: greyOf(ctx.getImageData(0, 0, w, h).data), w, h };
}

const base = (path) => path.split('/').pop();
const folderOf = (path) => { const parts = path.split('/'); return parts.length > 1 ? parts[parts.length - 2] : null; };
const prefixOf = (path) => base(path).match(/^([^_\-\s.]+)[_\-\s]/)?.[1] ?? null;

/** The label names of pictures: their folders if they are in two or more, else their file-name prefixes
 *  ("3_017.png", "coat-2.png") if those give two or more, else none. */
function pictureLabels(paths) {
  for (const of of [folderOf, prefixOf]) {
    const names = paths.map(of);
    if (names.every((n) => n !== null) && new Set(names).size >= 2) return names;
  }
  return null;
}

/** Pairs IDX image files with IDX label files: by name ('x-images.idx3-ubyte' with 'x-labels.idx1-ubyte'),
 *  or the only one of each. Returns [[images, labels or null]]. */
function pairIdx(images, labels) {
  const key = (f, word) => f.name.toLowerCase().replace(/\.gz$/, '').replace(word, '#').replace(/idx\d/, 'idx');
  const left = new Set(labels);
  const pairs = images.map((im) => {
    const match = labels.find((l) => left.has(l) && key(l, 'labels') === key(im, 'images'))
      ?? (images.length === 1 && labels.length === 1 ? labels[0] : null);
    if (match) left.delete(match);
    return [im, match];
  });
  return { pairs, unpaired: [...left] };
}

/**
 * Reads a drop. files: [{ file: File (or Blob with a name), path: 'folder/name.png' }]. options: { invert,
 * centre } (see toMnist; they apply to pictures, while arrays are taken as they are).
 * Returns { n, images: Uint8Array(n * 784), labels: Uint8Array(n) or null, classes: [names], skipped: [{ name,
 * reason }], notes: [text], inverted }. Throws an Error (nothing read) if the
 * drop as a whole is too big or empty.
 */
export async function readDrop(files, options = {}) {
  if (!files.length) throw new Said('The drop held no files.');
  const total = files.reduce((s, f) => s + f.file.size, 0);
  if (total > LIMITS.dropBytes) {
    throw new Said('The drop is {size} ({n} files): more than this page reads at once ({max}). Nothing was read; drop fewer or smaller files.', { size: mb(total), n: files.length, max: mb(LIMITS.dropBytes) });
  }
  const skipped = [];
  const notes = [];
  // A reason is a Said (or an error's message): its words are those of the moment it is read.
  const skip = (f, why) => skipped.push({ name: f.path, get reason() { return typeof why === 'string' ? why : why.message; } });
  const sorted = [...files].sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));

  // Sniff every file (reading only its bytes, never trusting its name), unpacking gzip.
  const kinds = { picture: [], npy: [], 'idx-images': [], 'idx-labels': [] };
  let pictureCount = 0;
  for (const f of sorted) {
    if (f.file.size === 0) { skip(f, new Said('the file is empty (0 bytes)')); continue; }
    if (f.file.size > LIMITS.fileBytes) { skip(f, new Said('the file is {size}, more than the {max} one file may be', { size: mb(f.file.size), max: mb(LIMITS.fileBytes) })); continue; }
    let bytes = new Uint8Array(await f.file.slice(0, 12).arrayBuffer());
    let kind = sniff(bytes);
    if (kind === null) {
      const ext = base(f.path).match(/\.([a-z0-9]+)$/i)?.[1];
      skip(f, ext ? new Said('its bytes are not a PNG, JPEG, WebP, .npy or IDX file, although its name ends in .{ext}', { ext }) : new Said('its bytes are not a PNG, JPEG, WebP, .npy or IDX file'));
      continue;
    }
    if (kind === 'png' || kind === 'jpeg' || kind === 'webp') {
      if (pictureCount >= LIMITS.images) { skip(f, new Said('more than {n} images: the cap', { n: LIMITS.images })); continue; }
      pictureCount++;
      kinds.picture.push({ ...f, type: kind });
      continue;
    }
    bytes = new Uint8Array(await f.file.arrayBuffer());
    if (kind === 'gzip') {
      try { bytes = await gunzip(bytes); } catch { skip(f, new Said('it looks gzipped but does not unpack (corrupt or cut short)')); continue; }
      kind = sniff(bytes);
      if (kind !== 'npy' && kind !== 'idx-images' && kind !== 'idx-labels') { skip(f, new Said('it unpacks to something that is not an .npy or IDX file')); continue; }
    }
    kinds[kind].push({ ...f, bytes, name: base(f.path) });
  }

  const parts = []; // { images: Uint8Array, labels: Uint8Array|null, names: [label names] or null }
  // Arrays first: they are data sets already, taken as they are.
  for (const f of kinds.npy) {
    try {
      const images = parseNpy(f.bytes);
      parts.push({ images, labels: null });
    } catch (e) { skip(f, e); }
  }
  const { pairs, unpaired } = pairIdx(kinds['idx-images'], kinds['idx-labels']);
  for (const f of unpaired) skip(f, new Said('an IDX labels file with no IDX images file beside it'));
  for (const [im, lab] of pairs) {
    try {
      const { dims, data } = parseIdx(im.bytes, 3, msg('IDX images'));
      if (dims[1] !== SIDE || dims[2] !== SIDE) throw new Said('its images are {w} x {h}, not 28 x 28', { w: dims[1], h: dims[2] });
      let labels = null;
      if (lab) {
        const l = parseIdx(lab.bytes, 1, msg('IDX labels'));
        if (l.dims[0] !== dims[0]) {
          throw new Said('it holds {n} images but {file} holds {k} labels: the counts must agree', { n: dims[0], file: lab.path, k: l.dims[0] });
        }
        if (l.data.some((v) => v >= LIMITS.classes)) notes.push(new Said('{file}: a label is {n} or more, so its labels were not used (at most {n} classes, 0 to {max}).', { file: lab.path, n: LIMITS.classes, max: LIMITS.classes - 1 }));
        else labels = l.data;
      }
      parts.push({ images: data, labels });
    } catch (e) {
      skip(im, e);
      if (lab) skip(lab, new Said('its images file {file} was skipped', { file: im.name }));
    }
  }

  // Pictures, decoded one at a time.
  const pictures = [];
  let inverted = 0;
  for (const f of kinds.picture) {
    let pic;
    try {
      pic = await decodePicture(await f.file.arrayBuffer(), f.type);
    } catch {
      skip(f, new Said('its {type} data could not be decoded (the file is corrupt or cut short)', { type: f.type.toUpperCase() }));
      continue;
    }
    const r = toMnist(pic.grey, pic.w, pic.h, options);
    if (r.reason) { skip(f, new Said(r.reason)); continue; }
    if (r.inverted) inverted++;
    pictures.push({ path: f.path, bytes: r.bytes });
  }
  if (pictures.length) {
    const lab = pictureLabels(pictures.map((p) => p.path));
    const images = new Uint8Array(pictures.length * PIXELS);
    pictures.forEach((p, i) => images.set(p.bytes, i * PIXELS));
    parts.push({ images, labels: null, names: lab });
    if (inverted) notes.push(inverted === 1 ? new Said('One dark-on-light picture was inverted to light ink on black, as MNIST\'s are.')
      : new Said('{n} dark-on-light pictures were inverted to light ink on black, as MNIST\'s are.', { n: inverted }));
  }
  return { ...combine(parts, notes), skipped, notes, inverted };
}

/** Joins the parts into one set, capped at LIMITS.images, with labels if every part has them. */
function combine(parts, notes) {
  let n = parts.reduce((s, p) => s + p.images.length / PIXELS, 0);
  if (n > LIMITS.images) {
    notes.push(new Said('{n} images were found; the first {max} were kept (the cap).', { n, max: LIMITS.images }));
    n = LIMITS.images;
  }
  const images = new Uint8Array(n * PIXELS);
  const named = []; // per image, its label name, or null
  let at = 0;
  for (const p of parts) {
    const k = Math.min(p.images.length / PIXELS, n - at);
    images.set(p.images.subarray(0, k * PIXELS), at * PIXELS);
    for (let i = 0; i < k; i++) named.push(p.names?.[i] ?? (p.labels ? String(p.labels[i]) : null));
    at += k;
  }
  let labels = null;
  let classes = [];
  if (n && named.every((x) => x !== null)) {
    const distinct = [...new Set(named)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (distinct.every((x) => /^\d$/.test(x))) {
      // Class numbers (an IDX file's labels, or pictures named 3_….png): the label is the number itself.
      classes = Array.from({ length: Math.max(...distinct.map(Number)) + 1 }, (_, i) => String(i));
      labels = Uint8Array.from(named, Number);
    } else if (distinct.length <= LIMITS.classes) {
      classes = distinct;
      labels = Uint8Array.from(named, (x) => distinct.indexOf(x));
    } else {
      notes.push(new Said('The labels have {n} names; at most {max} classes are used, so the images are unlabelled.', { n: distinct.length, max: LIMITS.classes }));
    }
  } else if (named.some((x) => x !== null)) {
    notes.push(new Said('Some images have labels and some do not, so all are unlabelled.'));
  }
  return { n, images, labels, classes };
}

/** Splits a data set read by readDrop into training and held-out images: a tenth held out (at least 1, at
 *  most 1,000), chosen by a seeded shuffle so the same drop gives the same split. Unlabelled images get label
 *  0. Returns { train, heldout }, each { n, bytes, labels }. Throws if there are too few images to split. */
export function holdOut({ n, images, labels }, seed = 1) {
  if (n < LIMITS.minImages) {
    throw new Said(n === 1 ? 'One image is not enough to train on: at least {min} are needed, one to learn from and one held out to measure the model.'
      : 'No image is not enough to train on: at least {min} are needed, one to learn from and one held out to measure the model.', { min: LIMITS.minImages });
  }
  const order = Array.from({ length: n }, (_, i) => i);
  const u = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(u() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  const k = Math.max(1, Math.min(1000, Math.round(n / 10)));
  const pick = (idx) => {
    const bytes = new Uint8Array(idx.length * PIXELS);
    idx.forEach((i, r) => bytes.set(images.subarray(i * PIXELS, (i + 1) * PIXELS), r * PIXELS));
    return { n: idx.length, bytes, labels: Uint8Array.from(idx, (i) => labels?.[i] ?? 0) };
  };
  // Held out in their original order, so a folder sorted by class stays sorted in the views.
  return { train: pick(order.slice(k)), heldout: pick(order.slice(0, k).sort((a, b) => a - b)) };
}
