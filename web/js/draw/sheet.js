// Sheets of decoded images: rows x cols cells of 28x28 (a traversal, a style analogy, prior samples), drawn
// 1:1 for the page (CSS scales them up) or as a slide-sized PNG with a title and row and column labels.
import { blackCanvas, drawStrip, pngBlob } from './strip.js';
import { SIDE } from './digit.js';

const PIXELS = SIDE * SIDE;

/** Sizes `canvas` to rows x cols cells at 1:1 and draws `probs` (rows * cols * 784, row-major) into it. */
export function showSheet(canvas, probs, rows, cols) {
  canvas.width = cols * SIDE;
  canvas.height = rows * SIDE;
  for (let r = 0; r < rows; r++) {
    drawStrip(canvas, probs.subarray(r * cols * PIXELS, (r + 1) * cols * PIXELS), cols, { offsetY: r * SIDE });
  }
}

/** A PNG (1920 pixels wide unless the rows are many) of the sheet, with optional labels. Returns
 *  { blob, width, height, cell, left, top, gap }: where each cell lies, for the tests. */
export async function exportSheetPng(probs, rows, cols, { title = '', rowLabels = [], colLabels = [], labels = true, width = 1920 } = {}) {
  const gap = 6;
  const labelW = labels && rowLabels.length ? 150 : 0;
  const titleH = labels && title ? 56 : 0;
  const colH = labels && colLabels.length ? 36 : 0;
  const cell = Math.max(SIDE, Math.floor((width - labelW - gap * (cols + 1)) / cols / SIDE) * SIDE);
  const left = labelW + Math.floor((width - labelW - (cols * cell + (cols - 1) * gap)) / 2);
  const top = gap + titleH + colH;
  const height = top + rows * (cell + gap);
  const { canvas, ctx } = blackCanvas(width, height);
  ctx.fillStyle = '#fff';
  if (titleH) {
    ctx.font = '30px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    ctx.fillText(title, Math.min(left, 24), gap + 8);
  }
  ctx.font = '24px system-ui, sans-serif';
  if (colH) {
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    colLabels.forEach((t, c) => ctx.fillText(t, left + c * (cell + gap) + cell / 2, top - 6));
  }
  const row = document.createElement('canvas');
  row.width = cols * (cell + gap);
  row.height = cell;
  for (let r = 0; r < rows; r++) {
    const y = top + r * (cell + gap);
    if (labelW) {
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillStyle = '#fff';
      ctx.fillText(rowLabels[r] ?? '', left - 16, y + cell / 2);
    }
    row.getContext('2d').clearRect(0, 0, row.width, row.height);
    drawStrip(row, probs.subarray(r * cols * PIXELS, (r + 1) * cols * PIXELS), cols, { scale: cell / SIDE, gap });
    ctx.drawImage(row, left, y);
  }
  return { blob: await pngBlob(canvas), width, height, cell, left, top, gap };
}
