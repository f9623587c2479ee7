// Turning a decoded picture into a 28 x 28 grey image with bright ink on black, as MNIST's are: grey from
// RGBA, optional inversion, and either a plain fit into the square or MNIST's own recipe (the ink's bounding
// box scaled to fit 20 x 20, then shifted so that its centre of mass is the image's centre; LeCun et al.).
// Pure functions of arrays: no canvas, so the tests run them in Node and the numbers are the same everywhere.
export const SIDE = 28;
const BOX = 20; // MNIST's digits fit a 20 x 20 box inside the 28 x 28 field
const INK = 0.1; // grey above this counts as ink when the bounding box is found

/** Luma (Rec. 601) of RGBA bytes composited over white, in [0, 1]: one number per pixel. */
export function greyOf(rgba) {
  const n = rgba.length / 4;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rgba[4 * i + 3] / 255;
    const luma = (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255;
    out[i] = a * luma + (1 - a);
  }
  return out;
}

/** Whether a w x h grey picture is dark on light: the mean of its outermost pixels is above one half. */
export function darkOnLight(grey, w, h) {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (y === 0 || y === h - 1 || x === 0 || x === w - 1) { sum += grey[y * w + x]; n++; }
    }
  }
  return sum / n > 0.5;
}

/** The smallest box holding every pixel above `t`: { x0, y0, x1, y1 } (x1, y1 exclusive), or null if none. */
export function inkBox(grey, w, h, t = INK) {
  let x0 = w, y0 = h, x1 = 0, y1 = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (grey[y * w + x] > t) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x + 1);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y + 1);
      }
    }
  }
  return x1 > x0 ? { x0, y0, x1, y1 } : null;
}

/** Weights of an area-averaging resize of n samples to m: m rows of [first index, weights...]. */
function areaWeights(n, m) {
  const rows = [];
  const scale = n / m;
  for (let j = 0; j < m; j++) {
    const a = j * scale;
    const b = a + scale;
    const first = Math.floor(a);
    const w = [];
    for (let i = first; i < Math.min(n, Math.ceil(b)); i++) w.push((Math.min(b, i + 1) - Math.max(a, i)) / scale);
    rows.push([first, w]);
  }
  return rows;
}

/** Resizes a w x h grey picture to W x H, each output pixel the area-weighted mean of what it covers. */
export function resize(grey, w, h, W, H) {
  const wx = areaWeights(w, W);
  const wy = areaWeights(h, H);
  const rows = new Float32Array(W * h);
  for (let y = 0; y < h; y++) {
    for (let X = 0; X < W; X++) {
      const [first, ws] = wx[X];
      let s = 0;
      for (let k = 0; k < ws.length; k++) s += ws[k] * grey[y * w + first + k];
      rows[y * W + X] = s;
    }
  }
  const out = new Float32Array(W * H);
  for (let Y = 0; Y < H; Y++) {
    const [first, ws] = wy[Y];
    for (let X = 0; X < W; X++) {
      let s = 0;
      for (let k = 0; k < ws.length; k++) s += ws[k] * rows[(first + k) * W + X];
      out[Y * W + X] = s;
    }
  }
  return out;
}

function crop(grey, w, { x0, y0, x1, y1 }) {
  const cw = x1 - x0;
  const out = new Float32Array(cw * (y1 - y0));
  for (let y = y0; y < y1; y++) out.set(grey.subarray(y * w + x0, y * w + x1), (y - y0) * cw);
  return out;
}

/** Writes a w x h picture into a SIDE x SIDE field of zeros with its top-left corner at (left, top). */
function place(grey, w, h, left, top) {
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const X = x + left;
      const Y = y + top;
      if (X >= 0 && X < SIDE && Y >= 0 && Y < SIDE) out[Y * SIDE + X] = grey[y * w + x];
    }
  }
  return out;
}

/** The centre of mass { x, y } of a w x h grey picture, in pixel centres (the middle of pixel 0 is 0.5). */
export function centreOfMass(grey, w, h) {
  let m = 0, sx = 0, sy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = grey[y * w + x];
      m += v; sx += v * (x + 0.5); sy += v * (y + 0.5);
    }
  }
  return m > 0 ? { x: sx / m, y: sy / m } : { x: w / 2, y: h / 2 };
}

/** A w x h grey picture as a SIDE x SIDE image, bright ink on black, as bytes 0 to 255.
 *  invert: 'auto' (invert a dark-on-light picture), 'on' or 'off'. centre: MNIST's crop and centring;
 *  otherwise the picture is fitted whole, keeping its aspect (a 28 x 28 picture comes through unchanged).
 *  Returns { bytes, inverted } or { reason } when a centred picture has no ink to find. */
export function toMnist(grey, w, h, { invert = 'auto', centre = false } = {}) {
  const inverted = invert === 'on' || (invert === 'auto' && darkOnLight(grey, w, h));
  let g = inverted ? grey.map((v) => 1 - v) : grey;
  let field;
  if (centre) {
    const box = inkBox(g, w, h);
    if (!box) return { reason: 'it is blank: no ink to crop and centre' };
    const bw = box.x1 - box.x0;
    const bh = box.y1 - box.y0;
    const s = BOX / Math.max(bw, bh);
    const W = Math.max(1, Math.round(bw * s));
    const H = Math.max(1, Math.round(bh * s));
    g = resize(crop(g, w, box), bw, bh, W, H);
    const c = centreOfMass(g, W, H);
    field = place(g, W, H, Math.round(SIDE / 2 - c.x), Math.round(SIDE / 2 - c.y));
  } else {
    const s = SIDE / Math.max(w, h);
    const W = Math.max(1, Math.round(w * s));
    const H = Math.max(1, Math.round(h * s));
    field = place(W === w && H === h ? g : resize(g, w, h, W, H), W, H, Math.floor((SIDE - W) / 2), Math.floor((SIDE - H) / 2));
  }
  return { bytes: Uint8Array.from(field, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)), inverted };
}
