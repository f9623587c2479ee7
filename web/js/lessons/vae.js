// The lesson "From the autoencoder to the VAE": ten steps, in our order. Each step sets the app's state
// (model, page, view, point, strip, twin pair) and shows only the panels it speaks of; explains one idea, with
// its formula in MathML; and asks a question to answer before the page reveals it, live, with numbers the
// page computes from the model at that moment (so the right answer is judged from them too, not assumed).
// The words are message ids (msg), translated by the lesson panel.
import { msg, num, t } from '../i18n/i18n.js';
import { normals } from '../app/random.js';
import { auroc } from '../app/roc.js';
import { bernoulliNll, greyPixels, median, nearestImage, rms, spreadPerDim, widestHole } from './measures.js';

const PIXELS = 784;
const f2 = (v) => num(v, 2);
const f3 = (v) => num(v, 3);
const f1 = (v) => num(v, 1);
const pct = (v) => `${num(100 * v, 1)} %`;

/** MathML: the formula's rows, each a <math> block. */
const M = {
  ae: ['<mi>z</mi><mo>=</mo><msub><mi>f</mi><mi>φ</mi></msub><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo><mo>,</mo><mspace width="1.5em"/><mover><mi>x</mi><mo>^</mo></mover><mo>=</mo><msub><mi>g</mi><mi>θ</mi></msub><mo stretchy="false">(</mo><mi>z</mi><mo stretchy="false">)</mo>',
    '<msub><mi>L</mi><mtext>AE</mtext></msub><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo><mo>=</mo><mo>−</mo><munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mn>784</mn></munderover><mo stretchy="false">[</mo><msub><mi>x</mi><mi>i</mi></msub><mi>log</mi><msub><mover><mi>x</mi><mo>^</mo></mover><mi>i</mi></msub><mo>+</mo><mo stretchy="false">(</mo><mn>1</mn><mo>−</mo><msub><mi>x</mi><mi>i</mi></msub><mo stretchy="false">)</mo><mi>log</mi><mo stretchy="false">(</mo><mn>1</mn><mo>−</mo><msub><mover><mi>x</mi><mo>^</mo></mover><mi>i</mi></msub><mo stretchy="false">)</mo><mo stretchy="false">]</mo>'],
  posterior: ['<msub><mi>q</mi><mi>φ</mi></msub><mo stretchy="false">(</mo><mi>z</mi><mo>|</mo><mi>x</mi><mo stretchy="false">)</mo><mo>=</mo><mi mathvariant="script">N</mi><mo stretchy="false">(</mo><mi>z</mi><mo>;</mo><mi>μ</mi><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo><mo>,</mo><mi>diag</mi><msup><mi>σ</mi><mn>2</mn></msup><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo><mo stretchy="false">)</mo>',
    '<mi>σ</mi><mo>=</mo><mi>exp</mi><mo stretchy="false">(</mo><mfrac><mn>1</mn><mn>2</mn></mfrac><mi>log</mi><msup><mi>σ</mi><mn>2</mn></msup><mo stretchy="false">)</mo>'],
  reparam: ['<mi>z</mi><mo>=</mo><mi>μ</mi><mo>+</mo><mi>σ</mi><mo>⊙</mo><mi>ε</mi><mo>,</mo><mspace width="1.5em"/><mi>ε</mi><mo>∼</mo><mi mathvariant="script">N</mi><mo stretchy="false">(</mo><mn>0</mn><mo>,</mo><mi>I</mi><mo stretchy="false">)</mo>',
    '<mfrac><mrow><mo>∂</mo><mi>z</mi></mrow><mrow><mo>∂</mo><mi>μ</mi></mrow></mfrac><mo>=</mo><mn>1</mn><mo>,</mo><mspace width="1.5em"/><mfrac><mrow><mo>∂</mo><mi>z</mi></mrow><mrow><mo>∂</mo><mi>σ</mi></mrow></mfrac><mo>=</mo><mi>ε</mi><mo>,</mo><mspace width="1.5em"/><mfrac><mrow><mo>∂</mo><mi>L</mi></mrow><mrow><mo>∂</mo><mi>σ</mi></mrow></mfrac><mo>=</mo><mfrac><mrow><mo>∂</mo><mi>L</mi></mrow><mrow><mo>∂</mo><mi>z</mi></mrow></mfrac><mo>⋅</mo><mi>ε</mi>'],
  generate: ['<mi>z</mi><mo>∼</mo><mi>p</mi><mo stretchy="false">(</mo><mi>z</mi><mo stretchy="false">)</mo><mo>=</mo><mi mathvariant="script">N</mi><mo stretchy="false">(</mo><mn>0</mn><mo>,</mo><mi>I</mi><mo stretchy="false">)</mo><mo>,</mo><mspace width="1.5em"/><msub><mi>p</mi><mi>θ</mi></msub><mo stretchy="false">(</mo><mi>x</mi><mo>|</mo><mi>z</mi><mo stretchy="false">)</mo><mo>=</mo><munderover><mo>∏</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mn>784</mn></munderover><mi>Bern</mi><mo stretchy="false">(</mo><msub><mi>x</mi><mi>i</mi></msub><mo>;</mo><msub><mi>g</mi><mi>θ</mi></msub><msub><mrow><mo stretchy="false">(</mo><mi>z</mi><mo stretchy="false">)</mo></mrow><mi>i</mi></msub><mo stretchy="false">)</mo>'],
  elbo: ['<mo>−</mo><mi>ELBO</mi><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo><mo>=</mo><msub><mi mathvariant="double-struck">E</mi><mrow><msub><mi>q</mi><mi>φ</mi></msub><mo stretchy="false">(</mo><mi>z</mi><mo>|</mo><mi>x</mi><mo stretchy="false">)</mo></mrow></msub><mo stretchy="false">[</mo><mo>−</mo><mi>log</mi><msub><mi>p</mi><mi>θ</mi></msub><mo stretchy="false">(</mo><mi>x</mi><mo>|</mo><mi>z</mi><mo stretchy="false">)</mo><mo stretchy="false">]</mo><mo>+</mo><mi>KL</mi><mo stretchy="false">(</mo><msub><mi>q</mi><mi>φ</mi></msub><mo stretchy="false">(</mo><mi>z</mi><mo>|</mo><mi>x</mi><mo stretchy="false">)</mo><mo>∥</mo><mi mathvariant="script">N</mi><mo stretchy="false">(</mo><mn>0</mn><mo>,</mo><mi>I</mi><mo stretchy="false">)</mo><mo stretchy="false">)</mo><mo>≥</mo><mo>−</mo><mi>log</mi><msub><mi>p</mi><mi>θ</mi></msub><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo>',
    '<mi>KL</mi><mo>=</mo><mfrac><mn>1</mn><mn>2</mn></mfrac><munder><mo>∑</mo><mi>j</mi></munder><mo stretchy="false">(</mo><msubsup><mi>μ</mi><mi>j</mi><mn>2</mn></msubsup><mo>+</mo><msubsup><mi>σ</mi><mi>j</mi><mn>2</mn></msubsup><mo>−</mo><mn>1</mn><mo>−</mo><mi>log</mi><msubsup><mi>σ</mi><mi>j</mi><mn>2</mn></msubsup><mo stretchy="false">)</mo>'],
  interp: ['<mi>z</mi><mo stretchy="false">(</mo><mi>t</mi><mo stretchy="false">)</mo><mo>=</mo><mo stretchy="false">(</mo><mn>1</mn><mo>−</mo><mi>t</mi><mo stretchy="false">)</mo><msub><mi>z</mi><mi>A</mi></msub><mo>+</mo><mi>t</mi><msub><mi>z</mi><mi>B</mi></msub><mspace width="1.5em"/><mtext>vs</mtext><mspace width="1.5em"/><mi>x</mi><mo stretchy="false">(</mo><mi>t</mi><mo stretchy="false">)</mo><mo>=</mo><mo stretchy="false">(</mo><mn>1</mn><mo>−</mo><mi>t</mi><mo stretchy="false">)</mo><msub><mi>x</mi><mi>A</mi></msub><mo>+</mo><mi>t</mi><msub><mi>x</mi><mi>B</mi></msub><mo>,</mo><mspace width="1em"/><mi>t</mi><mo>∈</mo><mo stretchy="false">[</mo><mn>0</mn><mo>,</mo><mn>1</mn><mo stretchy="false">]</mo>'],
  beta: ['<msub><mi>L</mi><mi>β</mi></msub><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo><mo>=</mo><msub><mi mathvariant="double-struck">E</mi><mi>q</mi></msub><mo stretchy="false">[</mo><mo>−</mo><mi>log</mi><msub><mi>p</mi><mi>θ</mi></msub><mo stretchy="false">(</mo><mi>x</mi><mo>|</mo><mi>z</mi><mo stretchy="false">)</mo><mo stretchy="false">]</mo><mo>+</mo><mi>β</mi><munderover><mo>∑</mo><mrow><mi>j</mi><mo>=</mo><mn>1</mn></mrow><mi>d</mi></munderover><msub><mi>KL</mi><mi>j</mi></msub><mo>,</mo><mspace width="1.5em"/><msub><mi>KL</mi><mi>j</mi></msub><mo>=</mo><mn>0</mn><mo>⇔</mo><mi>q</mi><mo stretchy="false">(</mo><msub><mi>z</mi><mi>j</mi></msub><mo>|</mo><mi>x</mi><mo stretchy="false">)</mo><mo>=</mo><mi mathvariant="script">N</mi><mo stretchy="false">(</mo><mn>0</mn><mo>,</mo><mn>1</mn><mo stretchy="false">)</mo>'],
  cvae: ['<msub><mi>q</mi><mi>φ</mi></msub><mo stretchy="false">(</mo><mi>z</mi><mo>|</mo><mi>x</mi><mo>,</mo><mi>y</mi><mo stretchy="false">)</mo><mo>,</mo><mspace width="1.5em"/><msub><mi>p</mi><mi>θ</mi></msub><mo stretchy="false">(</mo><mi>x</mi><mo>|</mo><mi>z</mi><mo>,</mo><mi>y</mi><mo stretchy="false">)</mo>',
    '<mo>−</mo><mi>ELBO</mi><mo stretchy="false">(</mo><mi>x</mi><mo>,</mo><mi>y</mi><mo stretchy="false">)</mo><mo>=</mo><msub><mi mathvariant="double-struck">E</mi><mi>q</mi></msub><mo stretchy="false">[</mo><mo>−</mo><mi>log</mi><msub><mi>p</mi><mi>θ</mi></msub><mo stretchy="false">(</mo><mi>x</mi><mo>|</mo><mi>z</mi><mo>,</mo><mi>y</mi><mo stretchy="false">)</mo><mo stretchy="false">]</mo><mo>+</mo><mi>KL</mi><mo stretchy="false">(</mo><msub><mi>q</mi><mi>φ</mi></msub><mo stretchy="false">(</mo><mi>z</mi><mo>|</mo><mi>x</mi><mo>,</mo><mi>y</mi><mo stretchy="false">)</mo><mo>∥</mo><mi mathvariant="script">N</mi><mo stretchy="false">(</mo><mn>0</mn><mo>,</mo><mi>I</mi><mo stretchy="false">)</mo><mo stretchy="false">)</mo>'],
  uses: ['<mi>score</mi><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo><mo>=</mo><mo>−</mo><mi>ELBO</mi><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo><mo>≥</mo><mo>−</mo><mi>log</mi><msub><mi>p</mi><mi>θ</mi></msub><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo><mo>,</mo><mspace width="1.5em"/><mi>anomaly</mi><mo>⇔</mo><mi>score</mi><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo><mo>&gt;</mo><mi>τ</mi>'],
  vq: ['<msub><mi>z</mi><mi>q</mi></msub><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo><mo>=</mo><msub><mi>e</mi><mi>k</mi></msub><mo>,</mo><mspace width="1.5em"/><mi>k</mi><mo>=</mo><munder><mi>argmin</mi><mi>j</mi></munder><mo fence="true">‖</mo><msub><mi>z</mi><mi>e</mi></msub><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo><mo>−</mo><msub><mi>e</mi><mi>j</mi></msub><msub><mo fence="true">‖</mo><mn>2</mn></msub>'],
};

/** The first held-out image of class c. */
const firstOf = (s, c) => s.heldout.labels.indexOf(c);
const image = (s, i) => s.heldout.images.subarray(i * PIXELS, (i + 1) * PIXELS);
const code = (s, i) => Array.from(s.mu.subarray(i * s.latent, (i + 1) * s.latent));

/** Where the prior puts its draws, against where a model's codes are: the radius r that holds 95 % of 10,000
 *  draws z ~ N(0, I) (seed 11), and the share of the model's held-out codes within r of the origin. */
function inPriorBall(s) {
  const d = s.latent;
  const norms = (v) => Float64Array.from({ length: v.length / d }, (_, i) => Math.hypot(...v.subarray(i * d, (i + 1) * d))).sort();
  const prior = norms(normals(10000 * d, 11));
  const r = prior[Math.floor(0.95 * prior.length)];
  const codes = norms(s.mu);
  return { r, share: codes.filter((v) => v < r).length / codes.length, spread: spreadPerDim(s.mu, d) };
}

/** A step's set-up: zoo model `id` on the explore page's map, with the point at the first held-out image of
 *  class c, shown beside its reconstruction. */
const atFirstOf = (id, c) => async (L) => {
  const s = await L.use(id, 'explore');
  L.set({ view: 'map' });
  L.app.map.plane.resetView();
  L.heldout(firstOf(s, c));
};

export const VAE_LESSON = {
  id: 'vae',
  name: msg('From the autoencoder to the VAE'),
  steps: [
    {
      title: msg('An autoencoder compresses and reconstructs'),
      text: msg('An autoencoder\'s encoder squeezes each 784-pixel image into a code <i>z</i> of a few numbers, and its decoder rebuilds the image from that code. Training asks only that the rebuilt image be close to the input, so each image\'s code is a single point, placed wherever training left it. On this autoencoder\'s map the codes form streaks with empty space between them. The point sits in the widest hole: nobody ever asked the decoder what to draw there.'),
      math: M.ae,
      focus: '.stage, .side',
      async setup(L) {
        const s = await L.use('ae-2d', 'explore');
        L.set({ view: 'map' });
        const hole = widestHole(s.mu, s.latent);
        const [[x0, x1], [y0, y1]] = hole.range;
        L.app.map.plane.setView({ cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, half: 0.6 * Math.max(x1 - x0, y1 - y0) });
        L.point(hole.z);
      },
      ask: msg('To make a new digit, draw z from the prior N(0, I) and decode it. What will an autoencoder draw for most such z?'),
      choices: [msg('Clear digits, like the training digits'), msg('Smudges and broken strokes that are not digits'), msg('Exact copies of training digits')],
      async reveal(L) {
        const [ae, vae] = await Promise.all([L.subject('ae-8d'), L.subject('vae-8d')]);
        L.set({ twin: ['ae-8d', 'vae-8d'] });
        await L.page('compare', '.twin-panel, .prior-panel');
        return { ae: inPriorBall(ae), vae: inPriorBall(vae) };
      },
      answer: (f) => (f.ae.share < 0.5 ? 1 : 0),
      said: (f) => t('Left, the 8-D autoencoder\'s decodes of prior draws; right, the 8-D VAE\'s decodes of the same draws. Why: 95 % of the draws z ~ N(0, I) lie within {r} of the origin, but only {ae} of ae-8d\'s held-out codes do (they spread with a standard deviation of {lo} to {hi} per dimension), so its decoder was hardly ever trained there. Of vae-8d\'s codes, {vae} lie there.',
        { r: f2(f.ae.r), ae: pct(f.ae.share), lo: f1(Math.min(...f.ae.spread)), hi: f1(Math.max(...f.ae.spread)), vae: pct(f.vae.share) }),
    },
    {
      title: msg('A VAE\'s encoder outputs a mean μ and a spread σ'),
      text: msg('A variational autoencoder\'s encoder gives each image not one point but a distribution over codes, <i>q</i>(<i>z</i> | <i>x</i>) = N(μ, σ²): a mean μ and a standard deviation σ for every dimension. It outputs log σ² rather than σ, so that any real number will do and σ = exp(½ log σ²) is always positive. An image\'s code is a small cloud around μ; each dot on the map is a held-out digit\'s μ.'),
      math: M.posterior,
      focus: '.stage, .side',
      setup: atFirstOf('vae-2d', 2),
      ask: msg('How large is σ, the spread of one digit\'s cloud, compared with the prior\'s spread of 1?'),
      choices: [msg('About 1: each cloud covers the whole map'), msg('Much smaller than 1: each cloud is a small patch of the map'), msg('Exactly 0: the code is a point, as in an autoencoder')],
      async reveal(L) {
        const s = L.app.subject;
        const { logvar } = s.encoded;
        const d = s.latent;
        const each = Array.from({ length: logvar.length / d }, (_, i) => {
          let m = 0;
          for (let j = 0; j < d; j++) m += Math.exp(logvar[i * d + j] / 2) / d;
          return m;
        });
        const widest = each.indexOf(Math.max(...each));
        L.heldout(widest);
        const sigma = Array.from(logvar.subarray(widest * d, widest * d + d), (v) => Math.exp(v / 2));
        return {
          lo: Math.min(...each), hi: Math.max(...each), med: median(each), spread: median(spreadPerDim(s.mu, d)),
          i: widest, name: s.className(s.heldout.labels[widest]), sigma,
        };
      },
      answer: (f) => (f.med < 0.5 ? 1 : f.med > 1e-6 ? 0 : 2),
      said: (f) => t('Over the 1,000 held-out digits, σ (the mean over dimensions) runs from {lo} to {hi}, median {med}, while the codes μ spread over the map with a standard deviation of {spread}. The point is now at the μ of the digit with the widest cloud, held-out #{i}, a {name}: σ = ({sigma}).',
        { lo: f3(f.lo), hi: f3(f.hi), med: f3(f.med), spread: f2(f.spread), i: String(f.i), name: f.name, sigma: f.sigma.map(f3).join(', ') }),
    },
    {
      title: msg('Sampling: the reparameterisation trick'),
      text: msg('During training the decoder is given a code drawn from the encoder\'s cloud, <i>z</i> ~ N(μ, σ²). Drawing <i>z</i> directly is a random step that no gradient can pass through. The reparameterisation trick draws the randomness apart, ε ~ N(0, I), and computes <i>z</i> = μ + σ·ε: now <i>z</i> is an ordinary function of μ and σ, with ∂<i>z</i>/∂μ = 1 and ∂<i>z</i>/∂σ = ε, and backpropagation reaches the encoder.'),
      math: M.reparam,
      focus: '.stage, .side',
      setup: atFirstOf('vae-2d', 2),
      ask: msg('The loss L is computed from z = μ + σ·ε. Which weights does its gradient reach?'),
      choices: [msg('Only the decoder\'s: the random draw blocks the rest'), msg('μ and σ, and through them the encoder\'s weights too')],
      async reveal(L) {
        const s = L.app.subject;
        const i = firstOf(s, 2);
        const x = image(s, i);
        const { mu, logvar } = s.encode(x);
        const sigma = Array.from(logvar, (v) => Math.exp(v / 2));
        // One draw of ε whose first coordinate is not tiny (so σ₁'s effect shows), from seeds 1, 2, …
        let seed = 1;
        while (Math.abs(normals(s.latent, seed)[0]) < 0.5) seed++;
        const eps = normals(s.latent, seed);
        const loss = (m, sg) => bernoulliNll(x, s.decode(m.map((v, j) => v + sg[j] * eps[j])));
        const h = 0.01;
        const nudge = (v, dv) => v.map((q, j) => (j === 0 ? q + dv : q));
        const m = Array.from(mu);
        // Central differences: (L(v + h) − L(v − h)) / 2h.
        const gmu = (loss(nudge(m, h), sigma) - loss(nudge(m, -h), sigma)) / (2 * h);
        const gsigma = (loss(m, nudge(sigma, h)) - loss(m, nudge(sigma, -h))) / (2 * h);
        return { i, name: s.className(2), eps: eps[0], epsilon: Array.from(eps), gmu, gsigma };
      },
      answer: (f) => (Math.abs(f.gmu) > 1e-3 && Math.abs(f.gsigma) > 1e-3 ? 1 : 0),
      said: (f) => t('Held-out #{i}, a {name}, with ε₁ = {eps}: nudging μ₁ by ±0.01 changes the reconstruction term at the rate ∂L/∂μ₁ ≈ {gmu} nats per unit, and nudging σ₁ at the rate ∂L/∂σ₁ ≈ {gsigma}, which is ε₁ × ∂L/∂μ₁ = {chain}, as the chain rule through z = μ + σ·ε says. Both are non-zero: the gradient reaches μ and σ, and through them the encoder.',
        { i: String(f.i), name: f.name, eps: f3(f.eps), gmu: f2(f.gmu), gsigma: f2(f.gsigma), chain: f2(f.eps * f.gmu) }),
    },
    {
      title: msg('The decoder as a generator'),
      text: msg('Once trained, the decoder alone makes new images: draw <i>z</i> from the prior N(0, I) and decode it. The KL term kept the codes near the prior, so the decoder has learnt to draw something sensible almost everywhere the prior puts its weight. The grid decodes a lattice of <i>z</i> over the plane.'),
      math: M.generate,
      focus: '.stage, .side',
      async setup(L) {
        await L.use('vae-2d', 'explore');
        L.set({ view: 'grid', grid: { n: 20, range: 3, spacing: 'linear' } });
        L.point([0, 0]);
      },
      ask: msg('Move along the row z₂ = 0 from z₁ = −2 to z₁ = 2. How do the decoded images change?'),
      choices: [msg('In jumps: one digit, then suddenly another'), msg('Gradually: nearby codes decode to similar images')],
      async reveal(L) {
        const s = L.app.subject;
        const row = Float32Array.from({ length: 41 * 2 }, (_, k) => (k % 2 ? 0 : -2 + 0.1 * (k >> 1)));
        const images = s.decode(row);
        let step = 0;
        for (let k = 1; k < 41; k++) step = Math.max(step, rms(images.subarray((k - 1) * PIXELS, k * PIXELS), images.subarray(k * PIXELS, (k + 1) * PIXELS)));
        let pairs = 0;
        const n = s.heldout.n;
        for (let i = 0; i < n; i++) pairs += rms(image(s, i), image(s, (i * 7 + 13) % n)) / n;
        L.point([2, 0]);
        return { step, pairs };
      },
      answer: (f) => (f.step < 0.5 * f.pairs ? 1 : 0),
      said: (f) => t('Along that row, in steps of 0.1, neighbouring images differ by at most {step} (RMS, grey levels from 0 to 1), while two different held-out digits differ by {pairs} on average. The point is now at the row\'s end, z = (2, 0).',
        { step: f3(f.step), pairs: f3(f.pairs) }),
    },
    {
      title: msg('The loss: reconstruction + KL = the negative ELBO'),
      text: msg('A VAE is trained to maximise the evidence lower bound (ELBO) on log <i>p</i>(<i>x</i>), that is, to minimise its negative: a reconstruction term, how badly the decoder rebuilds <i>x</i> from a sampled <i>z</i>, plus the KL divergence of the encoder\'s N(μ, σ²) from the prior N(0, I). The KL term charges for the information the code carries about <i>x</i>, and pulls every cloud towards the prior. Draw a digit on the pad, and the numbers follow your drawing.'),
      math: M.elbo,
      focus: '.stage, .side, .pad-panel',
      async setup(L) {
        const s = await L.use('vae-2d', 'explore');
        L.set({ view: 'map' });
        if (!L.drawing()) L.heldout(firstOf(s, 5));
      },
      ask: msg('For a digit like the training digits, which term is larger?'),
      choices: [msg('The reconstruction term'), msg('The KL term'), msg('They are about equal')],
      watch: ['drawing'],
      async reveal(L) {
        const s = L.app.subject;
        const drawn = L.drawing();
        const i = firstOf(s, 5);
        const e = s.score(drawn ?? image(s, i));
        const held = L.app.zoo.entry('vae-2d')?.heldout;
        return { drawn: !!drawn, i, name: s.className(5), recon: e.recon[0], kl: e.kl[0], loss: e.loss[0], held };
      },
      answer: (f) => (f.recon > 2 * f.kl ? 0 : f.kl > 2 * f.recon ? 1 : 2),
      said: (f) => {
        const held = f.held ? ` ${t('Over the held-out digits the model averages {recon} + {kl} = {loss}.', { recon: f1(f.held.recon), kl: f1(f.held.kl), loss: f1(f.held.nelbo) })}` : '';
        const what = f.drawn ? t('Your drawing') : t('Held-out #{i}, a {name}', { i: String(f.i), name: f.name });
        return `${t('{what}: reconstruction {recon} + KL {kl} = negative ELBO {loss} nats (10 draws of ε).', { what, recon: f1(f.recon), kl: f1(f.kl), loss: f1(f.loss) })}${held}${f.drawn ? '' : ` ${t('Draw on the pad, and these numbers follow your drawing.')}`}`;
      },
    },
    {
      title: msg('A continuous latent space: interpolation'),
      text: msg('Nearby codes decode to similar images, so a straight path from one digit\'s code to another\'s passes through images that still look like digits. The pixel cross-fade of the same two end images only lays one picture over the other. The strips show both, and the point walks along the path.'),
      math: M.interp,
      focus: '.stage, .side, .interp-panel',
      async setup(L) {
        const s = await L.use('vae-2d', 'explore');
        L.set({ view: 'map', k: 8, spherical: false });
        L.app.map.plane.resetView();
        for (const [end, c] of [['a', 0], ['b', 1]]) {
          L.app.interp.setEnd(end, code(s, firstOf(s, c)), () => t('held-out #{i} (a {name})', { i: String(firstOf(s, c)), name: s.className(c) }));
        }
        L.point(L.store.state.a); // where the walk starts, or stays with reduced motion
        L.walk();
      },
      ask: msg('Halfway along, at t = ½, which of the two images is one the model itself can draw?'),
      choices: [msg('The latent interpolation\'s'), msg('The pixel cross-fade\'s'), msg('Both')],
      async reveal(L) {
        const s = L.app.subject;
        const { a, b } = L.store.state;
        const mid = s.decode(a.map((v, j) => (v + b[j]) / 2));
        const ends = s.decode([...a, ...b]);
        const fade = Float32Array.from({ length: PIXELS }, (_, p) => (ends[p] + ends[PIXELS + p]) / 2);
        // The model's own test: encode the image, decode its μ, and see how far that lands from the image.
        const again = (x) => rms(x, s.decode(s.encode(x).mu));
        return { latent: again(mid), pixel: again(fade) };
      },
      answer: (f) => (f.latent < 0.5 * f.pixel ? 0 : f.pixel < 0.5 * f.latent ? 1 : 2),
      said: (f) => t('Ask the model: encode each image at t = ½ and decode it again. The latent path\'s image comes back within {latent} (RMS, grey levels from 0 to 1), since the decoder drew it; the cross-fade\'s comes back {pixel} away. Two half-bright digits laid over each other are not an image of the kind the model draws.',
        { latent: f3(f.latent), pixel: f3(f.pixel) }),
    },
    {
      title: msg('β-VAE: the KL weight, and collapse'),
      text: msg('A β-VAE multiplies the KL term by β. With β > 1 every nat of information a dimension carries about <i>x</i> costs more, so the model keeps the dimensions that pay for themselves and switches the others off: for every image their <i>q</i>(<i>z</i><sub>j</sub> | <i>x</i>) equals the prior, and their KL is 0. That is the collapse of those dimensions. The bars give each dimension\'s KL over the held-out digits.'),
      math: M.beta,
      focus: '.stage, .side, .dims-panel',
      async setup(L) {
        const s = await L.use('bvae-8d', 'explore');
        // The map shows the two dimensions that carry the most information.
        const pair = Array.from(s.klPerDim).map((k, j) => [k, j]).sort((a, b) => b[0] - a[0]).slice(0, 2).map(([, j]) => j).sort((a, b) => a - b);
        L.set({ view: 'map', pair });
        L.point(Array(8).fill(0));
      },
      ask: msg('This 8-D model was trained with β = 4. Compared with the plain 8-D VAE (β = 1), how many dimensions does it keep active?'),
      choices: [msg('More'), msg('As many'), msg('Fewer')],
      async reveal(L) {
        const [b, v] = await Promise.all([L.subject('bvae-8d'), L.subject('vae-8d')]);
        const active = (kl) => Array.from(kl).map((k, j) => [k, j]).filter(([k]) => k > 0.01).map(([, j]) => j);
        const sum = (kl) => Array.from(kl).reduce((a, k) => a + k, 0);
        return { b: active(b.klPerDim), v: active(v.klPerDim), bkl: sum(b.klPerDim), vkl: sum(v.klPerDim) };
      },
      answer: (f) => (f.b.length > f.v.length ? 0 : f.b.length === f.v.length ? 1 : 2),
      said: (f) => t('bvae-8d (β = 4) keeps {b} of its 8 dimensions active (KL above 0.01 nats: {list}); vae-8d (β = 1) keeps {v}. Their total KL over the held-out digits is {bkl} against {vkl} nats.',
        { b: f.b.length, list: f.b.map((j) => `z${j + 1}`).join(', '), v: f.v.length, bkl: f2(f.bkl), vkl: f2(f.vkl) }),
    },
    {
      title: msg('A conditional VAE: the label as an input'),
      text: msg('A conditional VAE gives the label <i>y</i> to both networks: the encoder reads <i>x</i> and <i>y</i>, the decoder <i>z</i> and <i>y</i>. Since the decoder is told which digit to draw, the code no longer needs to say it, and <i>z</i> keeps what the label does not: slant, thickness, width, the style of the hand. Decode one <i>z</i> with each label, and the same style appears in every class.'),
      math: M.cvae,
      focus: '.stage, .side, .analogy-panel',
      async setup(L) {
        const s = await L.use('cvae-2d', 'explore');
        L.set({ view: 'map', label: 3 });
        L.app.analogy.show(firstOf(s, 3));
        L.heldout(firstOf(s, 3));
      },
      ask: msg('Encode a 3 with its label, then decode that z with the label 7. What comes out?'),
      choices: [msg('A 3: the code came from a 3'), msg('A 7, written in the style of that 3'), msg('Noise: the code and the label disagree')],
      async reveal(L) {
        const s = L.app.subject;
        const i = firstOf(s, 3);
        const { mu } = s.encode(image(s, i), 3);
        const seven = s.decode(mu, 7);
        const near = nearestImage(s.heldout.images, seven);
        L.set({ label: 7 });
        return { i, near: s.heldout.labels[near.index], name: s.className(s.heldout.labels[near.index]), d: near.distance };
      },
      answer: (f) => (f.near === 7 ? 1 : f.near === 3 ? 0 : 2),
      said: (f) => t('The row decodes the z of held-out #{i}, a 3, with each label, and the point now decodes it as a 7. Decoded with y = 7, the nearest held-out digit in pixels is a {name} ({d} away, RMS).',
        { i: String(f.i), name: f.name, d: f3(f.d) }),
    },
    {
      title: msg('Uses: generation, augmentation, anomaly detection, denoising'),
      text: msg('Generation: decode draws from the prior. Augmentation: a conditional VAE makes new labelled images of every class (the lab page\'s second panel). Denoising: encode a damaged image and decode it, and the model pulls it back towards the images it knows (the compare page\'s corruption bench). Anomaly detection: score an image by its negative ELBO and flag high scores; here the MNIST VAE tells clothes from digits.'),
      math: M.uses,
      focus: '.lab-panel',
      async setup(L) {
        await L.use('vae-2d', 'lab', '.lab-panel');
        L.app.lab.pick('other');
      },
      ask: msg('Now the other way round: a VAE trained on clothes scores MNIST digits, which it has never seen. Will it give the digits higher, more anomalous, scores than its own clothes?'),
      choices: [msg('Yes, clearly'), msg('No: the digits score about the same, or lower')],
      async reveal(L) {
        await L.use('fashion-vae-2d', 'lab', '.lab-panel');
        L.app.lab.pick('other');
        const sc = await L.app.lab.scored();
        const mid = (v) => v[v.length >> 1];
        return { auc: auroc(sc.own, sc.other), digits: mid(sc.other), clothes: mid(sc.own) };
      },
      answer: (f) => (f.auc > 0.7 ? 0 : 1),
      said: (f) => t('fashion-vae-2d gives the digits a median score of {digits} nats and its own held-out clothes {clothes}: AUROC {auc}, where 0.5 is a coin toss. The caveat: the likelihood mostly measures how simple an image is, and a digit, mostly black background, is simple. A low score does not prove that an image is normal.',
        { digits: f1(f.digits), clothes: f1(f.clothes), auc: f3(f.auc) }),
    },
    {
      title: msg('Limits: blurry samples, and a discrete codebook'),
      text: msg('VAE samples are blurry. The decoder gives each pixel a probability, and where several images could have made the same code, the reconstruction loss is lowest at their average, so edges come out grey. A VQ-VAE replaces the Gaussian code by the nearest of <i>K</i> learnt vectors of a codebook, and learns a separate prior over those discrete codes to sample from; its images are sharper. This explorer does not have one yet.'),
      math: M.vq,
      focus: '.stage, .side',
      setup: atFirstOf('vae-2d', 4),
      ask: msg('Compare held-out digits with their reconstructions decode(μ). Which have more grey pixels, neither ink nor background (between 0.1 and 0.9)?'),
      choices: [msg('The reconstructions'), msg('The original digits'), msg('About as many')],
      async reveal(L) {
        const s = L.app.subject;
        const recon = s.decode(s.mu);
        const n = s.heldout.n;
        let orig = 0;
        let rec = 0;
        for (let i = 0; i < n; i++) {
          orig += greyPixels(image(s, i)) / n;
          rec += greyPixels(recon.subarray(i * PIXELS, (i + 1) * PIXELS)) / n;
        }
        const i = firstOf(s, 4);
        return { i, name: s.className(4), one: greyPixels(image(s, i)), oneRecon: greyPixels(recon.subarray(i * PIXELS, (i + 1) * PIXELS)), orig, rec };
      },
      answer: (f) => (f.rec > 1.2 * f.orig ? 0 : f.orig > 1.2 * f.rec ? 1 : 2),
      said: (f) => t('Held-out #{i}, a {name}, has {one} grey pixels, its reconstruction decode(μ) {oneRecon}. Over all 1,000 held-out digits: {orig} against {rec} on average.',
        { i: String(f.i), name: f.name, one: f.one, oneRecon: f.oneRecon, orig: f1(f.orig), rec: f1(f.rec) }),
    },
  ],
};

export const LESSONS = { [VAE_LESSON.id]: VAE_LESSON };
