// The loss chart of the training panel: negative ELBO, reconstruction and KL against steps, on training
// batches (lines) and the held-out set (dots), with the pretrained model's held-out figure as a band.

import { sizedCanvas } from './hidpi.js';
import { msg, t } from '../i18n/i18n.js';

const SERIES = [
  { i: 1, name: msg('−ELBO'), colour: '#1d2330' },
  { i: 2, name: msg('recon'), colour: '#3b6fb6' },
  { i: 3, name: msg('KL'), colour: '#c2762b' },
];

/**
 * history: { train: [[step, loss, recon, kl]], heldout: [...] }; reference: { loss, recon, kl } of the
 * pretrained model on the held-out set, or null. The KL uses a second axis on the right (it is ~100x smaller).
 */
export function drawLossChart(canvas, history, reference) {
  const c = sizedCanvas(canvas);
  if (!c) return;
  const { ctx, w, h } = c;
  ctx.font = '11px system-ui, sans-serif';
  const pad = { l: 44, r: 36, t: 10, b: 26 };
  const pw = w - pad.l - pad.r;
  const ph = h - pad.t - pad.b;
  const train = history.train;
  const held = history.heldout;
  const lastStep = Math.max(10, train.at(-1)?.[0] ?? 0, held.at(-1)?.[0] ?? 0);

  // Left axis: nats for -ELBO and recon, down to below the reference band. The first steps (~550 nats at
  // initialisation) would flatten everything after them: the axis tops out at the values after the first 10 %
  // of the steps, and earlier points are clipped at the top edge.
  const settled = (r) => r[0] >= lastStep * 0.1;
  const [vLo, vHi] = extent([train, held], [1, 2]);
  const [, laterHi] = extent([train, held], [1, 2], settled);
  const [, klMax] = extent([train, held], [3]);
  const lo = Math.max(0, Math.min(reference ? reference.recon - 10 : Infinity, vLo) - 5);
  const top = Number.isFinite(laterHi) ? laterHi : Math.max(vHi, 0);
  const hi = Math.max(lo + 20, Math.min(600, Math.max(top + 10, reference ? reference.loss + 20 : 0)));
  const klHi = Math.max(1, klMax, reference ? reference.kl * 1.2 : 0) * 1.1;
  const x = (step) => pad.l + (step / lastStep) * pw;
  const y = (v) => pad.t + ph - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * ph;
  const yKl = (v) => pad.t + ph - (Math.min(klHi, Math.max(0, v)) / klHi) * ph;

  ctx.strokeStyle = '#dde1e8';
  ctx.fillStyle = '#5b6475';
  ctx.lineWidth = 1;
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.l, y(v));
    ctx.lineTo(pad.l + pw, y(v));
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.fillText(v.toFixed(0), pad.l - 4, y(v) + 4);
    ctx.textAlign = 'left';
    ctx.fillStyle = SERIES[2].colour;
    ctx.fillText(((klHi * k) / 4).toFixed(1), pad.l + pw + 4, yKl((klHi * k) / 4) + 4);
    ctx.fillStyle = '#5b6475';
  }
  ctx.textAlign = 'center';
  ctx.fillText(t('step (0 to {n})', { n: lastStep }), pad.l + pw / 2, h - 6);

  if (reference) {
    // The pretrained model's held-out -ELBO, as a band of +-1 nat.
    ctx.fillStyle = 'rgb(46 125 50 / 0.18)';
    ctx.fillRect(pad.l, y(reference.loss + 1), pw, Math.max(2, y(reference.loss - 1) - y(reference.loss + 1)));
    ctx.fillStyle = '#2e7d32';
    ctx.textAlign = 'left';
    ctx.fillText(t('pretrained model, held-out: {v}', { v: reference.loss.toFixed(1) }), pad.l + 4, y(reference.loss) + 14);
  }

  // A long session has tens of thousands of chunks: draw one averaged point per pixel column.
  const lines = bucketMeans(train, lastStep, Math.max(50, Math.round(pw)));
  // An autoencoder's rows have no KL (null): its series is left out.
  const series = SERIES.filter((s) => [...lines, ...held].some((r) => Number.isFinite(r[s.i])));
  for (const s of series) {
    const yy = s.i === 3 ? yKl : y;
    ctx.strokeStyle = s.colour;
    ctx.globalAlpha = 0.8;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    lines.forEach((r, k) => (k ? ctx.lineTo(x(r[0]), yy(r[s.i])) : ctx.moveTo(x(r[0]), yy(r[s.i]))));
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.fillStyle = s.colour;
    for (const r of held) {
      ctx.beginPath();
      ctx.arc(x(r[0]), yy(r[s.i]), 3.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  drawLegend(ctx, pad, pw, series);
}

/** The legend at the plot's top right, where the falling curves leave room (the first steps' high losses
 *  and the first held-out dot sit at the top left). Entries are laid out by their measured widths, in as
 *  many right-aligned rows as the plot's width needs, so that none runs into the right axis's labels. */
function drawLegend(ctx, pad, pw, series) {
  const entries = series.map((s) => ({ s, text: s.i === 3 ? t('{name} (right axis)', { name: s.name }) : t(s.name) }));
  for (const e of entries) e.width = 16 + ctx.measureText(e.text).width;
  const gap = 12;
  const rows = [[]];
  let used = 0;
  for (const e of entries) {
    if (rows.at(-1).length && used + gap + e.width > pw - 8) { rows.push([]); used = 0; }
    used += (rows.at(-1).length ? gap : 0) + e.width;
    rows.at(-1).push(e);
  }
  ctx.textAlign = 'left';
  rows.forEach((row, r) => {
    const width = row.reduce((acc, e, i) => acc + e.width + (i ? gap : 0), 0);
    let left = pad.l + pw - 4 - width;
    const top = pad.t + 6 + 15 * r;
    // A light backing, so that the words stay legible where a curve passes under them.
    ctx.fillStyle = 'rgb(255 255 255 / 0.85)';
    ctx.fillRect(left - 4, top - 5, width + 8, 15);
    for (const e of row) {
      ctx.fillStyle = e.s.colour;
      ctx.fillRect(left, top, 12, 3);
      ctx.fillText(e.text, left + 16, top + 5);
      left += e.width + gap;
    }
  });
}

/** [lowest, highest] finite value in columns `cols` of the rows of every list (of rows passing `keep`),
 *  in one pass: a long history is too large to spread into Math.min's arguments. */
function extent(lists, cols, keep = null) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const rows of lists) {
    for (const r of rows) {
      if (keep && !keep(r)) continue;
      for (const c of cols) {
        const v = r[c];
        if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
      }
    }
  }
  return [lo, hi];
}

/** Rows [step, ...values] averaged into at most `buckets` equal spans of 0..lastStep (all rows if fewer). */
export function bucketMeans(rows, lastStep, buckets) {
  if (rows.length <= buckets) return rows;
  const out = [];
  let acc = null;
  let count = 0;
  let bucket = -1;
  const flush = () => { if (count) out.push(acc.map((v) => v / count)); };
  for (const r of rows) {
    const b = Math.min(buckets - 1, Math.floor((r[0] / lastStep) * buckets));
    if (b !== bucket) { flush(); acc = r.map(() => 0); count = 0; bucket = b; }
    r.forEach((v, i) => { acc[i] += v ?? NaN; });
    count++;
  }
  flush();
  return out;
}
