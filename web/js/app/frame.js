// At most one update a frame: `request(v)` keeps the newest value and hands it to `apply` on the next
// animation frame; values requested in between are dropped. The explorer's point and the twin view's cursor
// both move this way, so a burst of pointer events costs one decode.
export function latestPerFrame(apply) {
  let pending = null;
  let frame = 0;
  return {
    request(v) {
      pending = v;
      if (!frame) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          const v2 = pending;
          pending = null;
          if (v2 !== null) apply(v2);
        });
      }
    },
    /** The value waiting for the next frame, or null. */
    get pending() { return pending; },
  };
}
