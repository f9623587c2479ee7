// The training panel's live views: the loss chart (−ELBO, reconstruction and KL against steps, with the
// pretrained model's band), the held-out digits' codes and a 15 x 15 decoded grid of the model being
// trained (made by the worker), or of the pretrained model for comparison; for an N-D model a chosen pair
// of dimensions, for a CVAE a chosen class.
import { PlaneView } from '../draw/plane-view.js';
import { drawLossChart } from '../draw/chart.js';
import { drawManifold, gridPoints, manifoldRgba } from '../draw/manifold.js';
import { zName } from './point.js';
import { onLang, t, text } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const VIEW_GRID = 15;
const AXIS = Array.from({ length: VIEW_GRID }, (_, i) => -3 + (6 * i) / (VIEW_GRID - 1));

/** hooks: { heldout (MNIST's), pretrained(dataset) -> Subject or null, loadPretrained(dataset), post(message to the
 *  worker), info(text) } */
export function setupTrainingViews(hooks) {
  let views = null; // latest views from the worker
  let reference = null; // the pretrained model's held-out numbers, from the worker
  let pretrainedGrid = null; // RGBA of the pretrained model's grid, made once for the comparison
  const plane = new PlaneView($('train-map'), { showPoint: false });
  const api = { history: { train: [], heldout: [] } };

  /** The held-out points at once (small, and what the tests read); the drawing at most every 200 ms, since
   *  stats arrive ~25 times a second and a long history takes a while to draw. */
  let chartTimer = 0;
  let chartDrawn = 0;
  function redrawChart() {
    $('train-chart').dataset.heldout = JSON.stringify(api.history.heldout);
    if (chartTimer) return;
    chartTimer = setTimeout(() => {
      chartTimer = 0;
      chartDrawn = performance.now();
      drawLossChart($('train-chart'), api.history, reference);
    }, Math.max(0, 200 - (performance.now() - chartDrawn)));
  }

  /** The live views' dimension pair (N-D) and class (CVAE) pickers, for the trainer's settings `c`. */
  function fillPickers(c) {
    const d = c.latent;
    $('train-view-dims').hidden = d <= 2;
    if (d > 2 && $('train-dims').options.length !== d * (d - 1) / 2) {
      const pairs = [];
      for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) pairs.push(new Option(`${zName(i)}, ${zName(j)}`, `${i},${j}`));
      $('train-dims').replaceChildren(...pairs);
    }
    $('train-view-class').hidden = c.family !== 'cvae';
  }

  function sendViewOptions() {
    const pair = $('train-view-dims').hidden ? [0, 1] : $('train-dims').value.split(',').map(Number);
    const label = Number($('train-class').value);
    hooks.post({ type: 'views', pair, label });
  }

  function drawViews() {
    const ds = views?.dataset ?? 'mnist';
    const compare = $('train-compare').checked && hooks.pretrained(ds);
    let mu;
    let rgba;
    let latent;
    let pair = [0, 1];
    let family = 'vae';
    let label = 0;
    if (compare) {
      const p = hooks.pretrained(ds);
      mu = p.mu;
      if (pretrainedGrid?.id !== p.id) pretrainedGrid = { id: p.id, rgba: manifoldRgba(p.decode(gridPoints(VIEW_GRID, 3, 'linear')), VIEW_GRID) };
      rgba = pretrainedGrid.rgba;
      latent = 2;
    } else if (views) {
      ({ mu, rgba, latent, pair = [0, 1], family = 'vae', label = 0 } = views);
    } else {
      return;
    }
    plane.setPair(pair, latent);
    plane.setAxes([zName(pair[0]), zName(pair[1])]);
    plane.setDots(mu, views?.labels ?? hooks.heldout.labels);
    drawManifold($('train-grid'), null, VIEW_GRID, AXIS, [Infinity, Infinity], rgba);
    const step = views?.step;
    const who = () => (compare ? t('the pretrained model') : t('the model being trained (step {step})', { step }));
    const [a, b] = [zName(pair[0]), zName(pair[1])];
    const dims = () => (latent > 2 ? ` ${t('({a} and {b} of {d} dimensions)', { a, b, d: latent })}` : '');
    const nouns = () => t(ds === 'mnist' ? 'digits' : 'images');
    text($('train-map-caption'), () => (family === 'ae'
      ? t('Held-out {nouns} at their codes z{dims}, by {who}.', { nouns, dims, who })
      : t('Held-out {nouns} at μ{dims}, by {who}.', { nouns, dims, who })));
    text($('train-grid-caption'), () => t('15×15 grid over [−3, 3]²{dims}{cls}, decoded by {who}.', {
      dims: () => (latent > 2 ? ` ${t('in {a} and {b} (the other dimensions at 0)', { a, b })}` : ''),
      cls: () => (family === 'cvae' ? t(', all as digit {label}', { label: String(label) }) : ''),
      who,
    }));
  }

  function setReference(m) {
    // None for the user's own images: the zoo has no model of them.
    reference = m.loss == null ? null : { loss: m.loss, recon: m.recon, kl: m.kl };
    $('train-chart').dataset.reference = m.loss == null ? '' : String(m.loss);
    redrawChart();
  }

  $('train-compare').addEventListener('change', async () => {
    const ds = views?.dataset ?? 'mnist';
    if ($('train-compare').checked && ds === 'own') {
      $('train-compare').checked = false;
      hooks.info(() => t('The zoo has no pretrained model of your own images to compare with.'));
    } else if ($('train-compare').checked && !hooks.pretrained(ds)) {
      try { await hooks.loadPretrained(ds); } catch (e) { hooks.info(() => e.message); }
    }
    drawViews();
  });
  $('train-dims').addEventListener('change', sendViewOptions);
  $('train-class').addEventListener('change', sendViewOptions);
  new ResizeObserver(() => redrawChart()).observe($('train-chart'));
  onLang(() => redrawChart());
  return Object.assign(api, { redrawChart, fillPickers, setReference, show: (m) => { views = m; drawViews(); } });
}
