// The latent map: the plane (view and input), the class legend, the choice of the two dimensions it shows
// for an N-D model (the others held at their sliders), and the held-out digit under the pointer.
import { PlaneView } from '../draw/plane-view.js';
import { PlaneInput } from '../draw/plane-input.js';
import { paintDigit } from '../draw/digit.js';
import { CLASS_COLOURS } from '../draw/palette.js';
import { zName } from './point.js';
import { attr, t, text } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const PIXELS = 784;

export function setupMap(app) {
  const { store } = app;
  const plane = new PlaneView($('latent'), {
    onHover: showHeldout,
    onView: (v) => store.set({ mapView: v }),
  });
  new PlaneInput(plane, {
    onPick: (xy, press) => {
      if (app.interp.arming && press?.start) return app.interp.pick(xy, press.dot);
      app.point.request(withPair(app.point.current(), xy));
      return true;
    },
  });

  /** z with the two shown coordinates replaced by the plane's (x, y). */
  function withPair(z, [x, y]) {
    const out = z.slice();
    const [i, j] = store.state.pair;
    out[i] = x;
    if (j < out.length) out[j] = y;
    return out;
  }

  function showHeldout(i) {
    const s = app.subject;
    if (i < 0 || !s) return;
    const { images, labels } = app.heldout;
    const x = images.subarray(i * PIXELS, (i + 1) * PIXELS);
    paintDigit($('inspect-orig'), x);
    const d = s.latent;
    const mu = s.mu.subarray(d * i, d * i + d);
    paintDigit($('inspect-recon'), s.decode(mu, labels[i]));
    const [a, b] = store.state.pair;
    const info = $('inspect-info');
    const at = `μ = (${d > 2 ? `${zName(a)} ${mu[a].toFixed(2)}, ${zName(b)} ${mu[b].toFixed(2)}` : `${mu[0].toFixed(2)}, ${mu[1].toFixed(2)}`})`;
    const y = labels[i];
    text(info, () => `${t('Held-out #{i}, a {name}', { i: String(i), name: app.className(y) })}: ${at}${s.gaussian ? '' : ` ${t('(an autoencoder: the code z itself)')}`}.`);
    info.dataset.index = String(i);
  }

  function buildLegend() {
    const hidden = new Set();
    const legend = $('legend');
    legend.replaceChildren();
    CLASS_COLOURS.forEach((colour, d) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.setAttribute('aria-pressed', 'true');
      attr(b, 'aria-label', () => t('{noun} {name}: shown', { noun: app.classNoun, name: app.className(d) }));
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colour; // a CSSOM property, which the page's style-src 'self' allows
      const name = text(document.createElement('span'), () => app.className(d));
      b.append(swatch, name);
      b.addEventListener('click', () => {
        if (hidden.has(d)) hidden.delete(d); else hidden.add(d);
        const shown = !hidden.has(d);
        b.setAttribute('aria-pressed', String(shown));
        attr(b, 'aria-label', () => t(shown ? '{noun} {name}: shown' : '{noun} {name}: hidden', { noun: app.classNoun, name: app.className(d) }));
        plane.setHiddenClasses(hidden);
      });
      li.append(b);
      legend.append(li);
    });
  }

  /** The two dimension pickers, shown for a model with more than two. */
  function buildPairPickers() {
    const d = app.subject.latent;
    $('pair-pick').hidden = d <= 2;
    for (const [k, id] of [[0, 'dim-x'], [1, 'dim-y']]) {
      const sel = $(id);
      sel.replaceChildren(...Array.from({ length: d }, (_, j) => new Option(zName(j), String(j))));
      sel.value = String(store.state.pair[k]);
    }
  }

  function pickPair(k, v) {
    const pair = store.state.pair.slice();
    if (pair[1 - k] === v) pair[1 - k] = pair[k]; // picking the other axis's dimension swaps them
    pair[k] = v;
    store.set({ pair });
  }
  $('dim-x').addEventListener('change', (e) => pickPair(0, Number(e.target.value)));
  $('dim-y').addEventListener('change', (e) => pickPair(1, Number(e.target.value)));

  function showPair() {
    const [i, j] = store.state.pair;
    plane.setPair([i, j], app.subject.latent);
    plane.setAxes([zName(i), zName(j)]);
    $('dim-x').value = String(i);
    $('dim-y').value = String(j);
    const d = app.subject.latent;
    const gaussian = app.subject.gaussian;
    const n = app.heldout.n;
    text($('map-hint'), () => `${t(gaussian ? 'Dots: the {n} held-out {nouns} at their encoder means μ, coloured by class' : 'Dots: the {n} held-out {nouns} at their encoder codes z, coloured by class', { n, nouns: app.classNouns })}`
      + `${d > 2 ? t(', in {a} and {b} (the other {k} dimensions of the point are held at their sliders)', { a: zName(i), b: zName(j), k: d - 2 }) : ''}. `
      + t('Dashed rings: 1, 2 and 3 σ of the prior N(0, I). Wheel or pinch to zoom, Shift-drag or two fingers to pan.'));
  }

  let legendFor = null; // the data set whose class names the legend shows
  store.subscribe(['subject'], () => {
    if (legendFor !== app.subject.dataset) {
      legendFor = app.subject.dataset;
      buildLegend();
      plane.setHiddenClasses(new Set());
    }
    buildPairPickers();
    plane.setDots(app.subject.mu, app.heldout.labels);
    showPair();
  });
  store.subscribe(['pair'], showPair);
  store.subscribe(['z'], (s) => plane.setZ(s.z));
  $('zoom-in').addEventListener('click', () => plane.zoomCentre(1 / 1.5));
  $('zoom-out').addEventListener('click', () => plane.zoomCentre(1.5));
  $('zoom-reset').addEventListener('click', () => plane.resetView());
  return { plane, withPair, showHeldout };
}
