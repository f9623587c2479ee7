// The zoo: web/models/manifest.json lists the pretrained models; each file is downloaded the first time
// its model is chosen (main.js keeps it). A missing manifest leaves the default model alone; an entry whose file is
// missing, broken, or not the model the manifest says is marked unavailable with the reason, and the other
// models still work.
import { fetchBytes, vaeFromBytes } from '../model.js';

const MODELS_URL = new URL('../../models/', import.meta.url);
export const DEFAULT_ID = 'vae-2d';
const FALLBACK = {
  id: DEFAULT_ID, file: 'mnist-2d.safetensors', family: 'vae', dataset: 'mnist', latent: 2, beta: 1,
  description: 'The default 2-D VAE.',
};
const FAMILIES = ['vae', 'ae', 'cvae'];

/** Words for a model: "VAE, 2-D", "β-VAE (β = 4), 8-D", "autoencoder, 2-D", "conditional VAE, 2-D". */
export function modelKind({ family, latent, beta }) {
  const name = family === 'ae' ? 'autoencoder' : family === 'cvae' ? 'conditional VAE'
    : beta !== 1 ? `β-VAE (β = ${beta})` : 'VAE';
  return `${name}, ${latent}-D`;
}

/** A picker's option for entry `e`, with `text`: disabled, and titled with the reason, once the entry is
 *  unavailable; titled with its description until then. */
export function entryOption(e, text) {
  const o = new Option(text, e.id);
  o.disabled = !!e.error;
  o.title = e.error ? `Unavailable: ${e.error}.` : e.description;
  return o;
}

/** Checks one manifest entry's shape; returns a sentence, or '' if it is fine. */
function entryProblem(e) {
  if (!e || typeof e !== 'object') return 'an entry is not an object';
  if (typeof e.id !== 'string' || !/^[a-z0-9-]{1,40}$/.test(e.id)) return `the id ${JSON.stringify(e.id)?.slice(0, 40)} is not a short lower-case name`;
  if (typeof e.file !== 'string' || !/^[A-Za-z0-9._-]+\.safetensors$/.test(e.file)) return `${e.id}'s file is not a .safetensors name in the same folder`;
  if (!FAMILIES.includes(e.family)) return `${e.id}'s family "${e.family}" is not vae, ae or cvae`;
  if (!Number.isInteger(e.latent) || e.latent < 1 || e.latent > 64) return `${e.id}'s latent size is not 1 to 64`;
  return '';
}

export class Zoo {
  constructor() {
    this.entries = [FALLBACK];
    this.problem = '';
  }

  /** Reads the manifest. A bad one is reported in `problem`, and only the default model is offered. */
  async load() {
    try {
      const text = new TextDecoder().decode(await fetchBytes(new URL('manifest.json', MODELS_URL)));
      const list = JSON.parse(text).models;
      if (!Array.isArray(list) || !list.length) throw new Error('it lists no models');
      const entries = [];
      for (const e of list) {
        const why = entryProblem(e);
        if (why) { this.problem = `The list of models has a bad entry (${why}); it was left out.`; continue; }
        if (!entries.some((o) => o.id === e.id)) entries.push({ ...e });
      }
      if (entries.length) this.entries = entries;
    } catch (e) {
      this.problem = `The list of models could not be read (${e.message}); only the default model is offered.`;
    }
    return this;
  }

  /** Asks the server for each file's headers (HEAD: nothing is downloaded) and marks a missing one
   *  unavailable with the reason, before anyone chooses it. Resolves when all have answered. */
  check() {
    return Promise.all(this.entries.map(async (e) => {
      const url = new URL(e.file, MODELS_URL);
      try {
        const r = await fetch(url, { method: 'HEAD' });
        if (!r.ok) e.error = `the server answered ${r.status} ${r.statusText} for ${url.pathname}`;
      } catch (err) {
        e.error = `could not reach ${url.pathname} (${err.message})`;
      }
    }));
  }

  entry(id) {
    return this.entries.find((e) => e.id === id) ?? null;
  }

  /** Downloads entry `id`'s file as { model, bytes } (the caller keeps them: main.js's subjectFor loads each
   *  once). A failure marks the entry unavailable (entry.error) and rejects. */
  async model(id, onProgress = () => {}) {
    const entry = this.entry(id);
    if (!entry) throw new Error(`there is no model "${id}"`);
    try {
      const bytes = await fetchBytes(new URL(entry.file, MODELS_URL), (l, t) => { if (t) onProgress(l / t); });
      const m = vaeFromBytes(bytes);
      const c = m.config;
      if (c.family !== entry.family || c.latent !== entry.latent) {
        m.free();
        throw new Error(`the file holds another kind of model (${modelKind(c)}) than the list says (${modelKind(entry)})`);
      }
      return { model: m, bytes };
    } catch (e) {
      entry.error = e.message.replace(/\.$/, '');
      throw new Error(`${entry.id} is unavailable: ${entry.error}.`);
    }
  }
}
