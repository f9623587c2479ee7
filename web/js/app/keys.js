// Keyboard shortcuts. One table drives both the handler and the `?` overlay, so they cannot disagree.
import { t, text } from '../i18n/i18n.js';

export const KEYS = [
  { keys: ['←', '→', '↑', '↓'], match: (e) => e.key.startsWith('Arrow'), action: 'move', help: 'Move the point, or the twin view\'s cursor (Shift: 10× bigger steps)' },
  { keys: ['PgUp', 'PgDn'], match: (e) => e.key === 'PageUp' || e.key === 'PageDown', action: 'lesson-step', help: 'In a lesson: the previous or next step (← → too, unless a map has the focus)' },
  { keys: ['G'], match: (e) => e.key === 'g' || e.key === 'G', action: 'toggle-grid', help: 'Switch between the map and the manifold grid' },
  { keys: ['Space'], match: (e) => e.key === ' ', action: 'play', help: 'Play or pause the walk from A to B' },
  { keys: ['A'], match: (e) => e.key === 'a' || e.key === 'A', action: 'set-a', help: 'Set interpolation end A to the point' },
  { keys: ['B'], match: (e) => e.key === 'b' || e.key === 'B', action: 'set-b', help: 'Set interpolation end B to the point' },
  { keys: ['+', '−'], match: (e) => ['+', '=', '-', '_'].includes(e.key), action: 'zoom', help: 'Zoom the map in or out' },
  { keys: ['0'], match: (e) => e.key === '0', action: 'reset-view', help: 'Reset the map view' },
  { keys: ['P'], match: (e) => e.key === 'p' || e.key === 'P', action: 'presenter', help: 'Presenter mode: full screen, large digit, high contrast' },
  { keys: ['?'], match: (e) => e.key === '?', action: 'help', help: 'Show or hide this list' },
  { keys: ['Esc'], match: (e) => e.key === 'Escape', action: 'escape', help: 'Close this list, or leave presenter mode' },
];

/** Calls handlers[action](event) for shortcut keys pressed outside text fields; the key's default action is
 *  prevented unless the handler returns false. */
export function installKeys(handlers) {
  window.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    const typing = t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;
    if (typing && e.key !== 'Escape') return;
    // Space on a focused button presses it; leave it be.
    if (e.key === ' ' && t instanceof HTMLButtonElement) return;
    const entry = KEYS.find((k) => k.match(e));
    if (!entry || !handlers[entry.action]) return;
    // A handler that returns false did nothing: the key keeps its own meaning (PgDn scrolls outside a lesson).
    if (handlers[entry.action](e) !== false) e.preventDefault();
  });
}

export function fillHelp(list) {
  for (const k of KEYS) {
    const row = document.createElement('div');
    const dt = document.createElement('dt');
    dt.innerHTML = k.keys.map((key) => `<kbd>${key}</kbd>`).join(' ');
    const dd = document.createElement('dd');
    text(dd, () => t(k.help));
    row.append(dt, dd);
    list.append(row);
  }
}
