// The drawing pad, and the preprocessing that makes a drawing look like an MNIST digit: crop to the ink,
// scale the longer side to 20 pixels (keeping the aspect ratio, anti-aliased), and place it in a 28x28
// field so that its centre of mass sits at the centre, as LeCun et al. did for MNIST.
import { SIDE } from './digit.js';

export class DrawingPad {
  constructor(canvas, { onStroke = () => {}, lineWidth = 0.1 } = {}) {
    this.canvas = canvas;
    this.onStroke = onStroke;
    // As a fraction of the pad's side: 0.1 gives strokes of about 2.4 pixels once a drawing is fitted
    // into 20x20, like MNIST's.
    this.lineWidth = lineWidth;
    this.last = null;
    this.strokes = 0;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      try { canvas.setPointerCapture(e.pointerId); } catch { /* synthetic pointer */ }
      this.last = this.#local(e);
      this.#dot(this.last);
      e.preventDefault();
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.last) return;
      const p = this.#local(e);
      this.#line(this.last, p);
      this.last = p;
    });
    const end = () => {
      if (!this.last) return;
      this.last = null;
      this.strokes++;
      this.onStroke();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  clear() {
    const ctx = this.canvas.getContext('2d');
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.strokes = 0;
  }

  #local(e) {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * this.canvas.width, ((e.clientY - r.top) / r.height) * this.canvas.height];
  }

  #style(ctx) {
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = this.lineWidth * this.canvas.width;
  }

  #dot([x, y]) {
    const ctx = this.canvas.getContext('2d');
    this.#style(ctx);
    ctx.beginPath();
    ctx.arc(x, y, ctx.lineWidth / 2, 0, 2 * Math.PI);
    ctx.fill();
  }

  #line(a, b) {
    const ctx = this.canvas.getContext('2d');
    this.#style(ctx);
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0], b[1]);
    ctx.stroke();
  }
}

/** The drawing as the model's input: Float32Array(784) in [0, 1], or null if the pad is empty. */
export function preprocess(canvas) {
  const { width: w, height: h } = canvas;
  const src = canvas.getContext('2d').getImageData(0, 0, w, h).data;
  let [x0, y0, x1, y1] = [w, h, -1, -1];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (src[4 * (y * w + x)] > 16) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const s = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * s));
  const th = Math.max(1, Math.round(bh * s));
  // Halve in steps, then the last resize: smoother than one big downscale.
  let cur = document.createElement('canvas');
  cur.width = bw;
  cur.height = bh;
  cur.getContext('2d').drawImage(canvas, x0, y0, bw, bh, 0, 0, bw, bh);
  while (cur.width / 2 > tw && cur.height / 2 > th) {
    const next = document.createElement('canvas');
    next.width = Math.ceil(cur.width / 2);
    next.height = Math.ceil(cur.height / 2);
    const nctx = next.getContext('2d');
    nctx.imageSmoothingQuality = 'high';
    nctx.drawImage(cur, 0, 0, next.width, next.height);
    cur = next;
  }
  const box = document.createElement('canvas');
  box.width = tw;
  box.height = th;
  const bctx = box.getContext('2d');
  bctx.imageSmoothingQuality = 'high';
  bctx.drawImage(cur, 0, 0, tw, th);
  const small = bctx.getImageData(0, 0, tw, th).data;
  // Centre of mass of the 20-pixel box, then the whole-pixel offset that puts it at (14, 14).
  let [m, mx, my] = [0, 0, 0];
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = small[4 * (y * tw + x)];
      m += v; mx += v * (x + 0.5); my += v * (y + 0.5);
    }
  }
  const ox = Math.round(SIDE / 2 - mx / m);
  const oy = Math.round(SIDE / 2 - my / m);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const X = x + ox;
      const Y = y + oy;
      if (X >= 0 && X < SIDE && Y >= 0 && Y < SIDE) out[Y * SIDE + X] = small[4 * (y * tw + x)] / 255;
    }
  }
  return out;
}
