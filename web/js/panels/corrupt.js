// The corruption bench (the lessons' denoising use): a clean image (a held-out digit, or the drawing),
// corrupted by Gaussian noise, salt and pepper, a masked square or 4x downsampling at a chosen strength;
// each twin model reconstructs the corrupted image, decode(encode(x̃)), with its pixel error against the
// clean one.
import { mulberry32, normals } from '../app/random.js';
import { paintDigit } from '../draw/digit.js';
import { t, text } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** The corrupted copy of x (784 values in [0, 1]). `strength` in [0, 1]: the noise's σ, the fraction of
 *  pixels flipped, the mask's side as a fraction of the image; downsampling averages 4x4 blocks (strength
 *  blends it with the clean image). Seeded: the same call gives the same image. */
export function corrupt(x, kind, strength, seed = 1) {
  const out = Float32Array.from(x);
  if (kind === 'gaussian') {
    const eps = normals(PIXELS, seed);
    for (let p = 0; p < PIXELS; p++) out[p] = Math.min(1, Math.max(0, x[p] + strength * eps[p]));
  } else if (kind === 'salt-pepper') {
    const u = mulberry32(seed);
    for (let p = 0; p < PIXELS; p++) if (u() < strength) out[p] = u() < 0.5 ? 0 : 1;
  } else if (kind === 'mask') {
    const side = Math.round(strength * SIDE);
    const at = Math.floor((SIDE - side) / 2);
    for (let r = at; r < at + side; r++) for (let c = at; c < at + side; c++) out[r * SIDE + c] = 0;
  } else if (kind === 'downsample') {
    for (let r0 = 0; r0 < SIDE; r0 += 4) {
      for (let c0 = 0; c0 < SIDE; c0 += 4) {
        let m = 0;
        for (let r = r0; r < r0 + 4; r++) for (let c = c0; c < c0 + 4; c++) m += x[r * SIDE + c];
        m /= 16;
        for (let r = r0; r < r0 + 4; r++) for (let c = c0; c < c0 + 4; c++) out[r * SIDE + c] = (1 - strength) * x[r * SIDE + c] + strength * m;
      }
    }
  } else {
    throw new Error(`unknown corruption ${kind}`);
  }
  return out;
}

/** Root-mean-square pixel error in grey levels (0 to 255). */
export function rmse(a, b) {
  let s = 0;
  for (let p = 0; p < PIXELS; p++) s += (a[p] - b[p]) ** 2;
  return 255 * Math.sqrt(s / PIXELS);
}

export function setupCorrupt(app) {
  const { store } = app;
  let last = null; // { clean, noisy, label, recons: [{ id, probs, error }] }

  /** The clean image: the drawing, or a held-out image of the left model's data set. */
  function source() {
    const set = store.state.twinSubjects?.[0]?.heldout ?? app.heldout;
    if ($('corrupt-source').value === 'drawing') {
      const x = store.state.drawing;
      return x ? { clean: x, label: store.state.label, what: () => t('the drawing') } : null;
    }
    const i = Number($('corrupt-index').value);
    if (!Number.isInteger(i) || i < 0 || i >= set.n) return { problem: () => t('A held-out number is a whole number from 0 to {max}.', { max: String(set.n - 1) }) };
    return { clean: set.images.subarray(i * PIXELS, (i + 1) * PIXELS), label: set.labels[i], what: () => t('held-out #{i}', { i: String(i) }) };
  }

  function render() {
    if (store.state.page !== 'compare') return;
    const src = source();
    const info = $('corrupt-info');
    if (!src || src.problem) {
      text(info, src?.problem ?? (() => t('Draw a {noun} on the explore page first, or pick a held-out one.', { noun: app.classNoun })));
      last = null;
      return;
    }
    const kind = $('corrupt-kind').value;
    const strength = Number($('corrupt-strength').value);
    $('corrupt-strength-out').value = strength.toFixed(2);
    const noisy = corrupt(src.clean, kind, strength);
    paintDigit($('corrupt-clean'), src.clean);
    paintDigit($('corrupt-noisy'), noisy);
    const recons = [];
    (store.state.twinSubjects ?? []).forEach((s, k) => {
      if (!s) return;
      const { mu } = s.encode(noisy, src.label);
      const probs = s.decode(mu, src.label);
      const error = rmse(probs, src.clean);
      paintDigit($(`corrupt-recon-${k}`), probs);
      text($(`corrupt-name-${k}`), () => t('{id}: error {v}', { id: s.id, v: error.toFixed(1) }));
      recons.push({ id: s.id, probs, error });
    });
    const noisyError = rmse(noisy, src.clean).toFixed(1);
    text($('corrupt-noisy-error'), () => t('corrupted: error {v}', { v: noisyError }));
    const how = $('corrupt-kind').selectedOptions[0];
    text(info, () => `${t('{what}, {kind} at {v}.', { what: src.what, kind: how.textContent, v: strength.toFixed(2) })} `
      + t('Each model reconstructs the corrupted image, decode(encode(x̃)); the error is the root-mean-square pixel difference from the clean image, in grey levels (0–255).'));
    last = { clean: src.clean, noisy, label: src.label, recons };
  }

  for (const id of ['corrupt-source', 'corrupt-kind', 'corrupt-strength', 'corrupt-index']) {
    $(id).addEventListener(id === 'corrupt-strength' ? 'input' : 'change', render);
  }
  store.subscribe(['twinSubjects', 'drawing', 'page'], render);
  return { get last() { return last; }, render };
}
