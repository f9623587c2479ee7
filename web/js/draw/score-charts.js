// The anomaly lab's two charts: histograms of per-image scores for several image sets on a logarithmic axis,
// with the threshold as a vertical line, and the ROC curve with the threshold's point.

import { t } from '../i18n/i18n.js';
import { sizedCanvas } from './hidpi.js';

const PAD = { l: 40, r: 12, t: 10, b: 30 };

/** The canvas sized, with the page's text and axis colours (CSS variables: presenter mode is dark). */
function sized(canvas) {
  const c = sizedCanvas(canvas);
  if (!c) return null;
  c.ctx.font = '12px system-ui, sans-serif';
  const css = getComputedStyle(canvas);
  c.ink = css.getPropertyValue('--muted').trim() || '#5b6475';
  c.axis = css.getPropertyValue('--plot-axis').trim() || '#aab2c0';
  return c;
}

/** The score axis of a histogram: log-spaced from `lo` to `hi` over the plot's width. */
export function scoreAxis(canvas, lo, hi) {
  const w = canvas.clientWidth;
  const a = Math.log(lo);
  const b = Math.log(hi);
  return {
    lo, hi,
    toPx: (v) => PAD.l + ((Math.log(Math.min(hi, Math.max(lo, v))) - a) / (b - a)) * (w - PAD.l - PAD.r),
    fromPx: (px) => Math.exp(a + ((px - PAD.l) / (w - PAD.l - PAD.r)) * (b - a)),
  };
}

/** sets: [{ label, colour, scores (sorted) }]; axis from scoreAxis; threshold in score units. Each set's
 *  histogram is normalised to its own peak (the sets differ in size), drawn as a filled outline. */
export function drawHistograms(canvas, sets, axis, threshold) {
  const c = sized(canvas);
  if (!c) return;
  const { ctx, w, h, ink, axis: axisColour } = c;
  const bins = 60;
  const ph = h - PAD.t - PAD.b;
  const a = Math.log(axis.lo);
  const b = Math.log(axis.hi);
  for (const s of sets) {
    if (!s.scores?.length) continue;
    const counts = new Float64Array(bins);
    for (const v of s.scores) counts[Math.min(bins - 1, Math.max(0, Math.floor(((Math.log(v) - a) / (b - a)) * bins)))]++;
    const peak = Math.max(...counts);
    ctx.beginPath();
    ctx.moveTo(PAD.l, PAD.t + ph);
    for (let k = 0; k < bins; k++) {
      const x0 = axis.toPx(Math.exp(a + ((b - a) * k) / bins));
      const x1 = axis.toPx(Math.exp(a + ((b - a) * (k + 1)) / bins));
      const y = PAD.t + ph - (counts[k] / peak) * ph * 0.92;
      ctx.lineTo(x0, y);
      ctx.lineTo(x1, y);
    }
    ctx.lineTo(w - PAD.r, PAD.t + ph);
    ctx.closePath();
    ctx.globalAlpha = 0.22;
    ctx.fillStyle = s.colour;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
  // The axis: nats, at 1, 2 and 5 times the powers of ten.
  ctx.strokeStyle = axisColour;
  ctx.fillStyle = ink;
  ctx.textAlign = 'center';
  ctx.beginPath();
  ctx.moveTo(PAD.l, PAD.t + ph);
  ctx.lineTo(w - PAD.r, PAD.t + ph);
  ctx.stroke();
  // Powers of ten always get their label; 2 and 5 only where they do not crowd their neighbours.
  const ticks = [];
  for (let p = Math.floor(Math.log10(axis.lo)); p <= Math.ceil(Math.log10(axis.hi)); p++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** p;
      if (v >= axis.lo && v <= axis.hi) ticks.push({ v, x: axis.toPx(v), text: v.toLocaleString('en'), major: m === 1 });
    }
  }
  const halfWidth = (t) => ctx.measureText(t.text).width / 2 + 6;
  const shown = ticks.filter((t) => t.major);
  for (const t of ticks.filter((k) => !k.major)) {
    if (shown.every((u) => Math.abs(u.x - t.x) > halfWidth(t) + halfWidth(u))) shown.push(t);
  }
  for (const t of ticks) {
    ctx.beginPath();
    ctx.moveTo(t.x, PAD.t + ph);
    ctx.lineTo(t.x, PAD.t + ph + 4);
    ctx.stroke();
    if (shown.includes(t)) ctx.fillText(t.text, Math.min(w - halfWidth(t) + 6, Math.max(halfWidth(t) - 6, t.x)), PAD.t + ph + 16);
  }
  ctx.fillText(t('score (nats, log scale)'), (PAD.l + w - PAD.r) / 2, h - 2);
  // The threshold.
  const x = axis.toPx(threshold);
  ctx.strokeStyle = '#b3261e';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(x, PAD.t);
  ctx.lineTo(x, PAD.t + ph);
  ctx.stroke();
  ctx.fillStyle = '#b3261e';
  ctx.beginPath();
  ctx.moveTo(x - 7, PAD.t);
  ctx.lineTo(x + 7, PAD.t);
  ctx.lineTo(x, PAD.t + 10);
  ctx.fill();
}

/** The ROC curve (fpr, tpr arrays) with the chance diagonal and the threshold's point [fpr, tpr]. */
export function drawRoc(canvas, curve, point, colour) {
  const c = sized(canvas);
  if (!c) return;
  const { ctx, w, h, ink, axis } = c;
  const side = Math.min(w - PAD.l - PAD.r, h - PAD.t - PAD.b);
  const X = (f) => PAD.l + f * side;
  const Y = (t) => PAD.t + side - t * side;
  ctx.strokeStyle = axis;
  ctx.strokeRect(X(0), Y(1), side, side);
  ctx.setLineDash([4, 4]);
  ctx.beginPath();
  ctx.moveTo(X(0), Y(0));
  ctx.lineTo(X(1), Y(1));
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = ink;
  ctx.textAlign = 'center';
  ctx.fillText(t('false-positive rate'), X(0.5), Y(0) + 24);
  ctx.fillText('0', X(0), Y(0) + 12);
  ctx.fillText('1', X(1), Y(0) + 12);
  ctx.save();
  ctx.translate(PAD.l - 26, Y(0.5));
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(t('true-positive rate'), 0, 0);
  ctx.restore();
  if (!curve) return;
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let i = 0; i < curve.fpr.length; i++) ctx[i ? 'lineTo' : 'moveTo'](X(curve.fpr[i]), Y(curve.tpr[i]));
  ctx.stroke();
  if (point) {
    ctx.fillStyle = '#b3261e';
    ctx.beginPath();
    ctx.arc(X(point[0]), Y(point[1]), 5, 0, 2 * Math.PI);
    ctx.fill();
  }
}
