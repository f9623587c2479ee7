// The point: the once-per-frame decode loop, the decoded digit, z's readout, a slider for every latent
// dimension (moving one alone is a traversal), and a CVAE's class picker, which drives every decode.
import { paintDigit } from '../draw/digit.js';
import { LIMITS } from '../app/urlstate.js';
import { CLASS_COLOURS } from '../draw/palette.js';
import { latestPerFrame } from '../app/frame.js';
import { formatList } from '../app/format.js';
import { attr, t, text } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const SLIDER = 4; // sliders span -4 to 4; the number fields take up to LIMITS.z
const sub = (n) => String(n).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[d]);
export const zName = (j) => `z${sub(j + 1)}`;

export function setupPoint(app) {
  const { store } = app;
  // Queues z; the newest point is decoded on the next animation frame, stale points are dropped.
  const queue = latestPerFrame((z) => { if (app.subject) store.set({ z }); });
  const request = (z) => queue.request(z);
  const current = () => queue.pending ?? store.state.z;

  function paint() {
    const s = app.subject;
    const { z, label } = store.state;
    try {
      paintDigit($('digit'), s.decode(z, label));
      // For the bench's cold-start figure: navigation to the first painted digit.
      if (!performance.getEntriesByName('vae:first-digit').length) performance.mark('vae:first-digit');
    } catch (e) {
      app.showError(() => t('Decoding failed: {why}', { why: e.message }));
      return;
    }
    const readout = $('z-readout');
    const shownZ = `z = (${formatList(z, 2, { over: 4, keep: 3 })})`;
    text(readout, () => `${shownZ}${z.length > 4 ? `, ${t('{d}-D', { d: z.length })}` : ''}${s.conditional ? `, y = ${label}` : ''}`);
    // The picture in words, for a screen reader: where it was decoded, and what lies nearest there.
    const near = s.nearestHeldout(z);
    attr($('digit'), 'aria-label', () => `${t('The {noun} decoded from {z}', { noun: s.noun, z: readout.textContent })}`
      + `${s.conditional ? ` ${t('(as {name})', { name: s.className(label) })}` : ''}. `
      + t(s.dataset === 'mnist' ? 'The nearest held-out {noun} in the latent space is #{i}, a {name}.' : 'The nearest held-out {noun} in the latent space is #{i}, of class {name}.',
        { noun: s.noun, i: String(near), name: s.className(s.heldout.labels[near]) }));
    $('digit').dataset.nearest = String(near);
    readout.dataset.z = z.join(',');
    readout.dataset.z1 = String(z[0]);
    readout.dataset.z2 = String(z[1] ?? 0);
    z.forEach((v, j) => {
      const num = $(`z${j + 1}`);
      const range = $(`zr${j + 1}`);
      if (num && document.activeElement !== num) num.value = v.toFixed(2);
      if (range && document.activeElement !== range) range.value = String(v);
    });
  }

  /** One row per dimension: its name, a slider and a number field. */
  function buildSliders() {
    const s = app.subject;
    const box = $('z-sliders');
    box.replaceChildren();
    for (let j = 0; j < s.latent; j++) {
      const row = document.createElement('div');
      row.className = 'z-row';
      const name = document.createElement('label');
      name.htmlFor = `zr${j + 1}`;
      name.textContent = zName(j);
      const range = Object.assign(document.createElement('input'), {
        type: 'range', id: `zr${j + 1}`, min: -SLIDER, max: SLIDER, step: 0.01, value: '0',
      });
      attr(range, 'aria-label', () => t('{name}: move this dimension alone (a traversal)', { name: zName(j) }));
      const num = Object.assign(document.createElement('input'), {
        type: 'number', id: `z${j + 1}`, min: -LIMITS.z, max: LIMITS.z, step: 0.05, value: '0',
      });
      num.setAttribute('aria-label', zName(j));
      range.addEventListener('input', () => move(j, Number(range.value)));
      num.addEventListener('change', () => {
        const v = Number(num.value);
        if (num.value.trim() === '' || !Number.isFinite(v) || Math.abs(v) > LIMITS.z) {
          app.showNotice(() => t('{name} must be a number from −{max} to {max}; the point was not moved.', { name: zName(j), max: LIMITS.z }));
          return;
        }
        app.showNotice('');
        move(j, v);
      });
      row.append(name, range, num);
      box.append(row);
    }
  }

  function move(j, v) {
    const z = current().slice();
    z[j] = v;
    request(z);
  }

  /** A CVAE's class picker: ten buttons, one pressed. */
  function buildClasses() {
    const s = app.subject;
    const box = $('class-pick');
    box.hidden = !s.conditional;
    const buttons = box.querySelector('.classes');
    buttons.replaceChildren();
    if (!s.conditional) return;
    for (let y = 0; y < s.classes; y++) {
      const b = document.createElement('button');
      b.type = 'button';
      text(b, () => app.className(y));
      b.dataset.label = String(y);
      b.style.borderColor = CLASS_COLOURS[y % CLASS_COLOURS.length];
      b.addEventListener('click', () => store.set({ label: y }));
      buttons.append(b);
    }
    markClass();
  }

  function markClass() {
    for (const b of $('class-pick').querySelectorAll('button[data-label]')) {
      b.setAttribute('aria-pressed', String(Number(b.dataset.label) === store.state.label));
    }
  }

  store.subscribe(['z', 'label'], paint);
  store.subscribe(['label'], markClass);
  function hint() {
    const gaussian = app.subject.config.likelihood === 'gaussian';
    text($('digit-hint'), () => (gaussian ? t('Grey level = the mean of the decoder\'s Gaussian p(x | z) (σ = 0.2) for each pixel.')
      : t('Grey level = the decoder\'s Bernoulli probability p(pixel on | z).')));
  }

  store.subscribe(['subject'], () => { buildSliders(); buildClasses(); hint(); paint(); });
  return { request, current, move };
}
