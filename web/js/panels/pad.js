// The drawing pad: the encoder places a drawing (its mean μ and spread σ on the map, or an autoencoder's
// point), z = μ + σ·ε for M draws of ε decoded beside its reconstruction, and its score (the negative ELBO,
// or an autoencoder's reconstruction error) ranked against the held-out digits.
import { DrawingPad, preprocess } from '../draw/drawing-pad.js';
import { paintDigit } from '../draw/digit.js';
import { showStrip } from '../draw/strip.js';
import { normals } from '../app/random.js';
import { formatList } from '../app/format.js';
import { zName } from './point.js';
import { attr, t, text } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);

export function setupPad(app) {
  const { store } = app;
  let seed = 1;
  let input = null; // the 28x28 input the encoder was given for the drawing, or null
  const pad = new DrawingPad($('pad'), { onStroke: analyse });

  function analyse() {
    const s = app.subject;
    const x = preprocess($('pad'));
    input = x;
    store.set({ drawing: x });
    const plane = app.map.plane;
    if (!x) {
      text($('pad-info'), () => t('The pad is empty: draw a {noun} first.', { noun: app.classNoun }));
      attr($('pad-input'), 'aria-label', () => t('The 28 × 28 input the model sees: empty until you draw.'));
      attr($('pad-recon'), 'aria-label', () => t('Its reconstruction: empty until you draw.'));
      $('pad-samples-fig').hidden = true;
      plane.setOverlay({ ellipse: null, samples: null });
      return;
    }
    const { label, pair } = store.state;
    paintDigit($('pad-input'), x);
    const { mu, logvar } = s.encode(x, label);
    paintDigit($('pad-recon'), s.decode(mu, label));
    const d = s.latent;
    const [i, j] = pair;
    const score = s.score(x, label);
    const ranks = s.heldoutScores;
    const below = ranks.findIndex((v) => v > score.score[0]);
    const pct = Math.round((100 * (below < 0 ? ranks.length : below)) / ranks.length);
    const where = () => (d > 2 ? ` ${t('(drawn in {a} and {b})', { a: zName(i), b: zName(j) })}` : '');
    const cls = () => (s.conditional ? ` ${t('Encoded and decoded as {noun} {name}, the class picked above.', { noun: app.classNoun, name: app.className(label) })}` : '');
    const unusual = () => t('(a high score means the model finds the drawing unusual)');
    const info = $('pad-info');
    let factor = 1;
    if (!s.gaussian) {
      // An autoencoder's code is one point: nothing to sample, no KL, and its score is the reconstruction error.
      $('pad-samples-fig').hidden = true;
      plane.setOverlay({ ellipse: { mu: Array.from(mu), sigma: null, factor: 1 }, samples: null });
      text(info, () => `z = (${fmtList(mu)})${where()}: ${t('an autoencoder\'s code is a point, with no σ to sample from and no KL term.')}`
        + ` ${t('Its score is the reconstruction error alone, {recon} nats: higher than {pct}% of the held-out {nouns}', { recon: score.recon[0].toFixed(1), pct, nouns: app.classNouns })}`
        + ` ${unusual()}.${cls()}`);
      Object.assign(info.dataset, { mu: Array.from(mu).join(','), loss: '', recon: String(score.recon[0]), kl: '', percentile: String(pct), factor: '1' });
    } else {
      const sigma = Array.from(logvar, (v) => Math.exp(v / 2));
      // Samples z = mu + sigma * eps, decoded in one call.
      const m = Number($('pad-m').value);
      const eps = normals(d * m, seed);
      const z = new Float32Array(d * m);
      for (let k = 0; k < d * m; k++) z[k] = mu[k % d] + sigma[k % d] * eps[k];
      showStrip($('pad-samples'), s.decode(z, label), m);
      $('pad-samples-fig').hidden = false;
      // Magnify a tiny ellipse (and the samples' offsets) by a round factor until it is visible; say so.
      const unit = plane.pixelsPerZ();
      const shownSigma = [sigma[i], sigma[j]];
      factor = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].find((f) => Math.min(...shownSigma) * f * unit >= 10) ?? 1000;
      const shown = Array.from({ length: m }, (_, k) => Array.from({ length: d }, (_, q) => mu[q] + factor * (z[d * k + q] - mu[q])));
      plane.setOverlay({ ellipse: { mu: Array.from(mu), sigma: shownSigma, factor }, samples: shown });
      text(info, () => `μ = (${fmtList(mu)}), σ = (${fmtList(sigma, 3)})${where()}`
        + `${factor > 1 ? `; ${t('the ellipse and the ◆ offsets are drawn {factor}× larger to be visible', { factor })}` : ''}. `
        + `${t('Negative ELBO {loss} nats = reconstruction {recon} + KL {kl}', { loss: score.loss[0].toFixed(1), recon: score.recon[0].toFixed(1), kl: score.kl[0].toFixed(1) })}: `
        + `${t('higher than {pct}% of the held-out {nouns}', { pct, nouns: app.classNouns })} ${unusual()}.${cls()}`);
      Object.assign(info.dataset, {
        mu: Array.from(mu).join(','), loss: String(score.loss[0]), recon: String(score.recon[0]), kl: String(score.kl[0]),
        percentile: String(pct), factor: String(factor),
      });
    }
    // The two small pictures in words, with the score the text above gives.
    const scored = () => (s.gaussian ? t('negative ELBO {v} nats', { v: score.loss[0].toFixed(1) }) : t('reconstruction error {v} nats', { v: score.recon[0].toFixed(1) }));
    const at = `${s.gaussian ? 'μ' : 'z'} = (${fmtList(mu)})`;
    attr($('pad-input'), 'aria-label', () => t('Your drawing as the model sees it, 28 × 28, encoded at {at}: {scored}, higher than {pct}% of the held-out {nouns}.', { at, scored, pct, nouns: app.classNouns }));
    attr($('pad-recon'), 'aria-label', () => t('Its reconstruction, decoded from {at}.', { at }));
    app.point.request(Array.from(mu));
  }

  const fmtList = (v, digits = 2) => formatList(v, digits, { over: 4 });

  $('pad-clear').addEventListener('click', () => { pad.clear(); analyse(); });
  $('pad-m').addEventListener('input', (e) => { $('pad-m-out').value = e.target.value; if (pad.strokes) analyse(); });
  $('pad-resample').addEventListener('click', () => { seed++; if (pad.strokes) analyse(); });
  const again = () => { if (pad.strokes) analyse(); };
  store.subscribe(['subject', 'label', 'pair'], again);
  return { get input() { return input; }, analyse };
}
