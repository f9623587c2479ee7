// The page's message ids, found without running it: the first argument of every t(…), new Said(…) and msg(…) in
// web/js (each string literal in it, so `t(a ? 'x' : 'y')` gives both), the data the code translates by
// value (data sets, keys, the zoo's descriptions), and the English of web/index.html as the page's walk
// sees it (text nodes, labelled attributes, and elements of text with plain inline markup, as markup).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const collapse = (s) => s.replace(/\s+/g, ' ').trim();

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (name.endsWith('.js')) yield p;
  }
}

/** The string literals ('…', "…", `…` without ${}) in a stretch of code. */
function literals(code) {
  const out = [];
  const re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`((?:[^`\\$]|\\.)*)`/g;
  for (const m of code.matchAll(re)) {
    if (/[=!]==\s*$/.test(code.slice(0, m.index))) continue; // a value compared, not a message
    const raw = m[1] ?? m[2] ?? m[3];
    out.push(raw.replace(/\\(.)/g, '$1'));
  }
  return out;
}

/** The first argument of each call to t( or Said( in `code`, as text. */
function firstArguments(code) {
  const out = [];
  const re = /(?<![\w.])(?:t|tRaw|Said|msg)\(/g;
  for (const m of code.matchAll(re)) {
    let depth = 0;
    let i = m.index + m[0].length;
    const start = i;
    let quote = null;
    for (; i < code.length; i++) {
      const c = code[i];
      if (quote) { if (c === '\\') i++; else if (c === quote) quote = null; continue; }
      if (c === "'" || c === '"' || c === '`') { quote = c; continue; }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') { if (depth === 0) break; depth--; }
      else if (c === ',' && depth === 0) break;
    }
    out.push(code.slice(start, i));
  }
  return out;
}

export function codeMessages(root) {
  const ids = new Set();
  for (const f of files(join(root, 'web', 'js'))) {
    if (f.endsWith(join('i18n', 'ko.js'))) continue;
    const code = readFileSync(f, 'utf8');
    for (const arg of firstArguments(code)) for (const s of literals(arg)) if (/\p{L}/u.test(s)) ids.add(s);
  }
  return ids;
}

/** Strings the code passes to t() by value. */
export async function dataMessages(root) {
  const ids = new Set();
  const { DATASETS } = await import(join(root, 'web', 'js', 'app', 'datasets.js'));
  for (const d of Object.values(DATASETS)) {
    ids.add(d.noun); ids.add(`${d.noun}s`); ids.add(d.pageTrainText);
    for (const c of d.classes) if (/\p{L}/u.test(c)) ids.add(c);
  }
  const { KEYS } = await import(join(root, 'web', 'js', 'app', 'keys.js'));
  for (const k of KEYS) ids.add(k.help);
  for (const m of JSON.parse(readFileSync(join(root, 'web', 'models', 'manifest.json'), 'utf8')).models) ids.add(m.description);
  return ids;
}
