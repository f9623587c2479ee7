// Which model the explorer shows: the header's switcher over the zoo (each model downloaded when first
// chosen), a weights file dropped or picked (ours, or a PyTorch user's), and the model the training panel
// trained. A file that cannot be used is reported, and the current model stays.
import { maxWeightsBytes, vaeFromBytes } from '../model.js';
import { entryOption, modelKind } from '../app/zoo.js';
import { Subject } from '../app/subject.js';
import { DEFAULT_DATASET } from '../app/datasets.js';
import { coreMessage, t, text } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);

export function setupModels(app) {
  const { store } = app;
  const select = $('model-select');

  function fillSwitcher() {
    const subject = store.state.subject;
    const own = subject && !subject.id ? [text(new Option('', ''), () => t('{name} (not in the zoo)', { name: subject.name }))] : [];
    select.replaceChildren(...app.zoo.entries.map((e) => entryOption(e, () => `${e.id} · ${modelKind(e)}${e.error ? ` · ${t('unavailable')}` : ''}`)), ...own);
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
    lastProblem = null;
    store.set({ subject, modelId: subject.id ?? store.state.modelId, z: base, pair, label });
    if (prev && prev !== subject) prev.free();
    fillSwitcher();
    const entry = subject.id ? app.zoo.entry(subject.id) : null;
    text($('model-name'), () => (subject.id
      ? t('Model: {id}, a {name}.', { id: subject.id, name: subject.name }) : t('Model: {name}.', { name: subject.name }))
      + (entry ? ` ${t(entry.description)}` : ''));
    $('use-pretrained').hidden = !!subject.id;
    text($('digit-title'), () => t('Decoded {noun}', { noun: subject.noun }));
    text($('inspect-title'), () => t('Held-out {noun}', { noun: subject.noun }));
    document.body.dataset.family = subject.family;
    document.body.dataset.dataset = subject.dataset;
    document.body.dataset.model = subject.id ?? 'own';
    if (!quiet) app.showNotice(() => t('The explorer now shows {id}: a {name}.', { id: subject.id ?? subject.name, name: subject.name }));
  }

  let lastProblem = null; // what says why the last model asked for could not be shown
  /** The error box's words, kept as a function so that the link can retell them in its own sentence. */
  function refuse(say) {
    lastProblem = say;
    app.showError(() => t('{why} The explorer keeps its current model.', { why: say }));
  }

  /** Switches to zoo model `id`; an unavailable one is reported and the current model stays. */
  async function choose(id, opts = {}) {
    try {
      show(await app.subjectFor(id), opts);
      return true;
    } catch (e) {
      refuse(() => e.message);
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
      refuse(() => `${name}: ${coreMessage(e.message)}`);
      return false;
    }
    if (model.config.latent < 2) {
      model.free();
      refuse(() => t('{name} has a 1-dimensional latent space; the map needs two dimensions.', { name }));
      return false;
    }
    let heldout;
    try {
      heldout = await app.heldoutOf(ds);
    } catch (e) {
      model.free();
      refuse(() => `${name}: ${e.message}.`);
      return false;
    }
    const s = new Subject(model, { file: name, owned: true, dataset: ds, bytes }, heldout);
    show(s);
    return true;
  }

  async function importFile(file) {
    if (!file) return;
    const max = maxWeightsBytes();
    if (file.size > max) {
      const mb = (n) => Math.round(n / 1048576);
      refuse(() => t('{name} is {mb} MB ({bytes} bytes): bigger than any model this page can run (at most {maxMb} MB, {max} bytes).',
        { name: file.name, mb: mb(file.size), bytes: file.size, maxMb: mb(max), max }));
      return;
    }
    useBytes(new Uint8Array(await file.arrayBuffer()), file.name);
  }

  select.addEventListener('change', () => { if (select.value) choose(select.value); });
  $('weights-pick').addEventListener('click', () => $('weights-file').click());
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
  return { choose, useBytes, fillSwitcher, get lastProblem() { return lastProblem ?? (() => ''); } };
}
