// Seeded randomness for the page's draws of eps (the pad's samples, the prior's draws): the same seed gives
// the same picture, so a test can recompute it.

/** Mulberry32: a small, fast 32-bit generator with a seed. Returns () -> [0, 1). */
export function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` draws of N(0, 1) by Box-Muller from a seeded generator, as a Float32Array. */
export function normals(count, seed) {
  const u = mulberry32(seed);
  return Float32Array.from({ length: count }, () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
}
