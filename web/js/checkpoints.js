// Training checkpoints in IndexedDB: one record, { bytes, step, epoch, config, history, savedAt }. Used by
// the training worker (IndexedDB works in workers), so a reload or a crashed worker resumes from it. Beside
// it, the user's own data set as the page read it (panels/own-data.js), which the worker trains on and a
// reload keeps: { name, classes, train: { bytes, labels }, heldout: { bytes, labels }, savedAt }. And the
// training timeline's snapshots, one record each under 'timeline/<step>' (panels/timeline.js), so that a
// snapshot is written once, when it is taken.
import { Said } from './i18n/i18n.js';
const DB = 'vae-explorer';
const STORE = 'checkpoints';
const KEY = 'training';
const OWN = 'own-data';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Said('the browser\'s storage could not be opened ({why})', { why: String(req.error?.message) }));
  });
}

async function run(mode, action) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req?.result);
      tx.onerror = () => reject(new Said('the browser\'s storage failed ({why})', { why: String(tx.error?.message) }));
      tx.onabort = () => reject(new Said('the browser\'s storage refused the write ({why})', { why: tx.error?.message ?? 'aborted' }));
    });
  } finally {
    db.close();
  }
}

export const loadCheckpoint = () => run('readonly', (s) => s.get(KEY));
export const saveCheckpoint = (record) => run('readwrite', (s) => s.put(record, KEY));
export const clearCheckpoint = () => run('readwrite', (s) => s.delete(KEY));
export const loadOwnData = () => run('readonly', (s) => s.get(OWN));
export const saveOwnData = (record) => run('readwrite', (s) => s.put(record, OWN));

const SNAP = 'timeline/';
const snapKey = (step) => `${SNAP}${String(step).padStart(10, '0')}`;
const SNAPS = IDBKeyRange.bound(SNAP, `${SNAP}\uffff`);
export const saveSnapshot = (snap) => run('readwrite', (s) => s.put(snap, snapKey(snap.step)));
export const deleteSnapshots = (steps) => run('readwrite', (s) => { for (const step of steps) s.delete(snapKey(step)); });
/** The timeline's snapshots, in the order of their steps. */
export const loadTimeline = () => run('readonly', (s) => s.getAll(SNAPS));
export const clearTimeline = () => run('readwrite', (s) => s.delete(SNAPS));
