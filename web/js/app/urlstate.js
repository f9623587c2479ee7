// The view as a URL hash, so a copied link opens the same view. Every field is checked; a bad field is
// dropped and reported in words (a function, so the words follow the page's language), the rest still applies.
import { LANGS, tRaw } from '../i18n/i18n.js';

export const MAX_HASH = 2048;
export const LIMITS = { z: 50, n: [10, 30], r: [0.5, 10], k: [2, 20], half: [0.05, 50], speed: [0.1, 4], latent: 64, classes: 256 };
export const PAGES = ['explore', 'compare', 'lab', 'train'];
const ID = /^[a-z0-9-]{1,40}$/;

const fmt = (v) => String(Math.round(v * 1e4) / 1e4);

export function formatHash(s) {
  const list = (v) => v.map(fmt).join(',');
  const parts = [
    `page=${s.page}`,
    `lang=${s.lang}`,
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
  if (s.lesson) parts.push(`lesson=${s.lesson.id}`, `step=${s.lesson.step}`);
  return `#${parts.join('&')}`;
}

/** Parses a hash into { patch, problems }: the valid fields, and a sentence for each field that was not. */
export function parseHash(hash) {
  const patch = {};
  const problems = [];
  if (!hash || hash === '#') return { patch, problems };
  if (hash.length > MAX_HASH) {
    return { patch, problems: [() => tRaw('The link\'s settings are {n} characters long (the most is {max}), so they were ignored.', { n: hash.length, max: MAX_HASH })] };
  }
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const numbers = (key, count) => {
    const raw = params.get(key);
    if (raw === null) return null;
    const v = raw.split(',').map(Number);
    if (v.length !== count || v.some((x) => !Number.isFinite(x))) {
      problems.push(() => (count === 1
        ? tRaw('The link\'s "{key}" ({raw}) is not a number, so it was ignored.', { key, raw: raw.slice(0, 40) })
        : tRaw('The link\'s "{key}" ({raw}) is not {count} numbers, so it was ignored.', { key, raw: raw.slice(0, 40), count })));
      return null;
    }
    return v;
  };
  const within = (key, v, lo, hi) => {
    if (v < lo || v > hi) {
      problems.push(() => tRaw('The link\'s "{key}" ({v}) is outside {lo} to {hi}, so it was ignored.', { key, v: String(v), lo: String(lo), hi: String(hi) }));
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
      problems.push(() => tRaw('The link\'s "{key}" ({raw}) is not a list of up to {n} numbers, so it was ignored.', { key, raw: raw.slice(0, 40), n: LIMITS.latent }));
    } else if (within(key, Math.max(...v.map(Math.abs)), 0, LIMITS.z)) {
      patch[key] = v;
    }
  }
  const model = params.get('model');
  if (model !== null) {
    if (ID.test(model)) patch.modelId = model;
    else problems.push(() => tRaw('The link\'s model "{model}" is not a model\'s name, so it was ignored.', { model: model.slice(0, 40) }));
  }
  const page = params.get('page');
  if (page !== null) {
    if (PAGES.includes(page)) patch.page = page;
    else problems.push(() => tRaw('The link\'s page "{page}" is not one of {pages}, so it was ignored.', { page: page.slice(0, 20), pages: PAGES.join(', ') }));
  }
  const lang = params.get('lang');
  if (lang !== null) {
    if (LANGS.includes(lang)) patch.lang = lang;
    else problems.push(() => tRaw('The link\'s language "{lang}" is not one of {langs}, so it was ignored.', { lang: lang.slice(0, 10), langs: LANGS.join(', ') }));
  }
  const lesson = params.get('lesson');
  if (lesson !== null) {
    const step = numbers('step', 1) ?? [1];
    if (!ID.test(lesson)) problems.push(() => tRaw('The link\'s lesson "{lesson}" is not a lesson\'s name, so it was ignored.', { lesson: lesson.slice(0, 40) }));
    else if (!Number.isInteger(step[0]) || step[0] < 1) problems.push(() => tRaw('The link\'s "step" ({step}) is not a step number, so the lesson was not opened.', { step: String(step[0]) }));
    else patch.lesson = { id: lesson, step: step[0] };
  }
  const dims = numbers('dims', 2);
  if (dims && dims.every((d) => Number.isInteger(d) && d >= 1 && d <= LIMITS.latent) && dims[0] !== dims[1]) {
    patch.pair = [dims[0] - 1, dims[1] - 1];
  } else if (dims) {
    problems.push(() => tRaw('The link\'s "dims" ({dims}) is not two different dimensions from 1 to {n}, so it was ignored.', { dims: dims.join(','), n: LIMITS.latent }));
  }
  const y = numbers('y', 1);
  if (y && Number.isInteger(y[0]) && within('y', y[0], 0, LIMITS.classes - 1)) patch.label = y[0];
  const twin = params.get('twin');
  if (twin !== null) {
    const ids = twin.split(',');
    if (ids.length === 2 && ids.every((t) => ID.test(t))) patch.twin = ids;
    else problems.push(() => tRaw('The link\'s "twin" ({twin}) is not two models\' names, so it was ignored.', { twin: twin.slice(0, 40) }));
  }
  const view = params.get('v');
  if (view !== null) {
    if (view === 'map' || view === 'grid') patch.view = view;
    else problems.push(() => tRaw('The link\'s view "{view}" is not "map" or "grid", so it was ignored.', { view: view.slice(0, 20) }));
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
