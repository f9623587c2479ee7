// The explorer's bootstrap: the shared state, the zoo, the held-out digits, the panels, the URL hash, the
// named pages (explore, compare, train), presenter mode and the keyboard. Each panel lives in panels/.
import { initWasm } from './model.js';
import { hasRelaxedSimd, loaded, wasmBuild } from './wasm-build.js';
import { loadHeldout } from './data.js';
import { Store } from './app/store.js';
import { DEFAULT_ID, Zoo } from './app/zoo.js';
import { Subject } from './app/subject.js';
import { DEFAULT_DATASET, dataset } from './app/datasets.js';
import { PAGES } from './app/urlstate.js';
import { setupLink } from './app/link.js';
import { showError, showNotice } from './app/messages.js';
import { fillHelp, installKeys } from './app/keys.js';
import { setupPoint } from './panels/point.js';
import { setupMap } from './panels/map.js';
import { setupGrid } from './panels/grid.js';
import { setupInterp } from './panels/interp.js';
import { setupPad } from './panels/pad.js';
import { setupDims } from './panels/dims.js';
import { setupAnalogy } from './panels/analogy.js';
import { setupModels } from './panels/models.js';
import { setupTwin } from './panels/twin.js';
import { setupPrior } from './panels/prior.js';
import { setupCorrupt } from './panels/corrupt.js';
import { setupTraining } from './panels/training.js';
import { setupOwnData } from './panels/own-data.js';
import { setupLab } from './panels/lab.js';
import { setupAugment } from './panels/augment.js';
import { setupLesson } from './panels/lesson.js';
import { loadOwnData } from './checkpoints.js';
import { LANGS, Said, attr, lang, missing, pageMessages, preferredLang, setLang, t, text } from './i18n/i18n.js';

// The page's words first, before any panel writes its own.
setLang(preferredLang());

const $ = (id) => document.getElementById(id);

const store = new Store({
  page: 'explore',
  lang: lang(),
  modelId: DEFAULT_ID,
  subject: null,
  z: [0, 0],
  pair: [0, 1],
  label: 0,
  view: 'map',
  grid: { n: 20, range: 3, spacing: 'linear' },
  a: null,
  b: null,
  k: 8,
  spherical: false,
  mapView: { cx: 0, cy: 0, half: 4 },
  speed: 1,
  twin: ['ae-2d', 'vae-2d'],
  twinZ: [0, 0],
  twinSubjects: null,
  drawing: null,
  lesson: null, // { id, step } in a lesson
});

const zoo = new Zoo();
const subjects = new Map(); // id -> Promise<Subject> of the zoo's models

const heldouts = new Map(); // data set id -> Promise of its held-out set
const pretrained = new Map(); // data set id -> the zoo's VAE of it, for the training panel's comparison

/** The held-out share of the user's own images: in the page once read, else from this browser's storage. */
async function ownHeldout() {
  if (dataset('own').own) return dataset('own').heldout;
  const r = await loadOwnData().catch(() => null);
  if (!r) throw new Said('your own images are no longer in this browser\'s storage; drop them again');
  return app.own.register(r).heldout;
}

const app = {
  store,
  zoo,
  showError,
  showNotice,
  get subject() { return store.state.subject; },
  /** The explored model's held-out set (MNIST's before any model is shown), its word for an image, and
   *  its class names: every view reads these, so a Fashion-MNIST model's views speak of its clothes. */
  get heldout() { return store.state.subject?.heldout ?? app.mnist; },
  get classNoun() { return store.state.subject?.noun ?? t('digit'); },
  get classNouns() { return store.state.subject?.nouns ?? t('digits'); },
  className: (y) => store.state.subject?.className(y) ?? String(y),
  /** The held-out set of data set `id`, downloaded once. */
  heldoutOf(id) {
    if (id === 'own') return ownHeldout();
    if (!heldouts.has(id)) {
      const p = loadHeldout(dataset(id).folder).catch((e) => {
        heldouts.delete(id);
        throw new Said('the held-out {data} images could not be loaded: {why}', { data: () => dataset(id).name, why: () => e.message });
      });
      heldouts.set(id, p);
    }
    return heldouts.get(id);
  },
  /** The zoo's model `id` as a Subject (with its data set's held-out set), loaded on first use and kept. */
  subjectFor(id) {
    if (!subjects.has(id)) {
      const ds = zoo.entry(id)?.dataset ?? DEFAULT_DATASET;
      // Both downloads at once; a model whose held-out set failed is freed, not leaked.
      const p = Promise.allSettled([zoo.model(id), app.heldoutOf(ds)]).then(([m, heldout]) => {
        if (m.status === 'rejected') throw m.reason;
        if (heldout.status === 'rejected') { m.value.model.free(); throw heldout.reason; }
        return new Subject(m.value.model, { id, dataset: ds, bytes: m.value.bytes }, heldout.value);
      });
      p.catch(() => subjects.delete(id));
      subjects.set(id, p);
    }
    return subjects.get(id);
  },
  download(blob, name) {
    const link = $('export-link');
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(blob);
    link.download = name;
    link.click();
  },
};

// ---------- pages and views ----------
/** Shows the page's panels; in a lesson, only those its step speaks of, and the header says "Lessons". */
function showPage() {
  const { page, lesson } = store.state;
  const focus = app.lesson?.focus;
  for (const p of PAGES) {
    $(`page-${p}`).setAttribute('aria-pressed', String(!lesson && p === page));
    for (const el of document.querySelectorAll(`[data-page="${p}"]`)) el.hidden = p !== page || (!!focus && !el.matches(focus));
  }
  $('page-lessons').setAttribute('aria-pressed', String(!!lesson));
  document.body.dataset.shown = page; // not data-page: that attribute marks what a page holds
}
app.showPage = showPage;

function showView() {
  const { view } = store.state;
  $('view-map').setAttribute('aria-pressed', String(view === 'map'));
  $('view-grid').setAttribute('aria-pressed', String(view === 'grid'));
  $('map-wrap').hidden = view !== 'map';
  $('grid-wrap').hidden = view !== 'grid';
  $('legend').hidden = view !== 'map';
  $('map-hint').hidden = view !== 'map';
  document.querySelector('.zoom').hidden = view !== 'map';
  text($('stage-title'), () => (view === 'map' ? t('Latent map') : t('Manifold grid')));
  if (view === 'map') app.map.plane.draw();
}

function showLang() {
  setLang(store.state.lang);
  for (const l of LANGS) $(`lang-${l}`).setAttribute('aria-pressed', String(l === store.state.lang));
}

// ---------- presenter mode and help ----------
function togglePresenter(on = !document.body.classList.contains('presenter')) {
  document.body.classList.toggle('presenter', on);
  $('presenter-btn').setAttribute('aria-pressed', String(on));
  if (on && !document.fullscreenElement) document.documentElement.requestFullscreen?.().catch(() => {});
  if (!on && document.fullscreenElement) document.exitFullscreen?.().catch(() => {});
}

function toggleHelp(show = $('help').hidden) {
  $('help').hidden = !show;
  if (show) $('help-close').focus();
}

function wire() {
  fillHelp($('help-list'));
  for (const p of PAGES) $(`page-${p}`).addEventListener('click', () => store.set({ page: p, lesson: null }));
  $('page-lessons').addEventListener('click', () => app.lesson.open());
  $('view-map').addEventListener('click', () => store.set({ view: 'map' }));
  $('view-grid').addEventListener('click', () => store.set({ view: 'grid' }));
  $('presenter-btn').addEventListener('click', () => togglePresenter());
  $('help-btn').addEventListener('click', () => toggleHelp());
  $('help-close').addEventListener('click', () => toggleHelp(false));
  $('help').addEventListener('click', (e) => { if (e.target === $('help')) toggleHelp(false); });
  installKeys({
    move: (e) => {
      // In a lesson, ← → go between steps, unless a map (a canvas) has the focus.
      if (app.lesson.active && (e.key === 'ArrowLeft' || e.key === 'ArrowRight') && !(e.target instanceof HTMLCanvasElement)) {
        app.lesson.step(e.key === 'ArrowLeft' ? -1 : 1);
        return;
      }
      // The explore page's point, or on the compare page the twin view's cursor (its maps show z1, z2).
      const twin = store.state.page === 'compare';
      const step = (e.shiftKey ? 0.5 : 0.05) * ((twin ? 4 : app.map.plane.view.half) / 4);
      const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[e.key];
      const [i, j] = twin ? [0, 1] : store.state.pair;
      const z = (twin ? store.state.twinZ : app.point.current()).slice();
      z[i] += d[0];
      z[j] += d[1];
      if (twin) app.twin.request(z);
      else app.point.request(z);
    },
    'lesson-step': (e) => {
      if (!app.lesson.active) return false;
      app.lesson.step(e.key === 'PageUp' ? -1 : 1);
      return true;
    },
    'toggle-grid': () => store.set({ view: store.state.view === 'map' ? 'grid' : 'map' }),
    play: () => app.interp.toggleWalk(),
    'set-a': () => app.interp.setEnd('a', app.point.current()),
    'set-b': () => app.interp.setEnd('b', app.point.current()),
    zoom: (e) => app.map.plane.zoomCentre(e.key === '+' || e.key === '=' ? 1 / 1.5 : 1.5),
    'reset-view': () => app.map.plane.resetView(),
    presenter: () => togglePresenter(),
    help: () => toggleHelp(),
    escape: () => {
      if (!$('help').hidden) toggleHelp(false);
      else if (app.interp.arming) app.interp.arm(null);
      else togglePresenter(false);
    },
  });
  for (const l of LANGS) $(`lang-${l}`).addEventListener('click', () => store.set({ lang: l }));
  attr(document.body, 'data-drop-hint', () => t('Drop a .safetensors file to explore it, or your own images to train on'));
  store.subscribe(['lang'], showLang);
  showLang();
  store.subscribe(['page'], showPage);
  store.subscribe(['view'], showView);
}

/** The footer says which build of the core runs, and why (body[data-wasm] holds 'relaxed' or 'simd128'). */
function showBuild() {
  document.body.dataset.wasm = loaded.build;
  const why = () => {
    if (loaded.build === 'relaxed') return t('Engine: WebAssembly with relaxed SIMD (fused multiply-adds).');
    if (!hasRelaxedSimd) return t('Engine: WebAssembly SIMD128 (this browser has no relaxed SIMD).');
    if (wasmBuild === 'simd128') return t('Engine: WebAssembly SIMD128 (chosen in the address).');
    return t('Engine: WebAssembly SIMD128 (the relaxed-SIMD build did not load).');
  };
  text($('wasm-build'), why);
}

async function start() {
  const progress = $('load-progress');
  try {
    const [, mnist] = await Promise.all([
      initWasm((loaded, total) => { if (total) progress.value = Math.min(1, loaded / total); }),
      app.heldoutOf(DEFAULT_DATASET).catch((e) => { throw new Said('The held-out digits could not be loaded: {why}.', { why: () => e.message }); }),
      zoo.load(),
    ]);
    app.mnist = mnist; // the training panel's data set, and the views' before a model is shown
    showBuild();
  } catch (e) {
    document.body.dataset.state = 'error';
    showError(() => e.message);
    return;
  }
  // The panels, in the order their subscriptions must run (the point before the views that read it).
  const panels = {
    point: setupPoint, map: setupMap, grid: setupGrid, interp: setupInterp, pad: setupPad, dims: setupDims,
    analogy: setupAnalogy, models: setupModels, twin: setupTwin, prior: setupPrior, corrupt: setupCorrupt,
    lab: setupLab, augment: setupAugment, lesson: setupLesson, link: setupLink,
  };
  for (const [name, setup] of Object.entries(panels)) app[name] = setup(app);
  wire();
  showPage();
  await app.link.apply();
  if (!store.state.subject) {
    document.body.dataset.state = 'error';
    showError(() => t('No model could be loaded: {why}.', { why: zoo.entries.map((e) => `${e.id} (${e.error ?? t('not loaded')})`).join('; ') }));
    return;
  }
  if (zoo.problem) showError(zoo.problem);
  zoo.check().then(() => { app.models.fillSwitcher(); app.twin.fillSelects(); });
  app.training = setupTraining({
    // The zoo's VAE of the data set being trained on, for the comparison.
    pretrained: (ds) => pretrained.get(ds) ?? null,
    loadPretrained: async (ds) => {
      if (!pretrained.has(ds)) pretrained.set(ds, await app.subjectFor(dataset(ds).referenceId));
      return pretrained.get(ds);
    },
    heldout: app.mnist,
    ownLabelled: () => dataset('own').labelled === true,
    download: (blob, name) => app.download(blob, name),
    useModel: async (bytes, name, ds) => {
      const ok = await app.models.useBytes(bytes, name, ds);
      if (ok) store.set({ page: 'explore' });
      return ok;
    },
  });
  app.own = setupOwnData({ app, trainOn: (id) => app.training.trainOn(id) });
  app.lab.run();
  document.body.dataset.state = 'ready';
  keepOffline();
}

/** The service worker (sw.js) keeps the whole site for offline use; the footer says when it has. */
async function keepOffline() {
  if (!('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register('sw.js', { updateViaCache: 'none' });
    await navigator.serviceWorker.ready;
    text($('offline-status'), () => t('Saved in this browser: it works offline too.'));
    document.body.dataset.offline = 'ready';
  } catch (e) {
    text($('offline-status'), () => t('This browser could not save the page for offline use ({why}).', { why: e.message }));
  }
}

// For the console and the tests: the live state and views (read them; the UI is the way to change them).
window.vaeExplorer = {
  state: store.state,
  store,
  app,
  get plane() { return app.map?.plane; },
  get subject() { return store.state.subject; },
  get vae() { return store.state.subject?.model; },
  get dotsMu() { return store.state.subject?.mu; },
  get strips() { return app.interp?.strips; },
  get walking() { return !!app.interp?.walking; },
  get training() { return app.training; },
  get padInput() { return app.pad?.input; },
  /** The language: the page's own message ids, and the ids asked for in Korean that ko.js lacks. */
  i18n: { lang, missing, pageMessages },
};

start();
