// DOM wiring: state, the once-per-frame decode loop, and the panels (map, grid, interpolation, pad).
import { loadDefaultModel, latentPath, maxWeightsBytes, vaeFromBytes } from './model.js';
import { loadHeldout } from './data.js';
import { LatentPlane } from './plane.js';
import { paintDigit, SIDE } from './digit.js';
import { CLASS_COLOURS } from './palette.js';
import { axisValues, drawManifold, gridPoints } from './manifold.js';
import { crossFade, exportStripPng, showStrip } from './strip.js';
import { DrawingPad, preprocess } from './pad.js';
import { formatHash, LIMITS, parseHash } from './urlstate.js';
import { fillHelp, installKeys } from './keys.js';
import { setupTraining } from './training.js';

const $ = (id) => document.getElementById(id);
const PIXELS = SIDE * SIDE;
const WALK_SECONDS = 4; // A to B at speed 1

const state = {
  z: [0, 0],
  view: 'map',
  grid: { n: 20, range: 3, spacing: 'linear' },
  a: null,
  b: null,
  k: 8,
  spherical: false,
  mapView: { cx: 0, cy: 0, half: 4 },
  speed: 1,
};
let vae = null;
let heldout = null; // { n, images, bytes, labels }
let dotsMu = null; // Float32Array(n*2): encoder means of the held-out digits
let heldoutScores = null; // sorted per-digit negative ELBO of the held-out set
let gridCache = null; // { key, probs, axis }
let strips = null; // { latent, pixel, path }
let walk = null; // { last, frame } while playing
const walkPos = { t: 0, dir: 1 }; // where the walk is on the path (0 = A, 1 = B); kept across pauses
let padSeed = 1;
let padInput = null; // the 28x28 input the encoder was given for the drawing, or null
let pretrained = null; // { vae, mu }: the shipped model, kept for the training panel's comparison
let training = null;

let arming = null; // 'a' or 'b' while the next press on the map sets that interpolation end

const plane = new LatentPlane($('latent'), {
  onPick: (z, press) => {
    if (arming && press?.start) {
      const which = arming;
      armEnd(null);
      if (press.dot >= 0) setEndFromHeldout(which, press.dot);
      else setEnd(which, z);
      return false;
    }
    requestDecode(z);
    return true;
  },
  onHover: showHeldout,
  onView: (v) => { state.mapView = v; saveHash(); },
});

// ---------- messages ----------
function message(box, text) {
  box.replaceChildren();
  if (!text) { box.hidden = true; return; }
  const div = document.createElement('div');
  div.textContent = text;
  box.append(div);
  box.hidden = false;
}
const showError = (text) => message($('error'), text);
const showNotice = (text) => message($('notice'), text);

// ---------- the point and the decoded digit ----------
let pending = null;
let frame = 0;

/** Queues z; the newest point is drawn and decoded on the next animation frame, stale points are dropped. */
function requestDecode(z) {
  pending = z;
  if (!frame) frame = requestAnimationFrame(flush);
}

/** The newest point, including one queued for the next frame. */
const currentZ = () => pending ?? state.z;

function flush() {
  frame = 0;
  if (!pending || !vae) return;
  const z = pending;
  pending = null;
  state.z = z;
  plane.setZ(z);
  try {
    paintDigit($('digit'), vae.decode(Float32Array.from(z)));
    // For the bench's cold-start figure: navigation to the first painted digit.
    if (!performance.getEntriesByName('vae:first-digit').length) performance.mark('vae:first-digit');
  } catch (e) {
    showError(`Decoding failed: ${e.message}`);
    return;
  }
  const readout = $('z-readout');
  readout.textContent = `z = (${z[0].toFixed(2)}, ${z[1].toFixed(2)})`;
  readout.dataset.z1 = String(z[0]);
  readout.dataset.z2 = String(z[1]);
  for (const [i, id] of [[0, 'z1'], [1, 'z2']]) {
    if (document.activeElement !== $(id)) $(id).value = z[i].toFixed(2);
  }
  if (state.view === 'grid') renderGrid();
  saveHash();
}

for (const id of ['z1', 'z2']) {
  $(id).addEventListener('change', () => {
    const v = [Number($('z1').value), Number($('z2').value)];
    if (v.some((x) => !Number.isFinite(x) || Math.abs(x) > LIMITS.z)) {
      showNotice(`z₁ and z₂ must be numbers from −${LIMITS.z} to ${LIMITS.z}; the point was not moved.`);
      return;
    }
    showNotice('');
    requestDecode(v);
  });
}

// ---------- held-out digits on the map ----------
function showHeldout(i) {
  if (i < 0 || !heldout) return;
  const x = heldout.images.subarray(i * PIXELS, (i + 1) * PIXELS);
  paintDigit($('inspect-orig'), x);
  const mu = dotsMu.subarray(2 * i, 2 * i + 2);
  paintDigit($('inspect-recon'), vae.decode(mu));
  const info = $('inspect-info');
  info.textContent = `Held-out #${i}, a ${heldout.labels[i]}: μ = (${mu[0].toFixed(2)}, ${mu[1].toFixed(2)}).`;
  info.dataset.index = String(i);
}

function buildLegend() {
  const hidden = new Set();
  const legend = $('legend');
  CLASS_COLOURS.forEach((colour, d) => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.setAttribute('aria-pressed', 'true');
    b.setAttribute('aria-label', `digit ${d}: shown`);
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = colour; // a CSSOM property, which the page's style-src 'self' allows
    b.append(swatch, String(d));
    b.addEventListener('click', () => {
      if (hidden.has(d)) hidden.delete(d); else hidden.add(d);
      const shown = !hidden.has(d);
      b.setAttribute('aria-pressed', String(shown));
      b.setAttribute('aria-label', `digit ${d}: ${shown ? 'shown' : 'hidden'}`);
      plane.setHiddenClasses(hidden);
    });
    li.append(b);
    legend.append(li);
  });
}

// ---------- the manifold grid ----------
function renderGrid() {
  const { n, range, spacing } = state.grid;
  const key = `${n}|${range}|${spacing}`;
  if (!gridCache || gridCache.key !== key) {
    // One batched decode for all n*n points.
    gridCache = { key, probs: vae.decode(gridPoints(n, range, spacing)), axis: axisValues(n, range, spacing) };
  }
  const cell = drawManifold($('manifold'), gridCache.probs, n, gridCache.axis, state.z);
  $('manifold').dataset.cell = cell ? cell.join(',') : '';
  $('grid-info').textContent = `${n}×${n} digits over [−${range}, ${range}]², ${spacing === 'quantile'
    ? 'at evenly spaced quantiles of N(0, 1) (denser near 0)' : 'evenly spaced'}. ${cell
    ? 'The red square is the cell nearest to the point.' : 'The point lies outside this grid.'}`;
}

function setView(view) {
  state.view = view;
  $('view-map').setAttribute('aria-pressed', String(view === 'map'));
  $('view-grid').setAttribute('aria-pressed', String(view === 'grid'));
  $('map-wrap').hidden = view !== 'map';
  $('grid-wrap').hidden = view !== 'grid';
  $('legend').hidden = view !== 'map';
  $('map-hint').hidden = view !== 'map';
  document.querySelector('.zoom').hidden = view !== 'map';
  $('stage-title').textContent = view === 'map' ? 'Latent map' : 'Manifold grid';
  if (view === 'grid') renderGrid();
  else plane.draw();
  saveHash();
}

function gridPick(e) {
  const c = $('manifold');
  const r = c.getBoundingClientRect();
  const n = state.grid.n;
  const col = Math.min(n - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * n)));
  const row = Math.min(n - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * n)));
  const axis = gridCache.axis;
  requestDecode([axis[col], axis[n - 1 - row]]);
}

// ---------- interpolation ----------
function setEnd(which, z, label) {
  state[which] = z ? [z[0], z[1]] : null;
  $(`${which}-out`).textContent = z ? `${which.toUpperCase()} = (${z[0].toFixed(2)}, ${z[1].toFixed(2)})${label ? `, ${label}` : ''}` : `${which.toUpperCase()} not set`;
  renderStrips();
  saveHash();
}

function setEndFromHeldout(which, i) {
  $(`${which}-index`).value = String(i);
  setEnd(which, dotsMu.subarray(2 * i, 2 * i + 2), `held-out #${i} (a ${heldout.labels[i]})`);
}

function endFromIndex(which) {
  const i = Number($(`${which}-index`).value);
  if (!Number.isInteger(i) || i < 0 || i >= heldout.n) {
    showNotice(`A held-out digit number is a whole number from 0 to ${heldout.n - 1}.`);
    return;
  }
  showNotice('');
  setEndFromHeldout(which, i);
}

/** Arms (or, with null, disarms) "the next press on the map sets end A/B"; pressing a dot picks that digit. */
function armEnd(which) {
  arming = arming === which ? null : which;
  for (const w of ['a', 'b']) $(`pick-${w}`).setAttribute('aria-pressed', String(arming === w));
  $('latent').classList.toggle('arming', !!arming);
  if (arming) {
    if (state.view !== 'map') setView('map');
    $('latent').scrollIntoView({ block: 'nearest' });
    showNotice(`Click the map to set ${arming.toUpperCase()}; click a dot to use that held-out digit. Esc cancels.`);
  } else {
    showNotice('');
  }
}

function renderStrips() {
  const { a, b, k, spherical } = state;
  $('strips').hidden = !a || !b;
  $('strips-hint').hidden = !!(a && b);
  if (!a || !b) {
    strips = null;
    plane.setOverlay({ a, b, path: null });
    return;
  }
  const flat = latentPath(Float32Array.from(a), Float32Array.from(b), k, spherical);
  const path = Array.from({ length: k }, (_, i) => [flat[2 * i], flat[2 * i + 1]]);
  const latent = vae.decode(flat);
  const pixel = crossFade(latent.subarray(0, PIXELS), latent.subarray((k - 1) * PIXELS), k);
  strips = { latent, pixel, path, fine: latentPath(Float32Array.from(a), Float32Array.from(b), 101, spherical) };
  showStrip($('strip-latent'), latent, k);
  showStrip($('strip-pixel'), pixel, k);
  plane.setOverlay({ a, b, path });
}

function toggleWalk() {
  if (walk) {
    cancelAnimationFrame(walk.frame);
    walk = null;
  } else if (strips) {
    walk = { last: performance.now(), frame: 0 };
    walk.frame = requestAnimationFrame(stepWalk);
  } else {
    showNotice('Set both A and B first (press A and B, or pick two held-out digits).');
  }
  $('walk-play').setAttribute('aria-pressed', String(!!walk));
  $('walk-play').firstChild.textContent = walk ? '❚❚ Pause walk ' : '▶ Play walk ';
}

function stepWalk(now) {
  if (!walk || !strips) return;
  const dt = (now - walk.last) / 1000;
  walk.last = now;
  walkPos.t += (walkPos.dir * dt * state.speed) / WALK_SECONDS;
  if (walkPos.t >= 1) { walkPos.t = 1; walkPos.dir = -1; }
  if (walkPos.t <= 0) { walkPos.t = 0; walkPos.dir = 1; }
  const f = strips.fine;
  const pos = walkPos.t * 100;
  const i = Math.min(99, Math.floor(pos));
  const u = pos - i;
  requestDecode([f[2 * i] + u * (f[2 * i + 2] - f[2 * i]), f[2 * i + 1] + u * (f[2 * i + 3] - f[2 * i + 1])]);
  walk.frame = requestAnimationFrame(stepWalk);
}

async function exportStrip() {
  if (!strips) {
    showNotice('Set both A and B first: the export is of the strip between them.');
    return;
  }
  const { blob } = await exportStripPng(strips.latent, strips.pixel, state.k, {
    labels: $('export-labels').checked,
    mode: state.spherical ? 'spherical' : 'linear',
  });
  const link = $('export-link');
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(blob);
  link.download = `vae-interpolation-${state.k}-steps.png`;
  link.click();
}

// ---------- the drawing pad ----------
function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** eps ~ N(0, 1) by Box-Muller from a seeded generator. */
function normals(count, seed) {
  const u = mulberry32(seed);
  return Array.from({ length: count }, () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
}

const pad = new DrawingPad($('pad'), { onStroke: analysePad });

function analysePad() {
  const x = preprocess($('pad'));
  padInput = x;
  if (!x) {
    $('pad-info').textContent = 'The pad is empty: draw a digit first.';
    $('pad-samples-fig').hidden = true;
    plane.setOverlay({ ellipse: null, samples: null });
    return;
  }
  paintDigit($('pad-input'), x);
  const { mu, logvar } = vae.encode(x);
  const sigma = [Math.exp(logvar[0] / 2), Math.exp(logvar[1] / 2)];
  paintDigit($('pad-recon'), vae.decode(mu));
  // Samples z = mu + sigma * eps, decoded in one call.
  const m = Number($('pad-m').value);
  const eps = normals(2 * m, padSeed);
  const z = new Float32Array(2 * m);
  for (let i = 0; i < 2 * m; i++) z[i] = mu[i % 2] + sigma[i % 2] * eps[i];
  const samples = vae.decode(z);
  showStrip($('pad-samples'), samples, m);
  $('pad-samples-fig').hidden = false;
  // Magnify a tiny ellipse (and the samples' offsets) by a round factor until it is visible; say so.
  const unit = plane.pixelsPerZ();
  const factor = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].find((f) => Math.min(...sigma) * f * unit >= 10) ?? 1000;
  const shown = Array.from({ length: m }, (_, i) => [mu[0] + factor * (z[2 * i] - mu[0]), mu[1] + factor * (z[2 * i + 1] - mu[1])]);
  plane.setOverlay({ ellipse: { mu: [mu[0], mu[1]], sigma, factor }, samples: shown });
  const score = vae.elbo(x, 10, 7);
  heldoutScores ??= Float32Array.from(vae.elbo(heldout.images, 10, 0).loss).sort();
  const below = heldoutScores.findIndex((s) => s > score.loss[0]);
  const pct = Math.round((100 * (below < 0 ? heldoutScores.length : below)) / heldoutScores.length);
  const info = $('pad-info');
  info.textContent = `μ = (${mu[0].toFixed(2)}, ${mu[1].toFixed(2)}), σ = (${sigma[0].toFixed(3)}, ${sigma[1].toFixed(3)})`
    + `${factor > 1 ? `; the ellipse and the ◆ offsets are drawn ${factor}× larger to be visible` : ''}. `
    + `Negative ELBO ${score.loss[0].toFixed(1)} nats = reconstruction ${score.recon[0].toFixed(1)} + KL ${score.kl[0].toFixed(1)}: `
    + `higher than ${pct}% of the held-out digits (a high score means the model finds the drawing unusual).`;
  Object.assign(info.dataset, {
    mu: `${mu[0]},${mu[1]}`, loss: String(score.loss[0]), recon: String(score.recon[0]), kl: String(score.kl[0]),
    percentile: String(pct), factor: String(factor),
  });
  requestDecode([mu[0], mu[1]]);
}

// ---------- URL state ----------
let hashTimer = 0;
function saveHash() {
  if (!vae) return;
  clearTimeout(hashTimer);
  hashTimer = setTimeout(() => {
    const h = formatHash(state);
    if (h !== location.hash) history.replaceState(null, '', h);
  }, 150);
}

function applyHash() {
  const { patch, problems } = parseHash(location.hash);
  showNotice(problems.join(' '));
  if (patch.grid) Object.assign(state.grid, patch.grid);
  if (patch.k) state.k = patch.k;
  if (patch.spherical !== undefined) state.spherical = patch.spherical;
  if (patch.mapView) plane.setView(patch.mapView);
  $('grid-n').value = state.grid.n;
  $('grid-n-out').value = state.grid.n;
  $('grid-range').value = state.grid.range;
  $('grid-spacing').value = state.grid.spacing;
  $('interp-k').value = state.k;
  $('interp-k-out').value = state.k;
  $('interp-mode').value = state.spherical ? 'spherical' : 'linear';
  if (patch.a) setEnd('a', patch.a);
  if (patch.b) setEnd('b', patch.b);
  setView(patch.view ?? state.view);
  requestDecode(patch.z ?? state.z);
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

// ---------- start ----------
function wire() {
  buildLegend();
  fillHelp($('help-list'));
  $('view-map').addEventListener('click', () => setView('map'));
  $('view-grid').addEventListener('click', () => setView('grid'));
  $('zoom-in').addEventListener('click', () => plane.zoomCentre(1 / 1.5));
  $('zoom-out').addEventListener('click', () => plane.zoomCentre(1.5));
  $('zoom-reset').addEventListener('click', () => plane.resetView());
  $('grid-n').addEventListener('input', (e) => { state.grid.n = Number(e.target.value); $('grid-n-out').value = state.grid.n; renderGrid(); saveHash(); });
  $('grid-range').addEventListener('change', (e) => {
    const r = Number(e.target.value);
    if (!(r >= LIMITS.r[0] && r <= LIMITS.r[1])) {
      showNotice(`The grid's range must be a number from ${LIMITS.r[0]} to ${LIMITS.r[1]}.`);
      e.target.value = state.grid.range;
      return;
    }
    showNotice('');
    state.grid.range = r;
    renderGrid();
    saveHash();
  });
  $('grid-spacing').addEventListener('change', (e) => { state.grid.spacing = e.target.value; renderGrid(); saveHash(); });
  $('manifold').addEventListener('pointerdown', (e) => { gridPick(e); e.preventDefault(); });
  $('manifold').addEventListener('pointermove', (e) => { if (e.buttons & 1) gridPick(e); });
  $('set-a').addEventListener('click', () => setEnd('a', currentZ()));
  $('set-b').addEventListener('click', () => setEnd('b', currentZ()));
  $('pick-a').addEventListener('click', () => armEnd('a'));
  $('pick-b').addEventListener('click', () => armEnd('b'));
  for (const w of ['a', 'b']) {
    $(`${w}-index`).addEventListener('change', () => endFromIndex(w));
  }
  $('interp-k').addEventListener('input', (e) => { state.k = Number(e.target.value); $('interp-k-out').value = state.k; renderStrips(); saveHash(); });
  $('interp-mode').addEventListener('change', (e) => { state.spherical = e.target.value === 'spherical'; renderStrips(); saveHash(); });
  $('walk-play').addEventListener('click', toggleWalk);
  $('walk-speed').addEventListener('input', (e) => { state.speed = Number(e.target.value); $('walk-speed-out').value = `${state.speed.toFixed(1)}×`; });
  $('export-strip').addEventListener('click', exportStrip);
  $('pad-clear').addEventListener('click', () => { pad.clear(); analysePad(); });
  $('pad-m').addEventListener('input', (e) => { $('pad-m-out').value = e.target.value; if (pad.strokes) analysePad(); });
  $('pad-resample').addEventListener('click', () => { padSeed++; if (pad.strokes) analysePad(); });
  $('presenter-btn').addEventListener('click', () => togglePresenter());
  $('help-btn').addEventListener('click', () => toggleHelp());
  $('help-close').addEventListener('click', () => toggleHelp(false));
  $('help').addEventListener('click', (e) => { if (e.target === $('help')) toggleHelp(false); });
  window.addEventListener('hashchange', applyHash);
  installKeys({
    move: (e) => {
      const step = (e.shiftKey ? 0.5 : 0.05) * (plane.view.half / 4);
      const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[e.key];
      const base = currentZ();
      requestDecode([base[0] + d[0], base[1] + d[1]]);
    },
    'toggle-grid': () => setView(state.view === 'map' ? 'grid' : 'map'),
    play: toggleWalk,
    'set-a': () => setEnd('a', currentZ()),
    'set-b': () => setEnd('b', currentZ()),
    zoom: (e) => plane.zoomCentre(e.key === '+' || e.key === '=' ? 1 / 1.5 : 1.5),
    'reset-view': () => plane.resetView(),
    presenter: () => togglePresenter(),
    help: () => toggleHelp(),
    escape: () => {
      if (!$('help').hidden) toggleHelp(false);
      else if (arming) armEnd(null);
      else togglePresenter(false);
    },
  });
}

async function start() {
  const progress = $('load-progress');
  try {
    const [model, data] = await Promise.all([
      loadDefaultModel((f) => { progress.value = f; }),
      loadHeldout().catch((e) => { throw new Error(`The held-out digits could not be loaded: ${e.message}.`); }),
    ]);
    vae = model;
    heldout = data;
    dotsMu = vae.encode(heldout.images).mu;
  } catch (e) {
    document.body.dataset.state = 'error';
    showError(e.message);
    return;
  }
  pretrained = { vae, mu: dotsMu };
  plane.setDots(dotsMu, heldout.labels);
  wire();
  wireImport();
  applyHash();
  training = setupTraining({
    pretrained: () => pretrained.vae,
    pretrainedMu: () => pretrained.mu,
    heldout,
    useModel,
  });
  document.body.dataset.state = 'ready';
}

// ---------- other models: trained here, or imported from a file ----------
/** Puts the model in `bytes` into the explorer. A bad file is reported and the current model stays. */
function useModel(bytes, name) {
  let next;
  try {
    next = vaeFromBytes(bytes);
  } catch (e) {
    showError(`${name}: ${e.message} The explorer keeps its current model.`);
    return false;
  }
  const { latent, family } = next.config;
  if (family !== 'vae') {
    next.free();
    const what = family === 'ae' ? 'an autoencoder' : 'a conditional VAE';
    showError(`${name} is ${what}; the explorer's map, pad and scores are built for VAEs, whose codes are distributions. The explorer keeps its current model.`);
    return false;
  }
  if (latent !== 2) {
    next.free();
    showError(`${name} has a ${latent}-dimensional latent space; the explorer's map shows 2-D latent spaces. The explorer keeps its current model.`);
    return false;
  }
  switchTo(next, name);
  return true;
}

function switchTo(next, name) {
  showError('');
  if (next === vae) return;
  if (vae !== pretrained.vae) vae.free();
  vae = next;
  dotsMu = vae === pretrained.vae ? pretrained.mu : vae.encode(heldout.images).mu;
  heldoutScores = null;
  gridCache = null;
  plane.setDots(dotsMu, heldout.labels);
  renderStrips();
  if (state.view === 'grid') renderGrid();
  requestDecode(currentZ());
  if (pad.strokes) analysePad();
  $('model-name').textContent = `Model: ${name}.`;
  $('use-pretrained').hidden = vae === pretrained.vae;
  showNotice(`The explorer now shows ${name}.`);
}

async function importFile(file) {
  if (!file) return;
  const max = maxWeightsBytes();
  if (file.size > max) {
    const mb = (n) => (n / 1048576).toFixed(0);
    showError(`${file.name} is ${mb(file.size)} MB (${file.size.toLocaleString('en')} bytes): bigger than any model this page can run (at most ${mb(max)} MB, ${max.toLocaleString('en')} bytes). The explorer keeps its current model.`);
    return;
  }
  useModel(new Uint8Array(await file.arrayBuffer()), file.name);
}

function wireImport() {
  $('weights-file').addEventListener('change', (e) => { importFile(e.target.files[0]); e.target.value = ''; });
  $('use-pretrained').addEventListener('click', () => switchTo(pretrained.vae, 'the pretrained model'));
  let depth = 0;
  const files = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
  window.addEventListener('dragenter', (e) => { if (files(e)) { depth++; document.body.classList.add('drop-target'); } });
  window.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (!depth) document.body.classList.remove('drop-target'); });
  window.addEventListener('dragover', (e) => { if (files(e)) e.preventDefault(); });
  window.addEventListener('drop', (e) => {
    if (!files(e)) return;
    e.preventDefault();
    depth = 0;
    document.body.classList.remove('drop-target');
    importFile(e.dataTransfer.files[0]);
  });
}

// For the console and the tests: the live state and views (read them; the UI is the way to change them).
window.vaeExplorer = {
  state,
  plane,
  get dotsMu() { return dotsMu; },
  get strips() { return strips; },
  get walking() { return !!walk; },
  get training() { return training; },
  get vae() { return vae; },
  get padInput() { return padInput; },
};

start();
