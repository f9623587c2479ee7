// Scores as a detector: an image is flagged as an anomaly when its score (negative ELBO, or reconstruction
// error) is at or above a threshold. The ROC curve of all thresholds and its area, and the rates at one
// threshold. Pure functions of arrays; the anomaly lab's worker runs them off the main thread.

/** The area under the ROC curve: the chance that a random anomaly scores above a random normal image, ties
 *  counting one half (the Mann-Whitney U statistic over n_pos * n_neg), from average ranks. */
export function auroc(normal, anomalies) {
  const all = [...Array.from(normal, (v) => [v, 0]), ...Array.from(anomalies, (v) => [v, 1])].sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j][0] === all[i][0]) j++;
    const rank = (i + 1 + j) / 2; // the mean of ranks i+1 .. j
    for (let k = i; k < j; k++) if (all[k][1]) rankSum += rank;
    i = j;
  }
  const p = anomalies.length;
  const n = normal.length;
  return (rankSum - (p * (p + 1)) / 2) / (p * n);
}

/** The ROC curve: { fpr, tpr, thresholds }, from the highest threshold (nothing flagged) down to the lowest
 *  (everything flagged), one point for each distinct score. */
export function rocCurve(normal, anomalies) {
  const all = [...Array.from(normal, (v) => [v, 0]), ...Array.from(anomalies, (v) => [v, 1])].sort((a, b) => b[0] - a[0]);
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Infinity];
  let fp = 0;
  let tp = 0;
  for (let i = 0; i < all.length;) {
    const t = all[i][0];
    while (i < all.length && all[i][0] === t) { if (all[i][1]) tp++; else fp++; i++; }
    fpr.push(fp / normal.length);
    tpr.push(tp / anomalies.length);
    thresholds.push(t);
  }
  return { fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr), thresholds: Float64Array.from(thresholds) };
}

/** The share of `sortedScores` (ascending) at or above threshold t. */
export function shareAbove(sortedScores, t) {
  let lo = 0;
  let hi = sortedScores.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sortedScores[mid] < t) lo = mid + 1; else hi = mid; }
  return (sortedScores.length - lo) / sortedScores.length;
}
