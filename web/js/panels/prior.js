// Sampling the prior: N draws z ~ N(0, I), each decoded by both of the twin view's models. A VAE's decoder
// was trained on codes spread like the prior, so its samples look like digits; an autoencoder's codes sit
// wherever training left them, so most prior draws land where it has never decoded anything.
import { normals } from '../app/random.js';
import { showSheet } from '../draw/sheet.js';
import { text } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);

/** The draws: n points of d coordinates from the seed (the first coordinates are shared across d). */
export function priorDraws(n, d, seed) {
  const all = normals(n * 64, seed); // 64 = the most dimensions a model has; row i is all[64 i ..]
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) out.set(all.subarray(64 * i, 64 * i + d), i * d);
  return out;
}

export function setupPrior(app) {
  const { store } = app;
  let seed = 1;
  let shown = null; // [{ id, z, probs }] per model

  function render() {
    const subjects = store.state.twinSubjects ?? [];
    const n = Number($('prior-n').value);
    shown = [];
    subjects.forEach((s, k) => {
      const canvas = $(`prior-${k}`);
      if (!s) { canvas.width = 0; return; }
      const z = priorDraws(n, s.latent, seed);
      const probs = s.decode(z, store.state.label);
      showSheet(canvas, probs, 1, n);
      text($(`prior-name-${k}`), () => `${s.id}: ${s.name}`);
      shown.push({ id: s.id, z, probs });
    });
    $('prior').dataset.seed = String(seed);
  }

  $('prior-n').addEventListener('input', (e) => { $('prior-n-out').value = e.target.value; render(); });
  $('prior-resample').addEventListener('click', () => { seed++; render(); });
  store.subscribe(['twinSubjects', 'label'], render);
  return { get shown() { return shown; }, get seed() { return seed; } };
}
