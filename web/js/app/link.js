// The link: the state as the URL hash, written 150 ms after the last change, and a hash applied to the
// state (on load and on hashchange). The model a link names is loaded first, since whether its z, ends,
// pair and class fit depends on it. Each bad field is reported in words, and the rest still applies.
import { DEFAULT_ID } from './zoo.js';
import { formatHash, parseHash } from './urlstate.js';
import { t, tRaw } from '../i18n/i18n.js';

export const HASHED = ['page', 'lang', 'modelId', 'z', 'pair', 'label', 'view', 'grid', 'a', 'b', 'k', 'spherical', 'mapView', 'twin', 'lesson'];

export function setupLink(app) {
  const { store, zoo } = app;
  const $ = (id) => document.getElementById(id);
  let hashTimer = 0;
  function saveHash() {
    if (!store.state.subject || applying) return;
    // At most one write every 150 ms, of the state as it is then: a change every frame (the walk) still
    // reaches the link.
    if (hashTimer) return;
    hashTimer = setTimeout(() => {
      hashTimer = 0;
      if (!store.state.subject) return;
      const h = formatHash({ ...store.state, conditional: store.state.subject.conditional });
      if (h !== location.hash) history.replaceState(null, '', h);
    }, 150);
  }

  let applying = false;
  /** Applies the link's settings; each bad one is reported in words, and the rest still apply. */
  async function applyHash() {
    const { patch, problems } = parseHash(location.hash);
    applying = true;
    try {
      const id = patch.modelId ?? store.state.subject?.id ?? DEFAULT_ID;
      if (!zoo.entry(id)) {
        problems.push(() => tRaw('The link names a model "{id}" that is not in the zoo, so the default model is shown.', { id }));
      }
      const want = zoo.entry(id) ? id : DEFAULT_ID;
      if (!store.state.subject || store.state.subject.id !== want) {
        const ok = await app.models.choose(want, { quiet: true });
        if (!ok && !store.state.subject) {
          const why = app.models.lastProblem;
          problems.push(() => t('{why} The default model is shown.', { why: why() }));
          await app.models.choose(DEFAULT_ID, { quiet: true });
        }
      }
      const s = store.state.subject;
      if (!s) return;
      const d = s.latent;
      const fit = (key, v) => {
        if (!v) return undefined;
        if (v.length === d) return v;
        problems.push(() => tRaw('The link\'s "{key}" has {n} numbers, but {model} has {d} latent dimensions, so it was ignored.', { key, n: v.length, model: s.id ?? t('this model'), d }));
        return undefined;
      };
      const z = fit('z', patch.z);
      const a = fit('a', patch.a);
      const b = fit('b', patch.b);
      let { pair } = patch;
      if (pair && pair.some((p) => p >= d)) {
        problems.push(() => tRaw('The link\'s "dims" names a dimension beyond this model\'s {d}, so it was ignored.', { d }));
        pair = undefined;
      }
      let { label } = patch;
      if (label !== undefined && label >= s.classes) {
        if (s.conditional) problems.push(() => tRaw('The link\'s class "{label}" is beyond this model\'s {n}, so it was ignored.', { label, n: s.classes }));
        label = undefined;
      }
      let { twin } = patch;
      if (twin && twin.some((t) => !zoo.entry(t))) {
        problems.push(() => tRaw('The link\'s twin models ({ids}) are not both in the zoo, so the default pair is shown.', { ids: twin.join(', ') }));
        twin = undefined;
      }
      const next = {};
      for (const [k, v] of Object.entries({ page: patch.page, lang: patch.lang, view: patch.view, k: patch.k, spherical: patch.spherical, pair, label, twin })) {
        if (v !== undefined) next[k] = v;
      }
      if (patch.grid) next.grid = { ...store.state.grid, ...patch.grid };
      store.set(next);
      if (patch.mapView) app.map.plane.setView(patch.mapView);
      if (a) app.interp.setEnd('a', a);
      if (b) app.interp.setEnd('b', b);
      app.point.request(z ?? store.state.z);
      // A lesson's step sets the state it needs, over the rest of the link.
      let { lesson } = patch;
      const steps = lesson ? app.lesson.steps(lesson.id) : 0;
      if (lesson && !steps) {
        const { id: named } = lesson;
        problems.push(() => tRaw('The link names a lesson "{id}" that this page does not have, so it was ignored.', { id: named }));
        lesson = null;
      } else if (lesson && lesson.step > steps) {
        problems.push(() => tRaw('The link\'s step {n} is beyond the lesson\'s {count} steps, so its last step is shown.', { n: lesson.step, count: steps }));
      }
      if (lesson) app.lesson.go(lesson.step, lesson.id);
      else if (store.state.lesson) store.set({ lesson: null });
    } finally {
      applying = false;
      app.showNotice(problems.length ? () => problems.map((say) => say()).join(' ') : '');
      saveHash();
    }
  }

  store.subscribe(HASHED, saveHash);
  window.addEventListener('hashchange', applyHash);
  return { apply: applyHash, save: saveHash };
}
