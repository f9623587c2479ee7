// The anomaly lab: the explored model scores its own held-out images, the other data set's, uniform noise,
// and the user's drawing and images; a threshold on the score flags anomalies. Histograms, the threshold's
// true- and false-positive rates, and the ROC curve with its area. The scoring and the ROC are made by
// lab-worker.js, off the main thread; the rates at a threshold are two binary searches, done here as it moves.
import { mulberry32 } from '../app/random.js';
import { shareAbove } from '../app/roc.js';
import { dataset } from '../app/datasets.js';
import { withBuild } from '../wasm-build.js';
import { drawHistograms, drawRoc, scoreAxis } from '../draw/score-charts.js';
import { num, onLang, t, text, writeRich } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const PIXELS = 784;
const NOISE = 1000;
const YOURS = 1000;
const COLOURS = { own: '#3b6fb6', other: '#c2762b', noise: '#6b7280', yours: '#8e3fa8' };
const pct = (v) => `${num(100 * v, 1)} %`;

/** 1,000 images of pixels drawn uniformly from [0, 1], seeded. */
function noiseImages() {
  const u = mulberry32(7);
  return Float32Array.from({ length: NOISE * PIXELS }, () => u());
}

export function setupLab(app) {
  const { store } = app;
  let worker = null; // started when the lab is first shown
  const keys = new WeakMap(); // subject -> the worker's key for its model
  let nextKey = 1;
  let job = 0;
  let noise = null;
  let scores = {}; // set name -> sorted Float32Array, for the current job's subject
  let names = {}; // set name -> what writes its words
  let subject = null;
  let curve = null;
  let threshold = null;
  let axis = null;
  let rocFor = null; // the anomaly set the curve is of
  let complete = false; // every set of the current subject is scored
  const waiting = []; // resolves of scored() calls

  const anomalySet = () => $('lab-anomalies').value;
  const otherId = (s) => (s.dataset === 'mnist' ? 'fashion-mnist' : 'mnist');

  /** The user's images: the pad's drawing, if any, and the images read on the train page. */
  function yours() {
    const parts = [];
    const drawn = app.pad?.input;
    if (drawn && drawn.some((v) => v > 0)) parts.push(drawn);
    const own = app.own?.result;
    if (own?.n) {
      const k = Math.min(own.n, YOURS - parts.length);
      parts.push(Float32Array.from(own.images.subarray(0, k * PIXELS), (b) => b / 255));
    }
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  /** Scores the four sets with the explored model; for the same model as last time, only the user's images
   *  (a new drawing), keeping the rest. */
  async function run({ full = false } = {}) {
    const s = store.state.subject;
    if (!s || store.state.page !== 'lab') return;
    if (!worker) startWorker();
    const id = ++job;
    document.body.dataset.labJob = String(id);
    delete document.body.dataset.labDone;
    if (s === subject && complete && !full) {
      delete scores.yours;
      if (rocFor === 'yours') rocFor = null;
      worker.postMessage({ type: 'score', job: id, key: keys.get(s), sets: [{ name: 'yours', images: yours() }] });
      return;
    }
    subject = s;
    complete = false;
    scores = {};
    curve = null;
    rocFor = null;
    threshold = null;
    if (!s.bytes) { say(() => t('The lab needs {name}\'s weights file, which this page no longer has.', { name: s.name })); return; }
    noise ??= noiseImages();
    const other = dataset(otherId(s));
    names = {
      own: () => t('{data} held-out {nouns}', { data: s.data.name, nouns: s.nouns }),
      other: () => t('{data} held-out {nouns}', { data: other.name, nouns: t(`${other.noun}s`) }),
      noise: () => t('uniform noise'),
      yours: () => t('your drawing and images'),
    };
    for (const o of $('lab-anomalies').options) text(o, names[o.value]);
    say(() => t('Scoring with {name}…', { name: s.name }));
    let otherSet;
    try {
      otherSet = await app.heldoutOf(otherId(s));
    } catch (e) {
      otherSet = null;
      say(() => e.message);
    }
    if (id !== job) return;
    if (!keys.has(s)) keys.set(s, nextKey++);
    const sets = [{ name: 'own', images: s.heldout.images }, { name: 'noise', images: noise }, { name: 'yours', images: yours() }];
    if (otherSet) sets.splice(1, 0, { name: 'other', images: otherSet.images });
    worker.postMessage({ type: 'score', job: id, key: keys.get(s), bytes: s.bytes, sets });
    draw();
  }

  function startWorker() {
    worker = new Worker(withBuild(new URL('../lab-worker.js', import.meta.url)), { type: 'module' });
    worker.onmessage = onMessage;
    worker.onerror = (e) => { e.preventDefault(); say(() => t('The lab\'s worker failed ({why}).', { why: e.message || t('it could not start') })); };
  }

  function onMessage({ data: m }) {
    if (m.job !== job) return;
    if (m.type === 'scores') {
      scores[m.name] = m.scores.sort();
      if (m.name === 'own' && threshold === null) threshold = quantile(scores.own, 0.95);
      askRoc();
      draw();
    } else if (m.type === 'roc') {
      if (m.name !== rocFor) return;
      curve = m;
      $('lab-auroc').dataset.auroc = String(m.auroc);
      draw();
    } else if (m.type === 'done') {
      complete = true;
      document.body.dataset.labDone = String(m.job);
      settle();
    } else if (m.type === 'error') {
      say(() => t('The lab could not score the images: {why}.', { why: m.message }));
    }
  }

  function askRoc() {
    const a = anomalySet();
    if (!scores.own || !scores[a]?.length || rocFor === a) return;
    rocFor = a;
    curve = null;
    worker.postMessage({ type: 'roc', job, name: a, normal: scores.own, anomalies: scores[a] });
  }

  const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const say = (make) => { text($('lab-rates'), make); };

  function draw() {
    const shown = Object.keys(COLOURS).filter((k) => scores[k]?.length);
    const all = shown.flatMap((k) => [scores[k][0], scores[k][scores[k].length - 1]]);
    if (all.length) axis = scoreAxis($('lab-hist'), Math.max(1, Math.min(...all) * 0.9), Math.max(...all) * 1.1);
    legend(shown);
    if (!axis || threshold === null) return;
    drawHistograms($('lab-hist'), shown.map((k) => ({ colour: COLOURS[k], scores: scores[k] })), axis, threshold);
    const a = anomalySet();
    const fpr = shareAbove(scores.own, threshold);
    const tpr = scores[a]?.length ? shareAbove(scores[a], threshold) : null;
    drawRoc($('lab-roc'), curve, tpr === null ? null : [fpr, tpr], COLOURS[a]);
    const h = $('lab-hist');
    h.setAttribute('aria-valuenow', threshold.toFixed(1));
    h.setAttribute('aria-valuemin', String(Math.round(axis.lo)));
    h.setAttribute('aria-valuemax', String(Math.round(axis.hi)));
    h.dataset.threshold = String(threshold);
    const at = { at: threshold.toFixed(1), fpr: pct(fpr), normal: names.own, tpr: tpr === null ? '' : pct(tpr), anomalies: names[a] };
    let rates;
    if (tpr !== null) rates = t('Threshold {at} nats: it flags {fpr} of the {normal}, the normal images (false positives) and {tpr} of the {anomalies} (true positives).', at);
    else {
      rates = `${t('Threshold {at} nats: it flags {fpr} of the {normal}, the normal images (false positives).', at)} ${a === 'yours'
        ? t('There are no drawings or images of yours yet: draw on the explore page\'s pad, or read your own images on the train page.')
        : t('There are no {anomalies} to score.', at)}`;
    }
    say(() => rates);
    h.setAttribute('aria-valuetext', rates);
    $('lab-rates').dataset.fpr = String(fpr);
    $('lab-rates').dataset.tpr = tpr === null ? '' : String(tpr);
    const auc = curve && rocFor === a ? curve.auroc : null;
    $('lab-auroc').textContent = auc === null ? 'AUROC: …' : `AUROC ${auc.toFixed(3)} ${t('(1 = perfect separation, 0.5 = a coin toss, below 0.5 = the anomalies look more normal than the normal images)')}`;
    reverseCase(auc);
  }

  function legend(shown) {
    $('lab-legend').replaceChildren(...shown.map((k) => {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = COLOURS[k];
      const med = scores[k][scores[k].length >> 1];
      const name = k === 'own' ? t('{name} (normal)', { name: names[k] }) : names[k]();
      li.append(sw, t('{name}: {n}, median {median} nats', { name, n: scores[k].length, median: med.toFixed(1) }));
      return li;
    }));
  }

  /** The caveat lecturers need beside the use: a VAE of clothes finds digits more likely than clothes. */
  function reverseCase(auc) {
    const on = subject?.dataset === 'fashion-mnist' && anomalySet() === 'other' && auc !== null;
    $('lab-reverse').hidden = !on;
    if (!on) return;
    const share = Object.assign(document.createElement('span'), { id: 'lab-reverse-share', textContent: pct(1 - auc) });
    const value = Object.assign(document.createElement('b'), { id: 'lab-reverse-auc', textContent: auc.toFixed(3) });
    writeRich($('lab-reverse'), t('<b>The famous reverse case</b> (Nalisnick et al., 2019, “Do Deep Generative Models Know What They Don\'t Know?”): this VAE was trained on clothes, yet it gives the MNIST digits, which it has never seen, a lower score, that is a higher likelihood, than its own held-out clothes in {share} of the pairs of one digit and one garment: AUROC {auc}, no better than a coin toss. The likelihood mostly measures how simple an image is (a digit is mostly black background, which is easy to predict), not what it shows.'),
      { share, auc: value });
  }

  // The threshold: dragged on the histogram, or moved by the arrow keys (1 % of the axis's span, 10 % with Shift).
  const h = $('lab-hist');
  const moveTo = (px) => { if (!axis) return; threshold = axis.fromPx(px); draw(); };
  h.addEventListener('pointerdown', (e) => { h.setPointerCapture(e.pointerId); moveTo(e.offsetX); });
  h.addEventListener('pointermove', (e) => { if (h.hasPointerCapture(e.pointerId)) moveTo(e.offsetX); });
  h.addEventListener('keydown', (e) => {
    if (!axis || threshold === null || !['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) return;
    e.preventDefault();
    e.stopPropagation();
    const f = e.shiftKey ? 1.1 : 1.01;
    if (e.key === 'ArrowLeft') threshold = Math.max(axis.lo, threshold / f);
    if (e.key === 'ArrowRight') threshold = Math.min(axis.hi, threshold * f);
    if (e.key === 'Home') threshold = axis.lo;
    if (e.key === 'End') threshold = axis.hi;
    draw();
  });
  $('lab-anomalies').addEventListener('change', () => { askRoc(); draw(); });
  $('lab-rescore').addEventListener('click', () => run({ full: true }));
  $('lab-reverse-show').addEventListener('click', () => {
    $('lab-anomalies').value = 'other';
    if (store.state.subject?.id === 'fashion-vae-2d') draw();
    else app.models.choose('fashion-vae-2d');
  });
  store.subscribe(['page', 'subject'], () => run());
  new ResizeObserver(() => draw()).observe(h);
  onLang(() => draw());
  /** Resolves the scored() calls once every set of the explored model is scored. */
  function settle() {
    if (complete && subject === store.state.subject) for (const resolve of waiting.splice(0)) resolve(scores);
  }

  /** Chooses which set counts as the anomalies, as the picker does. */
  function pick(set) {
    $('lab-anomalies').value = set;
    askRoc();
    draw();
  }

  return {
    run,
    pick,
    /** The sorted scores of every set, once the explored model's are all made (on the lab page). */
    scored: () => new Promise((resolve) => { waiting.push(resolve); settle(); }),
    get scores() { return scores; },
    get threshold() { return threshold; },
  };
}
