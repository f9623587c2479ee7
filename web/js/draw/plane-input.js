// Input on the latent plane: drag with one pointer to move the point (or press a dot); wheel, pinch,
// Shift-drag or middle-drag to zoom and pan; hover to highlight a dot. It reports picks and moves the view;
// all coordinates come from the PlaneView it is attached to.

export class PlaneInput {
  /** onPick(z, press?) is called with the plane's 2-D coordinates; a press's handler that returns false
   *  consumes it (no drag follows). */
  constructor(view, { onPick = () => {} } = {}) {
    this.view = view;
    this.canvas = view.canvas;
    this.onPick = onPick;
    this.pointers = new Map();
    this.gesture = null;
    const c = this.canvas;
    c.addEventListener('pointerdown', (e) => this.#down(e));
    c.addEventListener('pointermove', (e) => this.#move(e));
    c.addEventListener('pointerup', (e) => this.#up(e));
    c.addEventListener('pointercancel', (e) => this.#up(e));
    c.addEventListener('pointerleave', () => this.view.setHover(-1));
    c.addEventListener('wheel', (e) => this.#wheel(e), { passive: false });
    c.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  #local(e) {
    const r = this.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  #down(e) {
    const pan = e.button === 1 || e.button === 2 || (e.button === 0 && e.shiftKey);
    if (e.button !== 0 && !pan) return;
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // An inactive pointer id (a synthetic event) cannot be captured; dragging still works inside the canvas.
    }
    this.pointers.set(e.pointerId, this.#local(e));
    e.preventDefault();
    if (this.pointers.size === 2) {
      this.gesture = { kind: 'pinch', ...this.#pinchState() };
    } else if (pan) {
      this.gesture = { kind: 'pan', last: this.#local(e) };
    } else {
      this.gesture = { kind: 'pick' };
      const [px, py] = this.#local(e);
      const dot = this.view.dotAt(px, py, e.pointerType === 'mouse' ? 7 : 12);
      if (e.pointerType !== 'mouse') this.view.setHover(dot);
      // A handler that returns false consumed the press (e.g. to set an interpolation end): no drag follows.
      if (this.onPick(this.view.toZ(px, py), { start: true, dot }) === false) this.gesture = null;
    }
  }

  #pinchState() {
    const [p, q] = [...this.pointers.values()];
    return { mid: [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2], dist: Math.hypot(p[0] - q[0], p[1] - q[1]) || 1 };
  }

  #move(e) {
    const [px, py] = this.#local(e);
    if (!this.pointers.has(e.pointerId)) {
      if (e.pointerType === 'mouse') this.view.setHover(this.view.dotAt(px, py));
      return;
    }
    this.pointers.set(e.pointerId, [px, py]);
    const g = this.gesture;
    if (!g) return;
    if (g.kind === 'pick') {
      this.onPick(this.view.toZ(px, py));
    } else if (g.kind === 'pan') {
      this.#panBy(px - g.last[0], py - g.last[1]);
      g.last = [px, py];
    } else if (g.kind === 'pinch' && this.pointers.size === 2) {
      const now = this.#pinchState();
      this.#panBy(now.mid[0] - g.mid[0], now.mid[1] - g.mid[1]);
      this.view.zoomAt(now.mid[0], now.mid[1], g.dist / now.dist);
      Object.assign(g, now);
    }
  }

  #panBy(dx, dy) {
    const v = this.view.view;
    const unit = (2 * v.half) / this.view.box().size;
    this.view.setView({ cx: v.cx - dx * unit, cy: v.cy + dy * unit, half: v.half });
  }

  #up(e) {
    this.pointers.delete(e.pointerId);
    if (this.canvas.hasPointerCapture?.(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    this.gesture = this.pointers.size === 1 ? { kind: 'pan', last: [...this.pointers.values()][0] } : null;
  }

  #wheel(e) {
    e.preventDefault();
    const [px, py] = this.#local(e);
    this.view.zoomAt(px, py, Math.exp(Math.max(-1, Math.min(1, e.deltaY / 300))));
  }
}
