// The zoo: web/models/manifest.json lists the pretrained models; each file is downloaded the first time
// its model is chosen (main.js keeps it). A missing manifest leaves the default model alone; an entry whose file is
// missing, broken, or not the model the manifest says is marked unavailable with the reason, and the other
// models still work.
import { fetchBytes, vaeFromBytes } from '../model.js';
import { Said, attr, t, text } from '../i18n/i18n.js';

const MODELS_URL = new URL('../../models/', import.meta.url);
export const DEFAULT_ID = 'vae-2d';
const FALLBACK = {
  id: DEFAULT_ID, file: 'mnist-2d.safetensors', family: 'vae', dataset: 'mnist', latent: 2, beta: 1,
  description: 'The default 2-D VAE.',
};
const FAMILIES = ['vae', 'ae', 'cvae'];

/** Words for a model: "VAE, 2-D", "β-VAE (β = 4), 8-D", "autoencoder, 2-D", "conditional VAE, 2-D". */
export function modelKind({ family, latent, beta }) {
  const name = family === 'ae' ? t('autoencoder') : family === 'cvae' ? t('conditional VAE')
    : beta !== 1 ? `β-VAE (β = ${beta})` : 'VAE';
  return t('{name}, {d}-D', { name, d: latent });
}

/** A picker's option for entry `e`, with words from `say()`: disabled, and titled with the reason, once the
 *  entry is unavailable; titled with its description until then. */
export function entryOption(e, say) {
  const o = new Option('', e.id);
  text(o, say);
  o.disabled = !!e.error;
  attr(o, 'title', () => (e.error ? t('Unavailable: {why}.', { why: e.error }) : t(e.description)));
  return o;
}

/** Checks one manifest entry's shape; returns what makes the sentence, or null if it is fine. */
function entryProblem(e) {
  if (!e || typeof e !== 'object') return () => t('an entry is not an object');
  if (typeof e.id !== 'string' || !/^[a-z0-9-]{1,40}$/.test(e.id)) return () => t('the id {id} is not a short lower-case name', { id: JSON.stringify(e.id)?.slice(0, 40) });
  if (typeof e.file !== 'string' || !/^[A-Za-z0-9._-]+\.safetensors$/.test(e.file)) return () => t('{id}\'s file is not a .safetensors name in the same folder', { id: e.id });
  if (!FAMILIES.includes(e.family)) return () => t('{id}\'s family "{family}" is not vae, ae or cvae', { id: e.id, family: e.family });
  if (!Number.isInteger(e.latent) || e.latent < 1 || e.latent > 64) return () => t('{id}\'s latent size is not 1 to 64', { id: e.id });
  return null;
}

export class Zoo {
  constructor() {
    this.entries = [FALLBACK];
    this.problem = null; // what says what was wrong with the list, if anything
  }

  /** Reads the manifest. A bad one is reported in `problem`, and only the default model is offered. */
  async load() {
    try {
      const text = new TextDecoder().decode(await fetchBytes(new URL('manifest.json', MODELS_URL)));
      const list = JSON.parse(text).models;
      if (!Array.isArray(list) || !list.length) throw new Said('it lists no models');
      const entries = [];
      for (const e of list) {
        const why = entryProblem(e);
        if (why) { this.problem = () => t('The list of models has a bad entry ({why}); it was left out.', { why }); continue; }
        if (!entries.some((o) => o.id === e.id)) entries.push({ ...e });
      }
      if (entries.length) this.entries = entries;
    } catch (e) {
      this.problem = () => t('The list of models could not be read ({why}); only the default model is offered.', { why: () => e.message });
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
        if (!r.ok) e.error = t('the server answered {status} for {path}', { status: `${r.status} ${r.statusText}`, path: url.pathname });
      } catch (err) {
        e.error = t('could not reach {path} ({why})', { path: url.pathname, why: err.message });
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
    if (!entry) throw new Said('there is no model "{id}"', { id });
    try {
      const bytes = await fetchBytes(new URL(entry.file, MODELS_URL), (l, t) => { if (t) onProgress(l / t); });
      const m = vaeFromBytes(bytes);
      const c = m.config;
      if (c.family !== entry.family || c.latent !== entry.latent) {
        m.free();
        throw new Said('the file holds another kind of model ({found}) than the list says ({listed})', { found: () => modelKind(c), listed: () => modelKind(entry) });
      }
      return { model: m, bytes };
    } catch (e) {
      entry.error = e.message.replace(/\.$/, '');
      throw new Said('{id} is unavailable: {why}.', { id: entry.id, why: entry.error });
    }
  }
}
