// The latent dimensions: each one's KL on the held-out set as a bar, the active units named (KL > 0.01
// nats: where β-VAE's collapse shows), and a traversal sheet, one row per dimension from −3 to 3 with the
// others held at the point, exportable as a PNG for slides.
import { showSheet, exportSheetPng } from '../draw/sheet.js';
import { zName } from './point.js';
import { onLang, t } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
export const ACTIVE_KL = 0.01; // nats
export const TRAVERSAL = { lo: -3, hi: 3, steps: 9 };

/** The traversal's points: for each dimension j, `steps` copies of z with z_j from lo to hi. */
export function traversalLatents(z, { lo, hi, steps } = TRAVERSAL) {
  const d = z.length;
  const out = new Float32Array(d * steps * d);
  for (let j = 0; j < d; j++) {
    for (let c = 0; c < steps; c++) {
      const at = (j * steps + c) * d;
      out.set(z, at);
      out[at + j] = lo + ((hi - lo) * c) / (steps - 1);
    }
  }
  return out;
}

export function setupDims(app) {
  const { store } = app;
  let sheet = null; // { probs, z }

  function bars() {
    const s = app.subject;
    const box = $('kl-bars');
    box.replaceChildren();
    const kl = s.klPerDim;
    if (!kl) {
      $('kl-info').textContent = t('An autoencoder has no posterior q(z | x), so no KL per dimension: its code is a point.');
      box.dataset.kl = '';
      return;
    }
    const max = Math.max(...kl, 1e-9);
    kl.forEach((v, j) => {
      const row = document.createElement('div');
      row.className = 'kl-row';
      row.setAttribute('role', 'listitem');
      row.classList.toggle('inactive', v <= ACTIVE_KL);
      const name = document.createElement('span');
      name.textContent = zName(j);
      const bar = document.createElement('span');
      bar.className = 'kl-bar';
      const fill = document.createElement('span');
      fill.style.width = `${(100 * v) / max}%`;
      bar.append(fill);
      const num = document.createElement('span');
      num.textContent = v.toFixed(v < 0.1 ? 3 : 2);
      row.append(name, bar, num);
      row.setAttribute('aria-label', t(v <= ACTIVE_KL ? '{name}: KL {v} nats, inactive' : '{name}: KL {v} nats', { name: zName(j), v: v.toFixed(3) }));
      box.append(row);
    });
    box.dataset.kl = Array.from(kl).join(',');
    const active = Array.from(kl.keys()).filter((j) => kl[j] > ACTIVE_KL);
    const total = kl.reduce((a, b) => a + b, 0);
    $('kl-info').textContent = t('KL(q(z_j | x) ‖ N(0, 1)) of each dimension, averaged over the {n} held-out {nouns}; they sum to {total} nats.', { n: app.heldout.n, nouns: app.classNouns, total: total.toFixed(2) })
      + ` ${t('Active units (KL > {min} nats): {k} of {d}', { min: ACTIVE_KL, k: active.length, d: kl.length })}`
      + `${active.length ? ` (${active.map(zName).join(', ')})` : ''}.`
      + `${active.length < kl.length ? ` ${t('The others carry no information about x: the encoder gives them the prior, and the decoder ignores them (posterior collapse).')}` : ''}`;
    box.dataset.active = active.join(',');
  }

  function traversal() {
    const s = app.subject;
    // Hidden, or no model yet: the observer below reports the panel on screen as soon as it is set up, before
    // the link's model has loaded (a reload keeps the scroll position); the model's arrival draws the sheet.
    if ($('dims-panel').hidden || !s) { stale = true; return; }
    const { z, label } = store.state;
    const probs = s.decode(traversalLatents(z), label);
    sheet = { probs, z: z.slice() };
    showSheet($('traversal'), probs, s.latent, TRAVERSAL.steps);
  }

  // The sheet is redrawn (72 decodes for 8-D, and their drawing) only while the panel is on screen: during a
  // drag on the map above it, it usually is not. Scrolled into view, it catches up.
  let pending = 0;
  let onScreen = false;
  let stale = true;
  const soon = () => {
    stale = true;
    if (onScreen && !pending) pending = requestAnimationFrame(() => { pending = 0; stale = false; traversal(); });
  };
  new IntersectionObserver(([e]) => { onScreen = e.isIntersecting; if (onScreen && stale) soon(); }).observe($('dims-panel'));

  async function exportPng() {
    if (!sheet || stale) { stale = false; traversal(); }
    const s = app.subject;
    const kl = s.klPerDim;
    const { steps, lo, hi } = TRAVERSAL;
    const { blob } = await exportSheetPng(sheet.probs, s.latent, steps, {
      title: t('Latent traversals of the {name}: each row moves one dimension from {lo} to {hi}', { name: s.name, lo, hi }),
      rowLabels: Array.from({ length: s.latent }, (_, j) => `${zName(j)}${kl ? ` · ${kl[j].toFixed(2)}` : ''}`),
      colLabels: Array.from({ length: steps }, (_, c) => (lo + ((hi - lo) * c) / (steps - 1)).toFixed(2)),
      labels: $('export-labels').checked,
    });
    app.download(blob, `vae-traversal-${s.id ?? 'model'}.png`);
  }

  $('traversal-export').addEventListener('click', exportPng);
  store.subscribe(['subject'], () => { bars(); soon(); });
  onLang(() => { if (app.subject) bars(); });
  store.subscribe(['z', 'label'], soon);
  return { get sheet() { return sheet; }, traversal };
}
