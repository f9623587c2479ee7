// The page's two languages. Messages are gettext-style: the English text is the message's id, written where
// it is used (index.html, or t('…') in the code), and ko.js is the Korean catalogue keyed by that English.
// The static page is translated by walking it once (its English is remembered, so the page can switch back);
// text the code writes goes through text() / attr(), which remember how to write it again, so a switch
// rewrites it in the new language without a reload. Canvases that draw words redraw through onLang().
import { KO } from './ko.js';

export const LANGS = ['en', 'ko'];
const CATALOGUES = { en: {}, ko: KO };
const LOCALES = { en: 'en-GB', ko: 'ko-KR' };
const STORE_KEY = 'vae-explorer.lang';
const ATTRS = ['aria-label', 'title', 'placeholder', 'alt'];

let current = 'en';
const listeners = new Set();
const statics = []; // { node, attr?, source, shown } for the page's own words
/** Message ids asked for in Korean that ko.js does not have (the e2e tests assert it stays empty). */
export const missing = new Set();

export const lang = () => current;
/** Sets the language without a page (a worker's messages). */
export function useLang(next) { if (LANGS.includes(next)) current = next; }

const collapse = (s) => s.replace(/\s+/g, ' ').trim();

function lookup(id) {
  if (current === 'en') return id;
  const tr = CATALOGUES[current][id];
  if (tr === undefined) { missing.add(id); return id; }
  return tr;
}

/** Marks a message id written where it is not yet translated (a table of names): msg('seed') is 'seed',
 *  and the catalogue test finds it (gettext's N_). */
export const msg = (id) => id;

/** A number in the language's format: `digits` fixed decimals, else as it is (integers grouped). */
export function num(v, digits) {
  if (!Number.isFinite(v)) return String(v);
  const opts = digits === undefined ? { maximumFractionDigits: 6 } : { minimumFractionDigits: digits, maximumFractionDigits: digits };
  return new Intl.NumberFormat(LOCALES[current], opts).format(v);
}

/** The message `id` in the current language, with {name} filled from params (numbers formatted by num). */
export function t(id, params) {
  const text = lookup(id);
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in params ? shown(params[k]) : m));
}

/** t() with numbers written as they are, not grouped: for values echoed back from what the user typed. */
export function tRaw(id, params = {}) {
  return t(id, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v])));
}

/** A parameter as written: a number in the language's format, a function's result (so a message built of
 *  other messages is built again in the new language), anything else as a string. */
function shown(v) {
  if (typeof v === 'function') v = v();
  return typeof v === 'number' ? num(v) : String(v);
}

/** An error whose message is the message `id` in the language of the moment it is read. */
export class Said extends Error {
  constructor(id, params) {
    super(id);
    delete this.message;
    this.id = id;
    this.params = params;
  }

  get message() { return t(this.id, this.params); }
}

/** The core's own messages (Rust, in English) begin with a few fixed phrases: those are translated, the
 *  details after them (names, sizes) are kept as they are. */
msg('this is not a usable weights file'); msg('this is not a usable MNIST IDX file'); msg('bad input');
const CORE_PREFIXES = [
  /^(this is not a usable weights file): /,
  /^(this is not a usable MNIST IDX file): /,
  /^(bad input): /,
  /^(invalid setting) `([^`]+)`: /,
  /^(the loss is not a finite number) \(([^)]*)\); training was stopped/,
];

/** An error as [id, params] that can cross to another thread (its parameters written out now), for
 *  t(...said) there; an error that is not a Said is the core's or the browser's, translated where it can be. */
export function sayOf(e) {
  if (!(e instanceof Said)) return [msg('{why}'), { why: coreMessage(String(e?.message ?? e)) }];
  const params = {};
  for (const [k, v] of Object.entries(e.params ?? {})) params[k] = typeof v === 'function' ? v() : v;
  return [e.id, params];
}

/** A message of the core's (or of the browser's) in the current language, as far as it can be. */
export function coreMessage(message) {
  for (const re of CORE_PREFIXES) {
    const m = message.match(re);
    if (!m) continue;
    const rest = message.slice(m[0].length);
    if (re === CORE_PREFIXES[3]) return t('invalid setting {field}: {reason}', { field: m[2], reason: rest });
    if (re === CORE_PREFIXES[4]) return t('the loss is not a finite number ({value}); training was stopped', { value: m[2] }) + rest;
    return `${t(m[1])}: ${rest}`;
  }
  return message;
}

/** Sets el's text to make() now and again after each language switch. */
export function text(el, make) {
  el.textContent = make();
  (el.i18nLive ??= {}).text = make;
  el.dataset.i18nLive = '';
  return el;
}

/** Sets el's attribute `name` to make() now and again after each language switch. */
export function attr(el, name, make) {
  el.setAttribute(name, make());
  ((el.i18nLive ??= {}).attrs ??= {})[name] = make;
  el.dataset.i18nLive = '';
  return el;
}

/** fn() runs after each language switch (canvases that draw words, lists built from data). */
export function onLang(fn) { listeners.add(fn); return () => listeners.delete(fn); }

/** The language asked for: the link's lang=, then the last choice here, then the browser's languages. */
export function preferredLang(hash = location.hash) {
  const fromHash = new URLSearchParams(hash.replace(/^#/, '')).get('lang');
  if (LANGS.includes(fromHash)) return fromHash;
  let saved = null;
  try { saved = localStorage.getItem(STORE_KEY); } catch { /* storage may be off */ }
  if (LANGS.includes(saved)) return saved;
  return (navigator.languages ?? [navigator.language]).some((l) => /^ko\b/i.test(l)) ? 'ko' : 'en';
}

const INLINE = new Set(['B', 'I', 'CODE', 'KBD', 'SUB', 'SUP', 'EM']);
const MARKUP = /<(b|i|code|kbd|sub|sup|em)>(.*?)<\/\1>|\{(\w+)\}/g;

/** An element written as one message with inline markup: text, and children that are only plain inline
 *  elements (b, i, code, kbd, sub, sup, em) holding text. Its message is its markup, tags and all. */
function isRich(el) {
  const kids = [...el.children];
  return kids.length > 0 && [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && /\p{L}/u.test(n.nodeValue))
    && kids.every((k) => INLINE.has(k.tagName) && !k.attributes.length && !k.children.length);
}

const markupOf = (el) => collapse([...el.childNodes].map((n) => (n.nodeType === Node.TEXT_NODE ? n.nodeValue
  : `<${n.tagName.toLowerCase()}>${n.textContent}</${n.tagName.toLowerCase()}>`)).join(''));

/** Writes a message with inline markup into el as nodes (never as HTML); {name} takes slots[name], a node
 *  or a string. */
export function writeRich(el, message, slots = {}) {
  const nodes = [];
  let at = 0;
  for (const m of message.matchAll(MARKUP)) {
    if (m.index > at) nodes.push(message.slice(at, m.index));
    if (m[1]) {
      const e = document.createElement(m[1]);
      e.textContent = m[2];
      nodes.push(e);
    } else {
      const slot = slots[m[3]];
      nodes.push(slot instanceof Node ? slot : String(slot ?? m[0]));
    }
    at = m.index + m[0].length;
  }
  if (at < message.length) nodes.push(message.slice(at));
  el.replaceChildren(...nodes);
  return el;
}

/** Remembers the page's English once: every text node and labelled attribute, outside translate="no". */
function collect(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => {
      if (n.nodeType === Node.ELEMENT_NODE) {
        if (n.getAttribute('translate') === 'no' || n.tagName === 'SCRIPT' || n.tagName === 'STYLE') return NodeFilter.FILTER_REJECT;
        if (n.parentElement?.dataset.i18nRich !== undefined) return NodeFilter.FILTER_REJECT;
        return NodeFilter.FILTER_ACCEPT;
      }
      if (n.parentElement?.dataset.i18nRich !== undefined) return NodeFilter.FILTER_SKIP;
      return /\p{L}/u.test(n.nodeValue) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
    },
  });
  for (let n = walker.currentNode; n; n = walker.nextNode()) {
    if (n.nodeType === Node.TEXT_NODE) {
      statics.push({ node: n, source: collapse(n.nodeValue), shown: n.nodeValue, lead: /^\s/.test(n.nodeValue), trail: /\s$/.test(n.nodeValue) });
    } else {
      if (isRich(n)) {
        n.dataset.i18nRich = '';
        statics.push({ node: n, rich: true, source: markupOf(n), shown: markupOf(n) });
      }
      for (const a of ATTRS) {
        const v = n.getAttribute(a);
        if (v && /\p{L}/u.test(v)) statics.push({ node: n, attr: a, source: collapse(v), shown: v });
      }
    }
  }
}

function applyStatics() {
  for (const s of statics) {
    if (s.rich) {
      if (markupOf(s.node) !== s.shown) continue;
      writeRich(s.node, t(s.source));
      s.shown = markupOf(s.node);
      continue;
    }
    const now = s.attr ? s.node.getAttribute(s.attr) : s.node.nodeValue;
    if (now !== s.shown) continue; // the code has written there since: it is not the page's own text now
    let next = t(s.source);
    if (!s.attr) next = `${s.lead ? ' ' : ''}${next}${s.trail ? ' ' : ''}`;
    if (s.attr) s.node.setAttribute(s.attr, next); else s.node.nodeValue = next;
    s.shown = next;
  }
}

function applyLive() {
  for (const el of document.querySelectorAll('[data-i18n-live]')) {
    const live = el.i18nLive;
    if (!live) continue;
    if (live.text) el.textContent = live.text();
    for (const [name, make] of Object.entries(live.attrs ?? {})) el.setAttribute(name, make());
  }
}

let titleSource = null;

/** The ids of the page's own words (index.html's), as the walk found them. */
export const pageMessages = () => [...new Set([titleSource, ...statics.map((x) => x.source)])];

/** Shows the page in `next` (kept for the next visit); the first call also learns the page's English. */
export function setLang(next) {
  if (!LANGS.includes(next)) next = 'en';
  if (!statics.length) { collect(document.body); titleSource = document.title; }
  const changed = next !== current;
  current = next;
  document.documentElement.lang = next;
  document.title = t(titleSource);
  try { localStorage.setItem(STORE_KEY, next); } catch { /* storage may be off */ }
  applyStatics();
  if (changed) {
    applyLive();
    for (const fn of listeners) fn(next);
  }
}
