// The latent plane: axes in z units, the prior's 1-3 sigma rings, the current point, and pointer dragging
// (mouse, pen and touch through pointer events). It reports new z values; it does not decode.
const MARGIN = { left: 38, right: 12, top: 12, bottom: 34 };

export class LatentPlane {
  constructor(canvas, { range = 4, onPick = () => {} } = {}) {
    this.canvas = canvas;
    this.range = range;
    this.onPick = onPick;
    this.z = [0, 0];
    this.dragging = false;
    canvas.addEventListener('pointerdown', (e) => this.#down(e));
    canvas.addEventListener('pointermove', (e) => this.#move(e));
    canvas.addEventListener('pointerup', (e) => this.#up(e));
    canvas.addEventListener('pointercancel', (e) => this.#up(e));
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  setZ(z) {
    this.z = [z[0], z[1]];
    this.draw();
  }

  /** The plot square in CSS pixels. */
  #box() {
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    const size = Math.min(w - MARGIN.left - MARGIN.right, h - MARGIN.top - MARGIN.bottom);
    return { x: MARGIN.left, y: MARGIN.top, size };
  }

  toPx([z1, z2]) {
    const b = this.#box();
    return [b.x + ((z1 + this.range) / (2 * this.range)) * b.size, b.y + ((this.range - z2) / (2 * this.range)) * b.size];
  }

  toZ(px, py) {
    const b = this.#box();
    const clamp = (v) => Math.max(-this.range, Math.min(this.range, v));
    return [clamp(((px - b.x) / b.size) * 2 * this.range - this.range), clamp(this.range - ((py - b.y) / b.size) * 2 * this.range)];
  }

  #eventZ(e) {
    const r = this.canvas.getBoundingClientRect();
    return this.toZ(e.clientX - r.left, e.clientY - r.top);
  }

  #down(e) {
    if (e.button !== 0) return;
    this.dragging = true;
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // An inactive pointer id (a synthetic event) cannot be captured; dragging still works inside the canvas.
    }
    this.onPick(this.#eventZ(e));
    e.preventDefault();
  }

  #move(e) {
    if (this.dragging) this.onPick(this.#eventZ(e));
  }

  #up(e) {
    if (!this.dragging) return;
    this.dragging = false;
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
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
    const b = this.#box();
    const r = this.range;
    const css = getComputedStyle(document.documentElement);
    const ink = css.getPropertyValue('--ink').trim() || '#1d2330';
    const muted = css.getPropertyValue('--muted').trim() || '#5b6475';
    const accent = css.getPropertyValue('--accent').trim() || '#d1495b';

    ctx.fillStyle = '#fbfcfd';
    ctx.fillRect(b.x, b.y, b.size, b.size);

    // Integer grid lines, the axes through 0, and tick labels in z units.
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = muted;
    for (let v = -Math.floor(r); v <= Math.floor(r); v++) {
      const [x] = this.toPx([v, 0]);
      const [, y] = this.toPx([0, v]);
      ctx.strokeStyle = v === 0 ? '#aab2c0' : '#e8ebf0';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, b.y);
      ctx.lineTo(x, b.y + b.size);
      ctx.moveTo(b.x, y);
      ctx.lineTo(b.x + b.size, y);
      ctx.stroke();
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.fillText(String(v), x, b.y + b.size + 4);
      if (v !== -Math.floor(r)) {
        // The lowest z2 label would sit on the lowest z1 label in the corner: the z1 one serves both.
        ctx.textAlign = 'right';
        ctx.textBaseline = 'middle';
        ctx.fillText(String(v), b.x - 6, y);
      }
    }
    ctx.fillStyle = ink;
    ctx.font = 'italic 13px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'top';
    ctx.fillText('z₁', b.x + b.size, b.y + b.size + 18);
    ctx.textAlign = 'left';
    ctx.fillText('z₂', b.x + 4, b.y + 2);

    // The prior N(0, I): rings at 1, 2 and 3 sigma.
    const [cx, cy] = this.toPx([0, 0]);
    const unit = b.size / (2 * r);
    ctx.save();
    ctx.beginPath();
    ctx.rect(b.x, b.y, b.size, b.size);
    ctx.clip();
    ctx.setLineDash([4, 4]);
    ctx.strokeStyle = '#9aa5b8';
    for (const s of [1, 2, 3]) {
      ctx.beginPath();
      ctx.arc(cx, cy, s * unit, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.setLineDash([]);

    // The current point, with guides to the axes.
    const [px, py] = this.toPx(this.z);
    ctx.strokeStyle = accent;
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
    ctx.restore();

    ctx.strokeStyle = '#c9ced8';
    ctx.lineWidth = 1;
    ctx.strokeRect(b.x + 0.5, b.y + 0.5, b.size - 1, b.size - 1);
  }
}
