// The explorer's shared state, with subscriptions. One plain object holds it (the tests and the console
// read it as `vaeExplorer.state`); `set` changes fields and tells the subscribers of those fields, once
// each, after all the changes of one call. No framework: a Map of keys to listeners.

export class Store {
  constructor(initial) {
    this.state = initial;
    this.listeners = new Map(); // key -> Set of fn
  }

  /** fn(state, changedKeys) runs after any `set` that changes one of `keys`. Returns an unsubscribe. */
  subscribe(keys, fn) {
    for (const k of keys) {
      if (!this.listeners.has(k)) this.listeners.set(k, new Set());
      this.listeners.get(k).add(fn);
    }
    return () => { for (const k of keys) this.listeners.get(k)?.delete(fn); };
  }

  /** Assigns `patch`; a field counts as changed when its value is not the same object or number. */
  set(patch) {
    const changed = Object.keys(patch).filter((k) => this.state[k] !== patch[k]);
    Object.assign(this.state, patch);
    const run = new Set();
    for (const k of changed) for (const fn of this.listeners.get(k) ?? []) run.add(fn);
    for (const fn of run) fn(this.state, changed);
  }
}
