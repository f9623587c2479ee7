// Paints decoded digits: 784 probabilities in [0, 1] -> a 28x28 grey image (white = pixel on).
export const SIDE = 28;

export function paintDigit(canvas, probs, offset = 0) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = Math.round(probs[offset + i] * 255);
    img.data[4 * i] = v;
    img.data[4 * i + 1] = v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
