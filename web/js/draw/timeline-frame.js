// One frame of the training timeline: the held-out codes (two dimensions, coloured by class, over [−4, 4]²
// with the prior's 1, 2 and 3 σ rings) beside the decoded grid, under a title. The scrubber shows it, and the
// animated PNG's frames are drawn with it.
import { CLASS_COLOURS } from './palette.js';

export const FRAME = { width: 960, height: 520, top: 44, side: 460, pad: 13 };
const HALF = 4;

/** Draws snapshot `snap` ({ mu: Float32Array of 2n, labels, grid: Uint8Array of side², gridSide }) into the 2-D
 *  context `ctx` of a FRAME-sized canvas, with `title` above. */
export function drawFrame(ctx, snap, title) {
  const { width, height, top, side, pad } = FRAME;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#1d2330';
  ctx.font = '600 22px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillText(title, pad, top / 2 + 2);

  // The codes.
  const x0 = pad;
  const y0 = top;
  const unit = side / (2 * HALF);
  const at = (z1, z2) => [x0 + (z1 + HALF) * unit, y0 + (HALF - z2) * unit];
  ctx.fillStyle = '#fbfcfd';
  ctx.fillRect(x0, y0, side, side);
  ctx.strokeStyle = '#aab2c0';
  ctx.lineWidth = 1;
  ctx.strokeRect(x0 + 0.5, y0 + 0.5, side - 1, side - 1);
  ctx.beginPath();
  ctx.moveTo(...at(-HALF, 0)); ctx.lineTo(...at(HALF, 0));
  ctx.moveTo(...at(0, -HALF)); ctx.lineTo(...at(0, HALF));
  ctx.stroke();
  ctx.setLineDash([5, 5]);
  ctx.strokeStyle = '#9aa5b8';
  for (const r of [1, 2, 3]) {
    ctx.beginPath();
    ctx.arc(...at(0, 0), r * unit, 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.save();
  ctx.beginPath();
  ctx.rect(x0, y0, side, side);
  ctx.clip();
  for (let i = 0; i < snap.mu.length / 2; i++) {
    ctx.fillStyle = CLASS_COLOURS[snap.labels[i] % CLASS_COLOURS.length];
    const [x, y] = at(snap.mu[2 * i], snap.mu[2 * i + 1]);
    ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
  }
  ctx.restore();

  // The grid, grey levels scaled to the square with no smoothing.
  const n = snap.gridSide;
  const img = new ImageData(n, n);
  const px = new Uint32Array(img.data.buffer);
  for (let k = 0; k < n * n; k++) { const v = snap.grid[k]; px[k] = 0xff000000 | (v << 16) | (v << 8) | v; }
  const tile = new OffscreenCanvas(n, n);
  tile.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, width - pad - side, top, side, side);
}
