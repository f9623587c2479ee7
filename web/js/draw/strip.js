// Interpolation strips: K decoded digits along a latent path, the plain pixel cross-fade between the two
// end images for comparison, and a PNG export sized for slides.
import { SIDE } from './digit.js';
import { t } from '../i18n/i18n.js';

const PIXELS = SIDE * SIDE;

/** Pixel cross-fade: K images (1 - t) * first + t * last, t = 0 .. 1. */
export function crossFade(first, last, k) {
  const out = new Float32Array(k * PIXELS);
  for (let i = 0; i < k; i++) {
    const t = i / (k - 1);
    for (let p = 0; p < PIXELS; p++) out[i * PIXELS + p] = (1 - t) * first[p] + t * last[p];
  }
  return out;
}

/** Draws K images of 28x28 side by side with `gap` pixels between them, at `scale` pixels per pixel. */
export function drawStrip(canvas, probs, k, { scale = 1, gap = 0, offsetY = 0, background = '#000' } = {}) {
  const ctx = canvas.getContext('2d');
  const cell = SIDE * scale;
  const tile = document.createElement('canvas');
  tile.width = SIDE;
  tile.height = SIDE;
  const tctx = tile.getContext('2d');
  const img = tctx.createImageData(SIDE, SIDE);
  ctx.imageSmoothingEnabled = false;
  ctx.fillStyle = background;
  for (let i = 0; i < k; i++) {
    for (let p = 0; p < PIXELS; p++) {
      const v = Math.round(probs[i * PIXELS + p] * 255);
      img.data.set([v, v, v, 255], 4 * p);
    }
    tctx.putImageData(img, 0, 0);
    ctx.drawImage(tile, i * (cell + gap), offsetY, cell, cell);
  }
}

/** A width x height canvas painted black, for the slide exports. */
export function blackCanvas(width, height) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, width, height);
  return { canvas, ctx };
}

export const pngBlob = (canvas) => new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));

/** Sizes a strip canvas to hold K cells at 1:1 and draws it (the page scales it up with CSS). */
export function showStrip(canvas, probs, k) {
  canvas.width = k * SIDE;
  canvas.height = SIDE;
  drawStrip(canvas, probs, k);
}

/** A slide-sized PNG (1920 pixels wide) of the latent strip above the cross-fade strip, with optional
 *  labels. Returns { blob, width, height, cell }. */
export async function exportStripPng(latent, pixel, k, { labels = true, mode = 'linear', width = 1920 } = {}) {
  const gap = 8;
  const cell = Math.floor((width - gap * (k + 1)) / k / SIDE) * SIDE;
  const scale = cell / SIDE;
  const labelH = labels ? 44 : 0;
  const height = 2 * cell + 3 * gap + 2 * labelH;
  const { canvas, ctx } = blackCanvas(width, height);
  const left = Math.floor((width - (k * cell + (k - 1) * gap)) / 2);
  const rows = [
    [latent, t('Latent interpolation ({mode}), decoded', { mode: mode === 'spherical' ? t('spherical') : t('linear') })],
    [pixel, t('Pixel cross-fade between the end images')],
  ];
  rows.forEach(([probs, title], r) => {
    const top = gap + r * (cell + gap + labelH) + labelH;
    if (labels) {
      ctx.fillStyle = '#fff';
      ctx.font = '28px system-ui, sans-serif';
      ctx.textBaseline = 'bottom';
      ctx.fillText(title, left, top - 8);
    }
    const strip = document.createElement('canvas');
    strip.width = k * (cell + gap);
    strip.height = cell;
    drawStrip(strip, probs, k, { scale, gap });
    ctx.drawImage(strip, left, top);
  });
  return { blob: await pngBlob(canvas), width, height, cell, left, gap, labelH };
}
