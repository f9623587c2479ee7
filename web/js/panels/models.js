// Which model the explorer shows: the header's switcher over the zoo (each model downloaded when first
// chosen), a weights file dropped or picked (ours, or a PyTorch user's), and the model the training panel
// trained. A file that cannot be used is reported, and the current model stays.
import { maxWeightsBytes, vaeFromBytes } from '../model.js';
import { entryOption, modelKind } from '../app/zoo.js';
import { Subject } from '../app/subject.js';
import { DEFAULT_DATASET } from '../app/datasets.js';

const $ = (id) => document.getElementById(id);

export function setupModels(app) {
  const { store } = app;
  const select = $('model-select');

  function fillSwitcher() {
    const own = store.state.subject && !store.state.subject.id ? [new Option(`${store.state.subject.name} (not in the zoo)`, '')] : [];
    select.replaceChildren(...app.zoo.entries.map((e) => entryOption(e, `${e.id} · ${modelKind(e)}${e.error ? ' · unavailable' : ''}`)), ...own);
    select.value = store.state.subject?.id ?? '';
  }

  /** Makes `subject` the explored model: z, the pair and the label fit its sizes (z kept where it can be). */
  function show(subject, { quiet = false } = {}) {
    const prev = store.state.subject;
    const d = subject.latent;
    const base = Array.from({ length: d }, (_, j) => store.state.z[j] ?? 0);
    const pair = store.state.pair.every((p) => p < d) ? store.state.pair : [0, 1];
    const label = subject.conditional ? Math.min(store.state.label, subject.classes - 1) : 0;
    app.showError('');
    store.set({ subject, modelId: subject.id ?? store.state.modelId, z: base, pair, label });
    if (prev && prev !== subject) prev.free();
    fillSwitcher();
    const entry = subject.id ? app.zoo.entry(subject.id) : null;
    $('model-name').textContent = `Model: ${subject.id ? `${subject.id}, a` : ''} ${subject.name}.${entry ? ` ${entry.description}` : ''}`;
    $('use-pretrained').hidden = !!subject.id;
    $('digit-title').textContent = `Decoded ${subject.noun}`;
    $('inspect-title').textContent = `Held-out ${subject.noun}`;
    document.body.dataset.family = subject.family;
    document.body.dataset.dataset = subject.dataset;
    document.body.dataset.model = subject.id ?? 'own';
    if (!quiet) app.showNotice(`The explorer now shows ${subject.id ?? subject.name}: a ${subject.name}.`);
  }

  /** Switches to zoo model `id`; an unavailable one is reported and the current model stays. */
  async function choose(id, opts = {}) {
    try {
      show(await app.subjectFor(id), opts);
      return true;
    } catch (e) {
      app.showError(`${e.message} The explorer keeps its current model.`);
      fillSwitcher();
      return false;
    }
  }

  /** Puts the model in `bytes`, trained on data set `ds` (MNIST unless said: a file does not say), into the
   *  explorer. A bad file is reported and the current model stays. */
  async function useBytes(bytes, name, ds = DEFAULT_DATASET) {
    let model;
    try {
      model = vaeFromBytes(bytes);
    } catch (e) {
      app.showError(`${name}: ${e.message} The explorer keeps its current model.`);
      return false;
    }
    if (model.config.latent < 2) {
      model.free();
      app.showError(`${name} has a 1-dimensional latent space; the map needs two dimensions. The explorer keeps its current model.`);
      return false;
    }
    let heldout;
    try {
      heldout = await app.heldoutOf(ds);
    } catch (e) {
      model.free();
      app.showError(`${name}: ${e.message}. The explorer keeps its current model.`);
      return false;
    }
    const s = new Subject(model, { name: `${modelKind(model.config)} (${name})`, owned: true, dataset: ds, bytes }, heldout);
    show(s);
    return true;
  }

  async function importFile(file) {
    if (!file) return;
    const max = maxWeightsBytes();
    if (file.size > max) {
      const mb = (n) => (n / 1048576).toFixed(0);
      app.showError(`${file.name} is ${mb(file.size)} MB (${file.size.toLocaleString('en')} bytes): bigger than any model this page can run (at most ${mb(max)} MB, ${max.toLocaleString('en')} bytes). The explorer keeps its current model.`);
      return;
    }
    useBytes(new Uint8Array(await file.arrayBuffer()), file.name);
  }

  select.addEventListener('change', () => { if (select.value) choose(select.value); });
  $('weights-file').addEventListener('change', (e) => { importFile(e.target.files[0]); e.target.value = ''; });
  $('use-pretrained').addEventListener('click', () => choose(app.zoo.entries[0].id));
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
    // A weights file is explored; anything else is the user's own data, to train on.
    if ([...e.dataTransfer.files].some((f) => /\.safetensors$/i.test(f.name))) importFile(e.dataTransfer.files[0]);
    else app.own?.drop(e.dataTransfer);
  });
  return { choose, useBytes, fillSwitcher };
}
