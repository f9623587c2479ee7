// Ten class colours that stay apart for the common colour-vision deficiencies: Paul Tol's "muted"
// scheme (nine colours) plus a dark grey, in an order that keeps look-alike digits (4/9, 3/5/8, 7/1) apart.
export const CLASS_COLOURS = [
  '#332288', // 0 indigo
  '#88CCEE', // 1 cyan
  '#117733', // 2 green
  '#CC6677', // 3 rose
  '#DDCC77', // 4 sand
  '#44AA99', // 5 teal
  '#AA4499', // 6 purple
  '#999933', // 7 olive
  '#882255', // 8 wine
  '#555555', // 9 dark grey
];
