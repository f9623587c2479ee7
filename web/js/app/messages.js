// The page's two message boxes: an error (role=alert) and a notice (role=status). Empty text hides one.
// A message given as a function is written again in the new language after a switch.
import { text } from '../i18n/i18n.js';

const box = (id) => document.getElementById(id);

function message(el, say) {
  el.replaceChildren();
  const make = typeof say === 'function' ? say : () => say;
  if (!make()) { el.hidden = true; return; }
  const div = document.createElement('div');
  text(div, make);
  el.append(div);
  el.hidden = false;
}

export const showError = (say) => message(box('error'), say);
export const showNotice = (say) => message(box('notice'), say);
