// The training panel's controls and the worker's lifecycle (created on first use or to resume a checkpoint,
// replaced after a panic). The loss chart and the live views of the model being trained are in
// training-views.js.
import { loadCheckpoint } from '../checkpoints.js';
import { setupTrainingViews } from './training-views.js';
import { setupTimeline } from './timeline.js';
import { withBuild } from '../wasm-build.js';
import { lang, msg, onLang, t, text } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);

/**
 * hooks: { pretrained(ds) -> Subject or null, loadPretrained(ds) -> Promise<Subject>, heldout, ownLabelled() (whether
 * the user's own images have labels), useModel(bytes, name, ds) }
 */
export function setupTraining(hooks) {
  let worker = null;
  let ready = null; // resolves when the worker has a trainer
  let playing = false;
  let last = null; // latest stats
  let rates = []; // samples/s of the last chunks: the readout shows their median
  let recovering = null; // what happened, while a replacement worker starts
  let settings = null; // the trainer's settings, as the worker last reported them
  let exportId = 0;
  const exports = new Map();
  /** The status line: words, or what makes them (written again after a language switch). */
  const info = (say) => { text($('train-info'), typeof say === 'function' ? say : () => say); };
  // A worker's message: [id, params], where a parameter may itself be a message (a reason), said in the
  // page's language whenever the text is written again.
  const said = ([id, params]) => () => t(id, params && Object.fromEntries(Object.entries(params)
    .map(([k, v]) => [k, Array.isArray(v) ? said(v) : v])));
  const views = setupTrainingViews({
    heldout: hooks.heldout,
    pretrained: hooks.pretrained,
    loadPretrained: hooks.loadPretrained,
    post: (msg) => worker?.postMessage(msg),
    info,
  });
  const timeline = setupTimeline({ info, download: hooks.download });

  /** Checks the chosen data set against the family: a CVAE needs labels. Returns a reason, or null. */
  function unfit(c) {
    if (c.family === 'cvae' && c.dataset === 'own' && !hooks.ownLabelled()) {
      return () => t('A conditional VAE takes each image\'s label as an input, and your images have none (labels come from folder names or file-name prefixes). Choose another family, or label them.');
    }
    return null;
  }

  function config() {
    const family = $('train-family').value;
    return {
      dataset: $('train-dataset').value,
      family,
      likelihood: $('train-likelihood').value,
      classes: family === 'cvae' ? 10 : 0,
      hidden: $('train-hidden').value.split(',').map(Number),
      latent: Number($('train-latent').value),
      seed: Number($('train-seed').value),
      lr: Number($('train-lr').value),
      beta: Number($('train-beta').value),
      batch: Number($('train-batch').value),
    };
  }

  function start(resume, then) {
    worker = new Worker(withBuild(new URL('../train-worker.js', import.meta.url)), { type: 'module' });
    let resolve;
    let reject;
    ready = new Promise((res, rej) => { resolve = res; reject = rej; });
    ready.catch(() => {});
    worker.onmessage = (e) => onMessage(e.data, resolve, reject);
    worker.onerror = (e) => {
      e.preventDefault();
      const why = e.message;
      recover(() => t('The training worker failed ({why}).', { why: why || t('it could not start') }));
    };
    worker.postMessage({ type: 'init', config: config(), resume, lang: lang() });
    worker.postMessage({ type: 'set', workers: Number($('train-workers').value) });
    sendBudget();
    if (then) ready.then(then, () => {});
  }

  /** After a panic or a crash: the worker is never reused. A new one resumes from the last checkpoint. */
  function recover(why) {
    const wasPlaying = playing;
    worker?.terminate();
    worker = null;
    setPlaying(false);
    recovering = () => `${why()} ${t('A new training worker was started from the last checkpoint.')} `;
    info(recovering);
    document.body.dataset.trainerRestarts = String(Number(document.body.dataset.trainerRestarts ?? 0) + 1);
    start(true, () => { if (wasPlaying) send({ type: 'play' }); });
    for (const id of exports.keys()) send({ type: 'export', id }); // owed by the old worker: the new one answers
  }

  function send(msg) {
    if (!worker) {
      start(false, () => worker.postMessage(msg));
      return;
    }
    ready.then(() => worker?.postMessage(msg), () => {});
  }

  function onMessage(m, resolve, reject) {
    switch (m.type) {
      case 'progress':
        text($('train-readout'), () => `${t(...m.say)} ${Math.round(m.fraction * 100)} %`);
        break;
      case 'ready':
        views.history = m.history;
        showControls(m.config);
        setEnabled(true);
        text($('train-readout'), () => position(m.step, m.epoch, null));
        // The timeline goes with the checkpoint: kept up to its step when resumed, else begun anew.
        if (m.resumed) timeline.restore(m.step); else timeline.clear();
        if (m.resumed) {
          const before = recovering;
          info(() => `${before ? before() : ''}${t('Resumed from the checkpoint at step {step}.', { step: m.step })}`);
        }
        recovering = null;
        document.body.dataset.trainer = 'ready';
        resolve();
        views.redrawChart();
        break;
      case 'playing':
        setPlaying(m.playing);
        if (m.playing) rates = [];
        break;
      case 'stats':
        last = m;
        views.history.train.push([m.step, m.loss, m.recon, m.kl ?? null]);
        rates.push(m.samplesPerSec);
        if (rates.length > 15) rates.shift();
        {
          const rate = [...rates].sort((a, b) => a - b)[rates.length >> 1];
          text($('train-readout'), () => position(m.step, m.epoch, rate, m));
        }
        $('train-epoch-progress').value = m.progress;
        document.body.dataset.trainStep = String(m.step);
        document.body.dataset.trainBatch = String(m.batch);
        document.body.dataset.trainEpoch = String(m.epoch);
        document.body.dataset.trainWasmBytes = String(m.wasmBytes);
        document.body.dataset.trainWorkers = String(m.workers);
        views.redrawChart();
        break;
      case 'eval':
        views.history.heldout.push([m.step, m.loss, m.recon, m.kl ?? null]);
        document.body.dataset.heldoutLoss = String(m.loss);
        views.redrawChart();
        break;
      case 'views':
        timeline.add(m);
        views.show(m);
        break;
      case 'reference':
        views.setReference(m);
        break;
      case 'checkpoint':
        document.body.dataset.checkpointStep = String(m.step);
        break;
      case 'settings':
        showControls(m.config);
        break;
      case 'stopped':
        setPlaying(false);
        info(() => t('Training stopped: {why}.', { why: said(m.reason) }));
        break;
      case 'nan':
        setPlaying(false);
        timeline.restore(m.step);
        views.history = m.history;
        views.redrawChart();
        info(said(m.say));
        document.body.dataset.nanStops = String(Number(document.body.dataset.nanStops ?? 0) + 1);
        text($('train-readout'), () => position(m.step, m.epoch, null));
        break;
      case 'weights':
        exports.get(m.id)?.(m);
        exports.delete(m.id);
        break;
      case 'notice':
        info(said(m.say));
        break;
      case 'workers': // two were asked for, and one trains
        document.body.dataset.trainWorkers = String(m.workers);
        info(said(m.say));
        break;
      case 'panicked':
        recover(() => t('The training engine crashed ({why}).', { why: m.message }));
        break;
      case 'error':
        info(said(m.say));
        if (!document.body.dataset.trainer) { reject(new Error(m.message)); worker?.terminate(); worker = null; }
        break;
      default:
        break;
    }
  }

  function position(step, epoch, rate, m) {
    const parts = [t('step {n}', { n: step }), t('epoch {n}', { n: epoch })];
    if (m) parts.push(t('{pct} % of this epoch', { pct: Math.round(m.progress * 100) }));
    if (rate) parts.push(t('{n} samples/s', { n: Math.round(rate) }));
    if (m?.workers > 1) parts.push(t('{n} workers', { n: m.workers }));
    if (m) {
      parts.push(m.kl === undefined ? t('reconstruction {recon} (an autoencoder: no KL)', { recon: m.recon.toFixed(1) })
        : t('loss {loss} = {recon} + {kl}', { loss: m.loss.toFixed(1), recon: m.recon.toFixed(1), kl: m.kl.toFixed(2) }));
    }
    return parts.join(' · ');
  }

  /** Shows the trainer's settings in the fields, except in the one being edited. */
  function showControls(c) {
    settings = c;
    const put = (id, v) => { if (document.activeElement !== $(id)) $(id).value = String(v); };
    put('train-lr', c.lr);
    put('train-beta', c.beta);
    put('train-batch', c.batch);
    put('train-seed', c.seed);
    put('train-latent', c.latent);
    put('train-family', c.family ?? 'vae');
    put('train-dataset', c.dataset ?? 'mnist');
    put('train-likelihood', c.likelihood ?? 'bernoulli');
    views.fillPickers(c);
    const hidden = c.hidden.join(',');
    if (![...$('train-hidden').options].some((o) => o.value === hidden)) $('train-hidden').add(new Option(c.hidden.join(', '), hidden));
    $('train-hidden').value = hidden;
  }

  function setEnabled(on) {
    for (const id of ['train-step', 'train-reset', 'train-export', 'train-use']) $(id).disabled = !on;
  }

  function setPlaying(on) {
    playing = on;
    $('train-play').setAttribute('aria-pressed', String(on));
    text($('train-play'), () => (on ? t('❚❚ Pause') : t('▶ Train')));
    document.body.dataset.training = on ? 'on' : 'off';
  }

  function sendBudget() {
    const field = (id) => ($(id).value.trim() === '' ? NaN : Number($(id).value));
    const epochs = field('train-epochs');
    const patience = field('train-patience');
    if (!(Number.isInteger(epochs) && epochs >= 0 && Number.isInteger(patience) && patience >= 0)) {
      info(() => t('The budget takes whole numbers of at least 0 (0 = no limit).'));
      return;
    }
    worker?.postMessage({ type: 'budget', epochs, patience });
  }

  /** Checks a setting before it reaches the worker; returns the number or null (and says why). */
  function setting(id, name, lo, hi, whole = false) {
    const v = Number($(id).value);
    if (!Number.isFinite(v) || v < lo || v > hi || (whole && !Number.isInteger(v)) || $(id).value.trim() === '') {
      info(() => (whole ? t('The {name} must be a whole number from {lo} to {hi}; it was not changed.', { name: t(name), lo: String(lo), hi: String(hi) })
        : t('The {name} must be a number from {lo} to {hi}; it was not changed.', { name: t(name), lo: String(lo), hi: String(hi) })));
      return null;
    }
    return v;
  }

  $('train-play').addEventListener('click', () => {
    if (playing) { worker?.postMessage({ type: 'pause' }); return; }
    if (!worker) { const why = unfit(config()); if (why) { info(why); return; } }
    info('');
    send({ type: 'play' });
  });
  $('train-step').addEventListener('click', () => send({ type: 'step' }));
  function reset() {
    const c = config();
    if (setting('train-seed', msg('seed'), 0, 4294967295, true) === null) return;
    const why = unfit(c);
    if (why) { info(why); return; }
    info('');
    send({ type: 'reset', config: c });
  }
  $('train-reset').addEventListener('click', reset);
  for (const [id, name, key, lo, hi, whole] of [
    ['train-lr', msg('learning rate'), 'lr', 1e-6, 100, false],
    ['train-beta', msg('β'), 'beta', 0, 1000, false],
    ['train-batch', msg('batch size'), 'batch', 16, 256, true],
  ]) {
    $(id).addEventListener('change', () => {
      const v = setting(id, name, lo, hi, whole);
      if (v === null || !worker) return;
      info('');
      send({ type: 'set', [key]: v });
    });
  }
  // Two workers where the browser can share memory between them and has a second core: each step is then
  // 1.5 times as fast on this 2-core host (BENCHMARKS.md), with the same weights as one.
  $('train-workers').value = self.crossOriginIsolated && navigator.hardwareConcurrency >= 2 ? '2' : '1';
  $('train-workers').addEventListener('change', () => {
    if (worker) send({ type: 'set', workers: Number($('train-workers').value) });
  });
  $('train-epochs').addEventListener('change', sendBudget);
  $('train-patience').addEventListener('change', sendBudget);
  $('train-export').addEventListener('click', async () => {
    const m = await exportWeights();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([m.bytes], { type: 'application/octet-stream' }));
    link.download = `vae-step-${m.step}.safetensors`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  });
  $('train-use').addEventListener('click', async () => {
    const m = await exportWeights();
    hooks.useModel(m.bytes, t('the model trained here (step {step})', { step: m.step }), settings?.dataset);
  });

  function exportWeights() {
    const id = ++exportId;
    return new Promise((resolve) => {
      exports.set(id, resolve);
      send({ type: 'export', id });
    });
  }

  $('train-play').disabled = false;
  onLang((l) => worker?.postMessage({ type: 'lang', lang: l }));
  // A checkpoint from an earlier visit (or a reload mid-training): resume it, and keep training if it was.
  loadCheckpoint().then((saved) => {
    if (saved && !worker) start(true, () => { if (saved.playing) send({ type: 'play' }); });
  }).catch(() => {});

  // For the tests: the worker's test-only panic message.
  return {
    forcePanic: () => worker?.postMessage({ type: 'panic' }),
    /** Starts a fresh model on data set `id` with the panel's other settings (the own-images panel's button). */
    trainOn(id) {
      $('train-dataset').value = id;
      const why = unfit(config());
      if (why) { info(why); return; }
      if (!worker) start(false); // a new worker starts with the panel's settings
      else { if (playing) worker.postMessage({ type: 'pause' }); reset(); }
      document.querySelector('.train-panel').scrollIntoView?.({ block: 'start' });
    },
    get history() { return views.history; },
    timeline,
    get settings() { return settings; },
    /** The size of the training set the worker last reported. */
    get n() { return last?.n; },
  };
}
