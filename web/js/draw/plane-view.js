// The latent plane's view: axes in z units, the prior's 1-3 sigma rings, the held-out digits as dots coloured
// by class, the current point, and overlays (interpolation endpoints and path, an encoded digit's sigma
// ellipse and samples). It maps between z and CSS pixels and draws; it handles no input (plane-input.js
// does) and decodes nothing. It shows two coordinates; which two of an N-D z is the caller's choice.
import { CLASS_COLOURS } from './palette.js';

const MARGIN = { left: 40, right: 12, top: 12, bottom: 36 };
export const DEFAULT_VIEW = { cx: 0, cy: 0, half: 4 };
const MIN_HALF = 0.05;
const MAX_HALF = 50;

/** A round tick step giving about `target` ticks over `span`. */
function tickStep(span, target = 8) {
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
}

export class PlaneView {
  constructor(canvas, { onView = () => {}, onHover = () => {}, showPoint = true, axes = ['z₁', 'z₂'] } = {}) {
    this.canvas = canvas;
    this.showPoint = showPoint;
    this.onView = onView;
    this.onHover = onHover;
    this.axes = axes;
    this.view = { ...DEFAULT_VIEW };
    this.z = [0, 0];
    // Points given to the view are N-D (z, overlays) or flat with `stride` numbers each (dots); it shows
    // coordinates pair[0] and pair[1].
    this.pair = [0, 1];
    this.stride = 2;
    this.dots = null; // { mu: Float32Array(n*2), labels: Uint8Array(n) }
    this.hiddenClasses = new Set();
    this.hover = -1;
    this.overlay = { a: null, b: null, path: null, ellipse: null, samples: null, point: null };
    this.frame = 0;
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  /** The names of the two coordinates shown, e.g. ['z₃', 'z₅']. */
  setAxes(axes) {
    this.axes = axes;
    this.requestDraw();
  }

  /** The highlighted dot (-1: none); reported to onHover. */
  setHover(i) {
    if (i === this.hover) return;
    this.hover = i;
    this.requestDraw();
    this.onHover(i);
  }

  /** Moves the point and redraws now: callers already do this at most once per frame. */
  setZ(z) {
    this.z = Array.from(z);
    this.draw();
  }

  /** Which two coordinates of the N-D points to show, and how many numbers each dot has. */
  setPair(pair, stride) {
    this.pair = [pair[0], pair[1]];
    this.stride = stride;
    this.requestDraw();
  }

  /** The shown coordinates of an N-D point. */
  xy(p) {
    return [p[this.pair[0]], p[this.pair[1]] ?? 0];
  }

  /** The shown coordinates of dot i. */
  dotXy(i) {
    const { mu } = this.dots;
    const at = this.stride * i;
    return [mu[at + this.pair[0]], mu[at + this.pair[1]] ?? 0];
  }

  setDots(mu, labels) {
    this.dots = { mu, labels };
    this.requestDraw();
  }

  setOverlay(patch) {
    Object.assign(this.overlay, patch);
    this.requestDraw();
  }

  setHiddenClasses(set) {
    this.hiddenClasses = new Set(set);
    this.requestDraw();
  }

  setView(view) {
    const half = Math.min(MAX_HALF, Math.max(MIN_HALF, view.half));
    this.view = { cx: view.cx, cy: view.cy, half };
    this.requestDraw();
    this.onView({ ...this.view });
  }

  resetView() {
    this.setView(DEFAULT_VIEW);
  }

  /** Zooms by `factor` (< 1 zooms in) keeping the z under CSS pixel (px, py) fixed. */
  zoomAt(px, py, factor) {
    const [zx, zy] = this.toZ(px, py, false);
    const half = Math.min(MAX_HALF, Math.max(MIN_HALF, this.view.half * factor));
    const k = half / this.view.half;
    this.setView({ cx: zx - (zx - this.view.cx) * k, cy: zy - (zy - this.view.cy) * k, half });
  }

  zoomCentre(factor) {
    const b = this.box();
    this.zoomAt(b.x + b.size / 2, b.y + b.size / 2, factor);
  }

  /** CSS pixels per unit of z at the current zoom. */
  pixelsPerZ() {
    return this.box().size / (2 * this.view.half);
  }

  requestDraw() {
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }

  /** The plot square in CSS pixels. */
  box() {
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    const size = Math.max(1, Math.min(w - MARGIN.left - MARGIN.right, h - MARGIN.top - MARGIN.bottom));
    return { x: MARGIN.left, y: MARGIN.top, size };
  }

  toPx([z1, z2]) {
    const b = this.box();
    const { cx, cy, half } = this.view;
    return [b.x + ((z1 - cx + half) / (2 * half)) * b.size, b.y + ((cy + half - z2) / (2 * half)) * b.size];
  }

  /** CSS pixel -> z; clamped to the visible square unless `clamp` is false. */
  toZ(px, py, clamp = true) {
    const b = this.box();
    const { cx, cy, half } = this.view;
    let fx = (px - b.x) / b.size;
    let fy = (py - b.y) / b.size;
    if (clamp) {
      fx = Math.max(0, Math.min(1, fx));
      fy = Math.max(0, Math.min(1, fy));
    }
    return [cx - half + fx * 2 * half, cy + half - fy * 2 * half];
  }

  /** Index of the visible dot nearest to CSS pixel (px, py) within `radius` pixels, or -1. */
  dotAt(px, py, radius = 7) {
    if (!this.dots) return -1;
    const { labels } = this.dots;
    let best = -1;
    let bestD = radius * radius;
    for (let i = 0; i < labels.length; i++) {
      if (this.hiddenClasses.has(labels[i])) continue;
      const [x, y] = this.toPx(this.dotXy(i));
      const d = (x - px) ** 2 + (y - py) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  draw() {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (!w || !h) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const b = this.box();
    const css = getComputedStyle(document.body);
    const colour = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    const ink = colour('--ink', '#1d2330');
    const muted = colour('--muted', '#5b6475');
    const accent = colour('--accent', '#d1495b');
    const plotBg = colour('--plot-bg', '#fbfcfd');
    const grid = colour('--plot-grid', '#e8ebf0');
    const axis = colour('--plot-axis', '#aab2c0');

    ctx.fillStyle = plotBg;
    ctx.fillRect(b.x, b.y, b.size, b.size);

    // Grid lines at round z values, the axes through 0, and tick labels in z units.
    const { cx, cy, half } = this.view;
    const step = tickStep(2 * half);
    const decimals = Math.max(0, -Math.floor(Math.log10(step)));
    const label = (v) => (Math.abs(v) < step / 2 ? '0' : v.toFixed(decimals));
    ctx.font = '12px system-ui, sans-serif';
    ctx.lineWidth = 1;
    for (let v = Math.ceil((cx - half) / step) * step; v <= cx + half + 1e-9; v += step) {
      const [x] = this.toPx([v, 0]);
      ctx.strokeStyle = Math.abs(v) < step / 2 ? axis : grid;
      ctx.beginPath();
      ctx.moveTo(x, b.y);
      ctx.lineTo(x, b.y + b.size);
      ctx.stroke();
      ctx.fillStyle = muted;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.fillText(label(v), x, b.y + b.size + 4);
    }
    for (let v = Math.ceil((cy - half) / step) * step; v <= cy + half + 1e-9; v += step) {
      const [, y] = this.toPx([0, v]);
      ctx.strokeStyle = Math.abs(v) < step / 2 ? axis : grid;
      ctx.beginPath();
      ctx.moveTo(b.x, y);
      ctx.lineTo(b.x + b.size, y);
      ctx.stroke();
      if (y < b.y + b.size - 8) {
        // The lowest z2 label would sit on the first z1 label in the corner.
        ctx.fillStyle = muted;
        ctx.textAlign = 'right';
        ctx.textBaseline = 'middle';
        ctx.fillText(label(v), b.x - 6, y);
      }
    }
    ctx.fillStyle = ink;
    ctx.font = 'italic 13px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'top';
    ctx.fillText(this.axes[0], b.x + b.size, b.y + b.size + 19);
    ctx.textAlign = 'left';
    ctx.fillText(this.axes[1], b.x + 4, b.y + 2);

    ctx.save();
    ctx.beginPath();
    ctx.rect(b.x, b.y, b.size, b.size);
    ctx.clip();
    const unit = b.size / (2 * half);

    // The prior N(0, I): rings at 1, 2 and 3 sigma.
    const [ox, oy] = this.toPx([0, 0]);
    ctx.setLineDash([4, 4]);
    ctx.strokeStyle = colour('--prior', '#9aa5b8');
    for (const s of [1, 2, 3]) {
      ctx.beginPath();
      ctx.arc(ox, oy, s * unit, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.setLineDash([]);

    // Held-out digits at their encoder means, coloured by class.
    if (this.dots) {
      const { labels } = this.dots;
      const r = Math.max(1.5, Math.min(3.5, unit / 40));
      ctx.globalAlpha = 0.8;
      for (let i = 0; i < labels.length; i++) {
        if (this.hiddenClasses.has(labels[i])) continue;
        const [x, y] = this.toPx(this.dotXy(i));
        ctx.fillStyle = CLASS_COLOURS[labels[i]];
        ctx.beginPath();
        ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.globalAlpha = 1;
      if (this.hover >= 0) {
        const [x, y] = this.toPx(this.dotXy(this.hover));
        ctx.strokeStyle = ink;
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(x, y, r + 4, 0, 2 * Math.PI);
        ctx.stroke();
      }
    }

    this.#drawOverlays(ctx, unit, ink);

    // The current point, with guides to the axes.
    if (this.showPoint) {
      const [px, py] = this.toPx(this.xy(this.z));
      ctx.strokeStyle = accent;
      ctx.lineWidth = 1;
      ctx.globalAlpha = 0.35;
      ctx.beginPath();
      ctx.moveTo(px, b.y + b.size);
      ctx.lineTo(px, py);
      ctx.lineTo(b.x, py);
      ctx.stroke();
      ctx.globalAlpha = 1;
      ctx.fillStyle = accent;
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.arc(px, py, 8, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
    ctx.restore();

    ctx.strokeStyle = colour('--line', '#c9ced8');
    ctx.lineWidth = 1;
    ctx.strokeRect(b.x + 0.5, b.y + 0.5, b.size - 1, b.size - 1);
  }

  #drawOverlays(ctx, unit, ink) {
    const { a, b, path, ellipse, samples } = this.overlay;
    if (path && path.length >= 2) {
      ctx.strokeStyle = ink;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      path.forEach((p, i) => {
        const [x, y] = this.toPx(this.xy(p));
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = ink;
      for (const p of path) {
        const [x, y] = this.toPx(this.xy(p));
        ctx.fillRect(x - 2, y - 2, 4, 4);
      }
    }
    for (const [p, name] of [[a, 'A'], [b, 'B']]) {
      if (!p) continue;
      const [x, y] = this.toPx(this.xy(p));
      ctx.fillStyle = '#fff';
      ctx.strokeStyle = ink;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.rect(x - 9, y - 9, 18, 18);
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = ink;
      ctx.font = 'bold 12px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(name, x, y + 0.5);
    }
    if (ellipse) {
      // An autoencoder's code is a point: no sigma, no ellipse, only the centre.
      const [x, y] = this.toPx(this.xy(ellipse.mu));
      if (ellipse.sigma) {
        ctx.strokeStyle = '#0b7a75';
        ctx.fillStyle = 'rgba(11, 122, 117, 0.12)';
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.ellipse(x, y, ellipse.sigma[0] * ellipse.factor * unit, ellipse.sigma[1] * ellipse.factor * unit, 0, 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
      }
      ctx.fillStyle = '#0b7a75';
      ctx.beginPath();
      ctx.arc(x, y, ellipse.sigma ? 4 : 6, 0, 2 * Math.PI);
      ctx.fill();
      if (ellipse.sigma && ellipse.factor !== 1) {
        ctx.font = '12px system-ui, sans-serif';
        ctx.textAlign = 'left';
        ctx.textBaseline = 'bottom';
        ctx.fillText(`σ ×${ellipse.factor}`, x + ellipse.sigma[0] * ellipse.factor * unit + 4, y - 4);
      }
    }
    if (samples) {
      ctx.fillStyle = '#0b7a75';
      for (const p of samples) {
        const [x, y] = this.toPx(this.xy(p));
        ctx.beginPath();
        ctx.moveTo(x, y - 4);
        ctx.lineTo(x + 4, y);
        ctx.lineTo(x, y + 4);
        ctx.lineTo(x - 4, y);
        ctx.closePath();
        ctx.fill();
      }
    }
  }
}
