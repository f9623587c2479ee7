// The view as a URL hash, so a copied link opens the same view. Every field is checked; a bad field is
// dropped and reported in words, the rest still applies.
export const MAX_HASH = 2048;
export const LIMITS = { z: 50, n: [10, 30], r: [0.5, 10], k: [2, 20], half: [0.05, 50], speed: [0.1, 4], latent: 64, classes: 256 };
export const PAGES = ['explore', 'compare', 'lab', 'train'];
const ID = /^[a-z0-9-]{1,40}$/;

const fmt = (v) => String(Math.round(v * 1e4) / 1e4);

export function formatHash(s) {
  const list = (v) => v.map(fmt).join(',');
  const parts = [
    `page=${s.page}`,
    `model=${s.modelId}`,
    `z=${list(s.z)}`,
  ];
  if (s.z.length > 2) parts.push(`dims=${s.pair[0] + 1},${s.pair[1] + 1}`);
  if (s.conditional) parts.push(`y=${s.label}`);
  parts.push(
    `v=${s.view}`,
    `n=${s.grid.n}`,
    `r=${fmt(s.grid.range)}`,
    `sp=${s.grid.spacing === 'quantile' ? 'q' : 'lin'}`,
    `k=${s.k}`,
    `i=${s.spherical ? 'sph' : 'lin'}`,
    `mv=${fmt(s.mapView.cx)},${fmt(s.mapView.cy)},${fmt(s.mapView.half)}`,
  );
  if (s.a) parts.push(`a=${list(s.a)}`);
  if (s.b) parts.push(`b=${list(s.b)}`);
  if (s.page === 'compare') parts.push(`twin=${s.twin.join(',')}`);
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
  // Points of any length up to 64: the model decides which length is right (main.js checks it).
  for (const key of ['z', 'a', 'b']) {
    const raw = params.get(key);
    if (raw === null) continue;
    const v = raw.split(',').map(Number);
    if (v.length > LIMITS.latent || v.some((x) => raw === '' || !Number.isFinite(x))) {
      problems.push(`The link's "${key}" (${raw.slice(0, 40)}) is not a list of up to ${LIMITS.latent} numbers, so it was ignored.`);
    } else if (within(key, Math.max(...v.map(Math.abs)), 0, LIMITS.z)) {
      patch[key] = v;
    }
  }
  const model = params.get('model');
  if (model !== null) {
    if (ID.test(model)) patch.modelId = model;
    else problems.push(`The link's model "${model.slice(0, 40)}" is not a model's name, so it was ignored.`);
  }
  const page = params.get('page');
  if (page !== null) {
    if (PAGES.includes(page)) patch.page = page;
    else problems.push(`The link's page "${page.slice(0, 20)}" is not one of ${PAGES.join(', ')}, so it was ignored.`);
  }
  const dims = numbers('dims', 2);
  if (dims && dims.every((d) => Number.isInteger(d) && d >= 1 && d <= LIMITS.latent) && dims[0] !== dims[1]) {
    patch.pair = [dims[0] - 1, dims[1] - 1];
  } else if (dims) {
    problems.push(`The link's "dims" (${dims.join(',')}) is not two different dimensions from 1 to ${LIMITS.latent}, so it was ignored.`);
  }
  const y = numbers('y', 1);
  if (y && Number.isInteger(y[0]) && within('y', y[0], 0, LIMITS.classes - 1)) patch.label = y[0];
  const twin = params.get('twin');
  if (twin !== null) {
    const ids = twin.split(',');
    if (ids.length === 2 && ids.every((t) => ID.test(t))) patch.twin = ids;
    else problems.push(`The link's "twin" (${twin.slice(0, 40)}) is not two models' names, so it was ignored.`);
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
