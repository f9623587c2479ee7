// The manifold grid: N x N points over [-r, r]^2, spaced linearly or by quantiles of N(0, 1) as in
// Kingma and Welling's figure, decoded in one batched call and drawn as one image.
import { SIDE } from './digit.js';

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function inverseNormalCdf(p) {
  if (!(p > 0 && p < 1)) throw new RangeError(`inverseNormalCdf needs 0 < p < 1, got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -inverseNormalCdf(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 on erf, error < 1.5e-7). */
export function normalCdf(x) {
  const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2);
  const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** The n values along one axis from -r to r: evenly spaced, or at evenly spaced quantiles of N(0, 1)
 *  between Phi(-r) and Phi(r), so both spacings share their end points and quantile spacing is denser
 *  near 0, where the prior puts its mass. */
export function axisValues(n, r, spacing) {
  const t = (i) => (n === 1 ? 0.5 : i / (n - 1));
  if (spacing !== 'quantile') return Array.from({ length: n }, (_, i) => -r + 2 * r * t(i));
  const p0 = normalCdf(-r);
  return Array.from({ length: n }, (_, i) => {
    const p = p0 + (1 - 2 * p0) * t(i);
    return i === 0 ? -r : i === n - 1 ? r : inverseNormalCdf(p);
  });
}

/** Row-major points, first row at z2 = +r: Float32Array of n*n*2. */
export function gridPoints(n, r, spacing) {
  const v = axisValues(n, r, spacing);
  const out = new Float32Array(n * n * 2);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      out[2 * (row * n + col)] = v[col];
      out[2 * (row * n + col) + 1] = v[n - 1 - row];
    }
  }
  return out;
}

/** The n*n decoded digits (probabilities) as one grey RGBA image of n*28 pixels square. DOM-free, so the
 *  training worker can make it off the main thread. */
export function manifoldRgba(probs, n) {
  const side = n * SIDE;
  const rgba = new Uint8ClampedArray(side * side * 4);
  // One 32-bit write per pixel (RGBA bytes, little-endian: alpha in the top byte).
  const px = new Uint32Array(rgba.buffer);
  for (let k = 0; k < n * n; k++) {
    const r0 = Math.floor(k / n) * SIDE;
    const c0 = (k % n) * SIDE;
    for (let r = 0; r < SIDE; r++) {
      const src = k * SIDE * SIDE + r * SIDE;
      const dst = (r0 + r) * side + c0;
      for (let c = 0; c < SIDE; c++) {
        const v = (probs[src + c] * 255 + 0.5) | 0; // Math.round for p in [0, 1]
        px[dst + c] = 0xff000000 | (v << 16) | (v << 8) | v;
      }
    }
  }
  return rgba;
}

/** Draws n*n decoded digits into `canvas` (resized to n*28 pixels square), then marks the grid cell
 *  nearest to z. Returns that cell's [row, col], or null if z lies outside the grid. Pass `rgba` (from
 *  `manifoldRgba`) to skip the conversion. */
export function drawManifold(canvas, probs, n, axis, z, rgba = manifoldRgba(probs, n)) {
  const side = n * SIDE;
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d');
  const img = new ImageData(rgba, side, side);
  ctx.putImageData(img, 0, 0);
  const nearest = (x) => axis.reduce((best, v, i) => (Math.abs(v - x) < Math.abs(axis[best] - x) ? i : best), 0);
  const r = axis[n - 1];
  if (Math.abs(z[0]) > r + 1e-9 || Math.abs(z[1]) > r + 1e-9) return null;
  const col = nearest(z[0]);
  const row = n - 1 - nearest(z[1]);
  ctx.strokeStyle = '#d1495b';
  ctx.lineWidth = 2;
  ctx.strokeRect(col * SIDE + 1, row * SIDE + 1, SIDE - 2, SIDE - 2);
  return [row, col];
}
