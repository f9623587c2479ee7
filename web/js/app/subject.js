// A model being explored, with what the views need of it: decode and encode with a CVAE's labels filled in,
// the held-out digits' encodings, each latent dimension's KL on the held-out set, and the held-out scores
// that rank a drawing. Everything is computed on first use and kept.
import { modelKind } from './zoo.js';
import { DEFAULT_DATASET, dataset as datasetOf } from './datasets.js';
import { t } from '../i18n/i18n.js';

const PIXELS = 784;

export class Subject {
  /** `owned`: free the Model when this subject is dropped (false for the zoo's, which are shared). */
  /** `heldout`: the held-out set of the model's data set `dataset` (an id of datasets.js). `bytes`: its
   *  weights file, for a worker that builds its own copy (the anomaly lab). `file`: the name of the file it
   *  came from, if it is not the zoo's. */
  constructor(model, { id = null, file = null, owned = false, dataset = DEFAULT_DATASET, bytes = null }, heldout) {
    this.model = model;
    this.bytes = bytes;
    this.id = id;
    this.config = model.config;
    this.file = file;
    this.owned = owned;
    this.dataset = dataset;
    this.data = datasetOf(dataset);
    this.heldout = heldout;
    this.cache = {};
  }

  /** Its name in words ("VAE, 2-D"), with the file it came from if it is not the zoo's. */
  get name() {
    const kind = modelKind(this.config);
    return this.file ? `${kind} (${this.file})` : kind;
  }

  /** The word for one image of its data set ('digit', 'image') and for several, and class y's name, in
   *  the page's language (the user's own class names are theirs, and stay as they are). */
  get noun() { return t(this.data.noun); }
  get nouns() { return t(`${this.data.noun}s`); }
  className(y) {
    const name = this.data.classes[y] ?? String(y);
    return this.data.own || !/\p{L}/u.test(name) ? name : t(name);
  }

  get latent() { return this.config.latent; }
  get family() { return this.config.family; }
  get conditional() { return this.config.family === 'cvae'; }
  get gaussian() { return this.config.family !== 'ae'; }
  get classes() { return this.conditional ? this.config.classes : 0; }

  /** A CVAE's labels for n images or points, all `y`; undefined for the other families. */
  labels(n, y) {
    return this.conditional ? new Uint8Array(n).fill(y) : undefined;
  }

  /** Decodes points z (Float32Array of n * latent) with label y: n * 784 probabilities. */
  decode(z, y = 0) {
    return this.model.decode(z instanceof Float32Array ? z : Float32Array.from(z), this.labels(z.length / this.latent, y));
  }

  /** `decode`, written into `out` (a Float32Array of n * 784 numbers, perhaps a reused one); returns `out`. */
  decodeInto(z, y, out) {
    this.model.decodeInto(z, this.labels(z.length / this.latent, y), out);
    return out;
  }

  /** A CVAE's labels for images x: `labels` (one per image) if given, else all `y`; undefined otherwise. */
  imageLabels(x, y, labels) {
    return this.conditional ? (labels ?? this.labels(x.length / PIXELS, y)) : undefined;
  }

  /** Encodes images x (n * 784) with label y (or, with `labels`, one per image): { mu, logvar? }. */
  encode(x, y = 0, labels = undefined) {
    return this.model.encode(x, this.imageLabels(x, y, labels));
  }

  /** The per-image score the lessons use: the negative ELBO (an AE: the reconstruction error), in nats. */
  score(x, y = 0, labels = undefined, seed = 7) {
    const e = this.model.elbo(x, 10, seed, this.imageLabels(x, y, labels));
    return { ...e, score: e.loss ?? e.recon };
  }

  /** The held-out digits' encodings (each with its own label for a CVAE): { mu, logvar? }. */
  get encoded() {
    this.cache.encoded ??= this.encode(this.heldout.images, 0, this.heldout.labels);
    return this.cache.encoded;
  }

  get mu() { return this.encoded.mu; }

  /** The held-out image whose code (μ, or an AE's z) lies nearest to z in the whole latent space: its index. */
  nearestHeldout(z) {
    const mu = this.mu;
    const d = this.latent;
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < mu.length / d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) { const t = mu[i * d + j] - (z[j] ?? 0); s += t * t; }
      if (s < bestD) { bestD = s; best = i; }
    }
    return best;
  }

  /** Each dimension's KL(q(z_j | x) || N(0, 1)) averaged over the held-out digits, in nats (null for an AE). */
  get klPerDim() {
    if (!this.gaussian) return null;
    if (!this.cache.kl) {
      const { mu, logvar } = this.encoded;
      const d = this.latent;
      const kl = new Float64Array(d);
      const n = mu.length / d;
      for (let i = 0; i < mu.length; i++) kl[i % d] += 0.5 * (mu[i] * mu[i] + Math.exp(logvar[i]) - 1 - logvar[i]);
      this.cache.kl = kl.map((v) => v / n);
    }
    return this.cache.kl;
  }

  /** The held-out digits' scores, sorted (for "higher than N % of them"). */
  get heldoutScores() {
    this.cache.scores ??= Float32Array.from(this.score(this.heldout.images, 0, this.heldout.labels, 0).score ?? []).sort();
    return this.cache.scores;
  }

  /** What `JSON.stringify(state)` shows of it (not the weights or the held-out set). */
  toJSON() {
    return { id: this.id, name: this.name, dataset: this.dataset, config: this.config };
  }

  free() {
    if (this.owned) this.model.free();
  }
}
