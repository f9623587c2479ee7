// Interpolation between two points A and B in all the latent dimensions (linear or spherical), decoded as
// a strip beside the pixel cross-fade of its two end images, a walk along the path, and a PNG export.
import { latentPath } from '../model.js';
import { crossFade, exportStripPng, showStrip } from '../draw/strip.js';
import { formatList } from '../app/format.js';
import { t, text } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const PIXELS = 784;
const WALK_SECONDS = 4; // A to B at speed 1

export function setupInterp(app) {
  const { store } = app;
  let strips = null; // { latent, pixel, path, fine }
  let walk = null; // { last, frame } while playing
  const walkPos = { t: 0, dir: 1 }; // where the walk is on the path (0 = A, 1 = B); kept across pauses
  const api = { arming: null, get strips() { return strips; }, get walking() { return !!walk; } };

  function setEnd(which, z, label) {
    store.set({ [which]: z ? Array.from(z) : null });
    const end = which.toUpperCase();
    text($(`${which}-out`), () => (z ? `${end} = (${formatList(z, 2, { over: 3 })})${label ? `, ${label()}` : ''}` : t('{end} not set', { end })));
  }

  function setEndFromHeldout(which, i) {
    const d = app.subject.latent;
    $(`${which}-index`).value = String(i);
    const y = app.heldout.labels[i];
    setEnd(which, app.subject.mu.subarray(d * i, d * i + d), () => t('held-out #{i} (a {name})', { i: String(i), name: app.className(y) }));
  }

  function endFromIndex(which) {
    const i = Number($(`${which}-index`).value);
    if (!Number.isInteger(i) || i < 0 || i >= app.heldout.n) {
      app.showNotice(() => t('A held-out {noun} number is a whole number from 0 to {max}.', { noun: app.classNoun, max: String(app.heldout.n - 1) }));
      return;
    }
    app.showNotice('');
    setEndFromHeldout(which, i);
  }

  /** Arms (or, with null, disarms) "the next press on the map sets end A/B"; pressing a dot picks that digit. */
  function arm(which) {
    api.arming = api.arming === which ? null : which;
    for (const w of ['a', 'b']) $(`pick-${w}`).setAttribute('aria-pressed', String(api.arming === w));
    document.body.classList.toggle('arming', !!api.arming);
    if (api.arming) {
      if (store.state.view !== 'map') store.set({ view: 'map' });
      $('latent').scrollIntoView({ block: 'nearest' });
      const end = api.arming.toUpperCase();
      app.showNotice(() => t('Click the map to set {end}; click a dot to use that held-out {noun}. Esc cancels.', { end, noun: app.classNoun }));
    } else {
      app.showNotice('');
    }
  }

  /** A press on the map while armed: that dot's encoding, or the pressed point. Consumes the press. */
  api.pick = (xy, dot) => {
    const which = api.arming;
    arm(null);
    if (dot >= 0) setEndFromHeldout(which, dot);
    else setEnd(which, app.map.withPair(app.point.current(), xy));
    return false;
  };

  function render() {
    const { a, b, k, spherical, label } = store.state;
    const d = app.subject?.latent;
    const ok = a && b && a.length === d && b.length === d;
    $('strips').hidden = !ok;
    $('strips-hint').hidden = !!ok;
    if (!ok) {
      strips = null;
      app.map.plane.setOverlay({ a: a?.length === d ? a : null, b: b?.length === d ? b : null, path: null });
      return;
    }
    const flat = latentPath(Float32Array.from(a), Float32Array.from(b), k, spherical);
    const path = Array.from({ length: k }, (_, i) => Array.from(flat.subarray(d * i, d * i + d)));
    const latent = app.subject.decode(flat, label);
    const pixel = crossFade(latent.subarray(0, PIXELS), latent.subarray((k - 1) * PIXELS), k);
    strips = { latent, pixel, path, fine: latentPath(Float32Array.from(a), Float32Array.from(b), 101, spherical) };
    showStrip($('strip-latent'), latent, k);
    showStrip($('strip-pixel'), pixel, k);
    app.map.plane.setOverlay({ a, b, path });
  }

  function toggleWalk() {
    if (walk) {
      cancelAnimationFrame(walk.frame);
      walk = null;
    } else if (strips) {
      walk = { last: performance.now(), frame: 0 };
      walk.frame = requestAnimationFrame(stepWalk);
    } else {
      app.showNotice(() => t('Set both A and B first (press A and B, or pick two held-out {nouns}).', { nouns: app.classNouns }));
    }
    $('walk-play').setAttribute('aria-pressed', String(!!walk));
    const playing = !!walk;
    text($('walk-play-text'), () => (playing ? t('❚❚ Pause walk') : t('▶ Play walk')));
  }

  function stepWalk(now) {
    if (!walk || !strips) return;
    const dt = (now - walk.last) / 1000;
    walk.last = now;
    walkPos.t += (walkPos.dir * dt * store.state.speed) / WALK_SECONDS;
    if (walkPos.t >= 1) { walkPos.t = 1; walkPos.dir = -1; }
    if (walkPos.t <= 0) { walkPos.t = 0; walkPos.dir = 1; }
    const f = strips.fine;
    const d = app.subject.latent;
    const pos = walkPos.t * 100;
    const i = Math.min(99, Math.floor(pos));
    const u = pos - i;
    app.point.request(Array.from({ length: d }, (_, j) => f[d * i + j] + u * (f[d * (i + 1) + j] - f[d * i + j])));
    walk.frame = requestAnimationFrame(stepWalk);
  }

  async function exportStrip() {
    if (!strips) {
      app.showNotice(() => t('Set both A and B first: the export is of the strip between them.'));
      return;
    }
    const { blob } = await exportStripPng(strips.latent, strips.pixel, store.state.k, {
      labels: $('export-labels').checked,
      mode: store.state.spherical ? 'spherical' : 'linear',
    });
    app.download(blob, `vae-interpolation-${store.state.k}-steps.png`);
  }

  /** Shows the strip's settings in its fields (after a link set them). */
  function showFields() {
    const { k, spherical } = store.state;
    $('interp-k').value = k;
    $('interp-k-out').value = k;
    $('interp-mode').value = spherical ? 'spherical' : 'linear';
  }

  $('set-a').addEventListener('click', () => setEnd('a', app.point.current()));
  $('set-b').addEventListener('click', () => setEnd('b', app.point.current()));
  $('pick-a').addEventListener('click', () => arm('a'));
  $('pick-b').addEventListener('click', () => arm('b'));
  for (const w of ['a', 'b']) $(`${w}-index`).addEventListener('change', () => endFromIndex(w));
  $('interp-k').addEventListener('input', (e) => { $('interp-k-out').value = e.target.value; store.set({ k: Number(e.target.value) }); });
  $('interp-mode').addEventListener('change', (e) => store.set({ spherical: e.target.value === 'spherical' }));
  $('walk-play').addEventListener('click', toggleWalk);
  $('walk-speed').addEventListener('input', (e) => {
    store.set({ speed: Number(e.target.value) });
    $('walk-speed-out').value = `${store.state.speed.toFixed(1)}×`;
  });
  $('export-strip').addEventListener('click', exportStrip);
  store.subscribe(['a', 'b', 'k', 'spherical', 'label', 'subject'], render);
  store.subscribe(['k', 'spherical'], showFields);
  // A new model: ends of another length no longer apply.
  store.subscribe(['subject'], (s) => {
    for (const w of ['a', 'b']) if (s[w] && s[w].length !== s.subject.latent) setEnd(w, null);
  });
  return Object.assign(api, { setEnd, arm, toggleWalk, showFields });
}
