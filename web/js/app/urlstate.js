// The view as a URL hash, so a copied link opens the same view. Every field is checked; a bad field is
// dropped and reported in words, the rest still applies.
export const MAX_HASH = 2048;
export const LIMITS = { z: 50, n: [10, 30], r: [0.5, 10], k: [2, 20], half: [0.05, 50], speed: [0.1, 4] };

const fmt = (v) => String(Math.round(v * 1e4) / 1e4);

export function formatHash(s) {
  const parts = [
    `z=${fmt(s.z[0])},${fmt(s.z[1])}`,
    `v=${s.view}`,
    `n=${s.grid.n}`,
    `r=${fmt(s.grid.range)}`,
    `sp=${s.grid.spacing === 'quantile' ? 'q' : 'lin'}`,
    `k=${s.k}`,
    `i=${s.spherical ? 'sph' : 'lin'}`,
    `mv=${fmt(s.mapView.cx)},${fmt(s.mapView.cy)},${fmt(s.mapView.half)}`,
  ];
  if (s.a) parts.push(`a=${fmt(s.a[0])},${fmt(s.a[1])}`);
  if (s.b) parts.push(`b=${fmt(s.b[0])},${fmt(s.b[1])}`);
  return `#${parts.join('&')}`;
}

/** Parses a hash into { patch, problems }: the valid fields, and a sentence for each field that was not. */
export function parseHash(hash) {
  const patch = {};
  const problems = [];
  if (!hash || hash === '#') return { patch, problems };
  if (hash.length > MAX_HASH) {
    return { patch, problems: [`The link's settings are ${hash.length} characters long (the most is ${MAX_HASH}), so they were ignored.`] };
  }
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const numbers = (key, count) => {
    const raw = params.get(key);
    if (raw === null) return null;
    const v = raw.split(',').map(Number);
    if (v.length !== count || v.some((x) => !Number.isFinite(x))) {
      problems.push(`The link's "${key}" (${raw.slice(0, 40)}) is not ${count === 1 ? 'a number' : `${count} numbers`}, so it was ignored.`);
      return null;
    }
    return v;
  };
  const within = (key, v, lo, hi) => {
    if (v < lo || v > hi) {
      problems.push(`The link's "${key}" (${v}) is outside ${lo} to ${hi}, so it was ignored.`);
      return false;
    }
    return true;
  };
  for (const key of ['z', 'a', 'b']) {
    const v = numbers(key, 2);
    if (v && within(key, Math.max(Math.abs(v[0]), Math.abs(v[1])), 0, LIMITS.z)) patch[key] = v;
  }
  const view = params.get('v');
  if (view !== null) {
    if (view === 'map' || view === 'grid') patch.view = view;
    else problems.push(`The link's view "${view.slice(0, 20)}" is not "map" or "grid", so it was ignored.`);
  }
  const grid = {};
  const n = numbers('n', 1);
  if (n && Number.isInteger(n[0]) && within('n', n[0], ...LIMITS.n)) grid.n = n[0];
  const r = numbers('r', 1);
  if (r && within('r', r[0], ...LIMITS.r)) grid.range = r[0];
  const sp = params.get('sp');
  if (sp === 'q' || sp === 'lin') grid.spacing = sp === 'q' ? 'quantile' : 'linear';
  if (Object.keys(grid).length) patch.grid = grid;
  const k = numbers('k', 1);
  if (k && Number.isInteger(k[0]) && within('k', k[0], ...LIMITS.k)) patch.k = k[0];
  const i = params.get('i');
  if (i === 'sph' || i === 'lin') patch.spherical = i === 'sph';
  const mv = numbers('mv', 3);
  if (mv && within('mv', mv[2], ...LIMITS.half) && within('mv', Math.max(Math.abs(mv[0]), Math.abs(mv[1])), 0, LIMITS.z)) {
    patch.mapView = { cx: mv[0], cy: mv[1], half: mv[2] };
  }
  return { patch, problems };
}
