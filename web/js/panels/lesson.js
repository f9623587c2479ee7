// The lesson card: a guided sequence of steps over the rest of the app. Each step sets the app's state and
// shows only the panels it speaks of; the card gives the idea in words and a MathML formula, and a question to
// answer before the reveal, whose answer the page then computes live. `lesson=<id>&step=<n>` in the link,
// ← → (PgUp PgDn) between steps, and every control reachable by keyboard.
import { LESSONS } from '../lessons/vae.js';
import { attr, onLang, t, text, writeRich } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const MATHML = 'http://www.w3.org/1998/Math/MathML';

/** A step that was left while its setup or reveal still ran: what it would do next is dropped. */
class Left extends Error {}

/** One row of a formula as a <math> element, parsed from MathML markup (the lesson's own, never the user's). */
function mathRow(markup) {
  const doc = new DOMParser().parseFromString(`<math xmlns="${MATHML}" display="block">${markup}</math>`, 'application/xml');
  if (doc.querySelector('parsererror')) throw new Error(`a lesson formula is not well-formed MathML: ${markup.slice(0, 60)}`);
  const math = document.importNode(doc.documentElement, true);
  math.setAttribute('translate', 'no'); // symbols: the same in every language
  return math;
}

const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

export function setupLesson(app) {
  const { store } = app;
  let focus = null; // the selector of the panels the step shows
  let run = 0; // increases at each step shown: a stale setup or reveal stops at its next call
  let chosen = null; // the choice picked
  let revealed = null; // { facts } once revealed
  let unwatch = null;
  let walkStarted = false;
  let last = 1; // the step a lesson was left at, where "Lessons" opens it again

  const lesson = () => (store.state.lesson ? LESSONS[store.state.lesson.id] : null);
  const step = () => lesson()?.steps[store.state.lesson.step - 1] ?? null;

  /** What a step's setup and reveal may do; each call checks that the step is still the one shown. */
  function context(token) {
    const live = () => { if (token !== run) throw new Left(); };
    const L = {
      app,
      store,
      /** The zoo's model `id` in the explorer, on `page`, showing `panels` (the step's own by default). */
      async use(id, page, panels = step()?.focus) {
        live();
        if (app.subject?.id !== id) {
          const ok = await app.models.choose(id, { quiet: true });
          live();
          if (!ok) throw new Error(t('The model {id} could not be loaded.', { id }));
        }
        L.page(page, panels);
        return app.subject;
      },
      /** The zoo's model `id` as a Subject, without showing it. */
      async subject(id) { live(); const s = await app.subjectFor(id); live(); return s; },
      page(page, panels = focus) {
        live();
        focus = panels;
        store.set({ page });
        app.showPage();
      },
      set(patch) { live(); store.set(patch); },
      point(z) { live(); app.point.request(Array.from(z)); },
      /** The point at held-out image i's code, and that image beside its reconstruction. */
      heldout(i) {
        live();
        const s = app.subject;
        app.point.request(Array.from(s.mu.subarray(i * s.latent, (i + 1) * s.latent)));
        app.map.showHeldout(i);
      },
      drawing: () => (store.state.drawing?.some((v) => v > 0) ? store.state.drawing : null),
      /** Plays the interpolation's walk, unless the reader asked for reduced motion. */
      walk() {
        live();
        if (reducedMotion() || app.interp.walking) return;
        app.interp.toggleWalk();
        walkStarted = true;
      },
    };
    return L;
  }

  function buildSteps(l) {
    $('lesson-steps').replaceChildren(...l.steps.map((s, k) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = String(k + 1);
      attr(b, 'aria-label', () => t('Step {n}: {title}', { n: k + 1, title: t(s.title) }));
      b.addEventListener('click', () => go(k + 1));
      li.append(b);
      return li;
    }));
  }

  function renderCard() {
    const l = lesson();
    const s = step();
    if (!s) return;
    const n = store.state.lesson.step;
    text($('lesson-name'), () => t(l.name));
    text($('lesson-count'), () => t('Step {n} of {count}', { n, count: l.steps.length }));
    text($('lesson-title'), () => `${n}. ${t(s.title)}`);
    writeRich($('lesson-text'), t(s.text));
    $('lesson-math').replaceChildren(...s.math.map(mathRow));
    text($('lesson-ask'), () => t(s.ask));
    $('lesson-choices').replaceChildren(...s.choices.map((c, k) => {
      const label = document.createElement('label');
      const input = Object.assign(document.createElement('input'), { type: 'radio', name: 'lesson-choice', value: String(k) });
      input.checked = chosen === k;
      input.addEventListener('change', () => { chosen = k; });
      const words = document.createElement('span');
      text(words, () => t(c));
      label.append(input, words);
      return label;
    }));
    [...$('lesson-steps').querySelectorAll('button')].forEach((b, k) => {
      if (k + 1 === n) b.setAttribute('aria-current', 'step'); else b.removeAttribute('aria-current');
    });
    $('lesson-prev').disabled = n <= 1;
    $('lesson-next').disabled = n >= l.steps.length;
    renderAnswer();
  }

  function renderAnswer() {
    const s = step();
    const verdict = $('lesson-verdict');
    const answer = $('lesson-answer');
    for (const label of $('lesson-choices').children) label.classList.remove('right', 'wrong');
    if (!revealed) {
      text(verdict, () => '');
      text(answer, () => '');
      delete verdict.dataset.answer;
      delete answer.dataset.facts;
      return;
    }
    if (revealed.error) {
      text(verdict, () => t('The answer could not be computed: {why}', { why: revealed.error.message }));
      text(answer, () => '');
      return;
    }
    const { facts } = revealed;
    const right = s.answer(facts);
    const labels = $('lesson-choices').children;
    labels[right]?.classList.add('right');
    if (chosen !== null && chosen !== right) labels[chosen]?.classList.add('wrong');
    verdict.dataset.answer = String(right);
    answer.dataset.facts = JSON.stringify(facts); // for the tests, which compute them again
    text(verdict, () => {
      const answerText = t(s.choices[right]);
      if (chosen === null) return t('The answer: {answer}.', { answer: answerText });
      return chosen === right ? t('Right: {answer}.', { answer: answerText }) : t('Not quite. The answer: {answer}.', { answer: answerText });
    });
    text(answer, () => s.said(facts));
  }

  async function reveal() {
    const s = step();
    if (!s) return;
    const token = run;
    $('lesson-reveal').disabled = true;
    document.body.dataset.lessonRevealed = 'working';
    try {
      const facts = await s.reveal(context(token));
      if (token !== run) return;
      revealed = { facts };
      unwatch?.();
      if (s.watch) {
        unwatch = store.subscribe(s.watch, async () => {
          const again = await s.reveal(context(token)).catch(() => null);
          if (token === run && again) { revealed = { facts: again }; renderAnswer(); }
        });
      }
    } catch (e) {
      if (e instanceof Left) return;
      revealed = { error: e };
    }
    if (token !== run) return;
    $('lesson-reveal').disabled = false;
    renderAnswer();
    document.body.dataset.lessonRevealed = String(store.state.lesson.step);
  }

  /** Shows step n (1-based) of the lesson open now: the card, then the step's state. */
  async function show() {
    const token = ++run;
    if (store.state.lesson) last = store.state.lesson.step;
    unwatch?.();
    unwatch = null;
    chosen = null;
    revealed = null;
    delete document.body.dataset.lessonRevealed;
    delete document.body.dataset.lessonReady;
    if (walkStarted && app.interp.walking) app.interp.toggleWalk();
    walkStarted = false;
    const s = step();
    document.body.classList.toggle('lesson-mode', !!s);
    $('lesson').hidden = !s;
    if (!s) { focus = null; app.showPage(); return; }
    focus = s.focus;
    $('lesson-reveal').disabled = false;
    renderCard();
    app.showPage();
    try {
      await s.setup(context(token));
    } catch (e) {
      if (e instanceof Left) return;
      app.showError(() => t('This lesson step could not be set up: {why}', { why: e.message }));
    }
    if (token === run) document.body.dataset.lessonReady = String(store.state.lesson.step);
  }

  /** Goes to step n of the open lesson (or of `id`), clamped to its steps. */
  function go(n, id = store.state.lesson?.id ?? 'vae') {
    const l = LESSONS[id];
    const stepN = Math.min(Math.max(1, n), l.steps.length);
    if (store.state.lesson?.id === id && store.state.lesson.step === stepN) return;
    store.set({ lesson: { id, step: stepN } });
  }

  $('lesson-prev').addEventListener('click', () => go(store.state.lesson.step - 1));
  $('lesson-next').addEventListener('click', () => go(store.state.lesson.step + 1));
  $('lesson-close').addEventListener('click', () => store.set({ lesson: null }));
  $('lesson-reveal').addEventListener('click', reveal);
  store.subscribe(['lesson'], show);
  onLang(() => { if (step()) renderCard(); });
  buildSteps(LESSONS.vae);

  return {
    go,
    /** Opens the lesson where it was left (step 1 the first time). */
    open: () => go(last),
    get active() { return !!store.state.lesson; },
    /** The panels the step shows (a selector), or null outside a lesson. */
    get focus() { return store.state.lesson ? focus : null; },
    steps: (id) => LESSONS[id]?.steps.length ?? 0,
    step: (delta) => go(store.state.lesson.step + delta),
  };
}
