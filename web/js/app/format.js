// Numbers as the page writes them: a list of coordinates to `digits` decimals, cut to its first `keep`
// with an ellipsis when it has more than `over`.
export function formatList(v, digits = 2, { over = Infinity, keep = over } = {}) {
  const a = Array.from(v);
  const head = a.length > over ? a.slice(0, keep) : a;
  return `${head.map((x) => x.toFixed(digits)).join(', ')}${a.length > over ? ', …' : ''}`;
}
