// The twin view: two models side by side and one cursor. The same z is decoded by both, each over its own
// map of the held-out digits with the prior's rings (an autoencoder's map shows holes and far-flung codes
// where a VAE's fills the prior). Either map can be dragged. A model with fewer dimensions than the
// cursor reads its first coordinates.
import { PlaneView } from '../draw/plane-view.js';
import { PlaneInput } from '../draw/plane-input.js';
import { paintDigit } from '../draw/digit.js';
import { entryOption, modelKind } from '../app/zoo.js';
import { latestPerFrame } from '../app/frame.js';
import { formatList } from '../app/format.js';
import { t, text } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);

export function setupTwin(app) {
  const { store } = app;
  const sides = [0, 1].map((k) => {
    const plane = new PlaneView($(`twin-map-${k}`));
    new PlaneInput(plane, {
      onPick: (xy) => {
        const z = store.state.twinZ.slice();
        z[0] = xy[0];
        z[1] = xy[1];
        request(z);
        return true;
      },
    });
    return { plane, subject: null, select: $(`twin-model-${k}`) };
  });
  const queue = latestPerFrame((z) => store.set({ twinZ: z }));
  const request = (z) => queue.request(z);

  /** Paints both decodes of the cursor, in one frame. */
  function paint() {
    const z = store.state.twinZ;
    for (const [k, side] of sides.entries()) {
      side.plane.setZ(z);
      const s = side.subject;
      if (!s) continue;
      const probs = s.decode(z.slice(0, s.latent).concat(Array(Math.max(0, s.latent - z.length)).fill(0)), store.state.label);
      paintDigit($(`twin-digit-${k}`), probs);
      $(`twin-digit-${k}`).dataset.z = z.slice(0, s.latent).join(',');
    }
    $('twin-z').textContent = `z = (${formatList(z)})`;
    $('twin-z').dataset.z = z.join(',');
  }

  function fillSelects() {
    for (const [k, side] of sides.entries()) {
      side.select.replaceChildren(...app.zoo.entries.map((e) => entryOption(e, () => `${e.id}: ${modelKind(e)}${e.error ? ` (${t('unavailable')})` : ''}`)));
      side.select.value = store.state.twin[k];
    }
  }

  async function load() {
    if (store.state.page !== 'compare') return;
    const ids = store.state.twin;
    for (const [k, side] of sides.entries()) {
      side.select.value = ids[k];
      try {
        const s = await app.subjectFor(ids[k]);
        if (store.state.twin[k] !== ids[k]) return; // changed while loading
        side.subject = s;
        side.plane.setPair([0, 1], s.latent);
        side.plane.setDots(s.mu, s.heldout.labels);
        text($(`twin-name-${k}`), () => `${s.id}: ${s.name}`);
        text($(`twin-note-${k}`), () => (s.gaussian
          ? t('Dots: held-out {nouns} at μ. Its codes fill the prior\'s rings, so most z decode to a plausible {noun}.', { nouns: s.nouns, noun: s.noun })
          : t('Dots: held-out {nouns} at their codes z. Nothing pulls them towards N(0, I): between and beyond the clusters, z decodes to blur.', { nouns: s.nouns })));
      } catch (e) {
        side.subject = null;
        text($(`twin-name-${k}`), () => `${ids[k]}: ${t('unavailable')}`);
        text($(`twin-note-${k}`), () => e.message);
        fillSelects();
      }
    }
    const sizes = sides.map((s) => s.subject?.latent ?? 2);
    text($('twin-info'), () => (sizes[0] !== sizes[1]
      ? t('The cursor has {n} coordinates; the {d}-D model reads the first ones, and the maps show z₁ and z₂.', { n: Math.max(...sizes), d: Math.min(...sizes) })
      : sizes[0] > 2 ? t('The maps show z₁ and z₂ of {n}; the cursor\'s other coordinates stay at 0.', { n: sizes[0] }) : ''));
    const preset = $('twin-preset');
    preset.value = [...preset.options].some((o) => o.value === ids.join(',')) ? ids.join(',') : '';
    const d = Math.max(...sides.map((s) => s.subject?.latent ?? 2));
    if (store.state.twinZ.length !== d) {
      store.set({ twinZ: Array.from({ length: d }, (_, j) => store.state.twinZ[j] ?? 0) });
    } else {
      paint();
    }
    store.set({ twinSubjects: sides.map((s) => s.subject) });
  }

  for (const [k, side] of sides.entries()) {
    side.select.addEventListener('change', () => {
      const twin = store.state.twin.slice();
      twin[k] = side.select.value;
      store.set({ twin });
    });
  }
  $('twin-preset').addEventListener('change', (e) => { if (e.target.value) store.set({ twin: e.target.value.split(',') }); });
  $('twin-swap').addEventListener('click', () => store.set({ twin: store.state.twin.slice().reverse() }));
  store.subscribe(['twinZ', 'label'], paint);
  store.subscribe(['twin', 'page'], load);
  fillSelects();
  return { sides, request, load, fillSelects, get subjects() { return sides.map((s) => s.subject); } };
}
