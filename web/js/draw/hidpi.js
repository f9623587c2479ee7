// A canvas sized to its CSS box at the device's pixel ratio, cleared, with a context that draws in CSS pixels.

/** Returns { ctx, w, h } (w, h in CSS pixels), or null while the canvas is not laid out (hidden). */
export function sizedCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (!w || !h) return null;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}
