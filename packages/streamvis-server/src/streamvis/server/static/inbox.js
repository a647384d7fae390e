// A figure's new points arrived (inbox.data: row, x, y and, while smoothing, s): append them
// to their lines in the browser (a first row of -1: clear every line first). Args: inbox, lines, points, smooth, scatter. Runs as the body
// of a CustomJS callback on inbox's "data" change; nothing here is sent back to the server.
const col = (src, name) => (src.data instanceof Map ? src.data.get(name) : src.data[name]);
const put = (src, name, value) => {
  if (src.data instanceof Map) src.data.set(name, value); else src.data[name] = value;
};
const cat = (a, b, i0, i1) => {
  const out = new Float64Array(a.length + i1 - i0);
  out.set(a, 0);
  for (let i = i0; i < i1; i++) out[a.length + i - i0] = b[i];
  return out;
};
const rows = col(inbox, "row"), x = col(inbox, "x"), y = col(inbox, "y"), s = col(inbox, "s");
const n = rows.length;
if (n === 0) return;
if (scatter) {
  const px = col(points, "x");
  put(points, "x", cat(px, x, 0, n));
  put(points, "y", cat(col(points, "y"), y, 0, n));
  put(points, "row", cat(col(points, "row"), rows, 0, n));
  points.change.emit();
}
const xs = scatter ? null : col(lines, "xs"), ys = scatter ? null : col(lines, "ys");
const sxs = col(smooth, "xs"), sys = col(smooth, "ys");
const smoothing = s !== undefined && s.length === n;
let a = 0;
const reset = !scatter && rows[0] === -1;    // a full resend: clear every line first
if (reset) {
  for (let r = 0; r < xs.length; r++) { xs[r] = []; ys[r] = []; }
  for (let r = 0; r < sxs.length; r++) { sxs[r] = []; sys[r] = []; }
  a = 1;
}
while (a < n) {
  const r = rows[a];
  let b = a + 1;
  while (b < n && rows[b] === r) b++;
  if (!scatter && r < xs.length) {
    xs[r] = cat(xs[r], x, a, b);
    ys[r] = cat(ys[r], y, a, b);
  }
  if (smoothing && r < sxs.length) {
    sxs[r] = cat(sxs[r], x, a, b);
    sys[r] = cat(sys[r], s, a, b);
  }
  a = b;
}
if (!scatter) lines.change.emit();
if (smoothing || reset) smooth.change.emit();
if (window.streamvis && window.streamvis._appended) window.streamvis._appended();
