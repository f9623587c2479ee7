// The numbers a lesson's answers are shown with: pure functions of arrays (images of 784 values in [0, 1],
// codes of d numbers), so a test can compute each one again by its own means.

const PIXELS = 784;

/** Root-mean-square difference of two images. */
export function rms(a, b) {
  let s = 0;
  for (let p = 0; p < PIXELS; p++) { const d = a[p] - b[p]; s += d * d; }
  return Math.sqrt(s / PIXELS);
}

/** The image of `images` (n * 784) nearest to x in RMS: { index, distance }. */
export function nearestImage(images, x) {
  let index = -1;
  let distance = Infinity;
  for (let i = 0; i < images.length / PIXELS; i++) {
    const d = rms(images.subarray(i * PIXELS, (i + 1) * PIXELS), x);
    if (d < distance) { distance = d; index = i; }
  }
  return { index, distance };
}

/** How many pixels of x are neither ink nor background: strictly between lo and hi. */
export const greyPixels = (x, lo = 0.1, hi = 0.9) => x.reduce((n, v) => n + (v > lo && v < hi ? 1 : 0), 0);

/** The Bernoulli reconstruction term −log p(x | probabilities), summed over pixels, in nats. */
export function bernoulliNll(x, p) {
  let s = 0;
  for (let i = 0; i < PIXELS; i++) {
    const q = Math.min(1 - 1e-7, Math.max(1e-7, p[i]));
    s -= x[i] * Math.log(q) + (1 - x[i]) * Math.log(1 - q);
  }
  return s;
}

export const median = (v) => {
  const s = Float64Array.from(v).sort();
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Each dimension's standard deviation over n codes of d numbers (flat). */
export function spreadPerDim(codes, d) {
  const n = codes.length / d;
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < codes.length; i++) mean[i % d] += codes[i] / n;
  for (let i = 0; i < codes.length; i++) sq[i % d] += (codes[i] - mean[i % d]) ** 2 / n;
  return Array.from(sq, Math.sqrt);
}

/** For each query point, the Euclidean distance to its nearest code (skipping code `skip(i)`, for the codes
 *  themselves): Float64Array of the queries' count. */
export function nearestDistances(codes, queries, d, skip = () => -1) {
  const n = codes.length / d;
  const out = new Float64Array(queries.length / d);
  for (let q = 0; q < out.length; q++) {
    let best = Infinity;
    const own = skip(q);
    for (let i = 0; i < n; i++) {
      if (i === own) continue;
      let s = 0;
      for (let j = 0; j < d; j++) { const t = codes[i * d + j] - queries[q * d + j]; s += t * t; }
      if (s < best) best = s;
    }
    out[q] = Math.sqrt(best);
  }
  return out;
}

/** Where the codes leave the widest hole: of a side × side lattice over the middle 90 % of the codes' range in
 *  dimensions 0 and 1 (the others at 0), the point farthest from every code. { z, distance } */
export function widestHole(codes, d, side = 41) {
  const range = [0, 1].map((j) => {
    const v = Float64Array.from({ length: codes.length / d }, (_, i) => codes[i * d + j]).sort();
    return [v[Math.floor(0.05 * (v.length - 1))], v[Math.ceil(0.95 * (v.length - 1))]];
  });
  const points = new Float32Array(side * side * d);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const k = (r * side + c) * d;
      points[k] = range[0][0] + ((range[0][1] - range[0][0]) * c) / (side - 1);
      points[k + 1] = range[1][0] + ((range[1][1] - range[1][0]) * r) / (side - 1);
    }
  }
  const dist = nearestDistances(codes, points, d);
  let best = 0;
  for (let i = 1; i < dist.length; i++) if (dist[i] > dist[best]) best = i;
  return { z: Array.from(points.subarray(best * d, best * d + d)), distance: dist[best], range };
}
