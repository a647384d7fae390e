// The run panel and the page's test hooks (window.streamvis), run once when the document is
// ready. Args: figures (per figure: name, scatter, lines, points, smooth, highlight,
// row_filter, point_filter), runs (the run table: scope, color, points, last) and scopes
// (the URL's scopes= regex or null). Everything here stays in the browser except the filters'
// indices, which Bokeh syncs to the server like any model change.
const get = (o, k) => (o instanceof Map ? o.get(k) : o[k]);
const col = (src, name) => (src.data instanceof Map ? src.data.get(name) : src.data[name]);
const put = (src, name, value) => {
  if (src.data instanceof Map) src.data.set(name, value); else src.data[name] = value;
};
const figs = Array.from(figures, f => ({
  name: get(f, "name"), scatter: get(f, "scatter"), lines: get(f, "lines"),
  points: get(f, "points"), smooth: get(f, "smooth"), highlight: get(f, "highlight"),
  rowFilter: get(f, "row_filter"), pointFilter: get(f, "point_filter"),
  inbox: get(f, "inbox")}));
// the first fill's points came flat in each inbox, with the document: append them now
const filling = [];
for (const f of figs) {
  const cbs = f.inbox.js_property_callbacks;
  const list = (cbs instanceof Map ? cbs.get("change:data") : cbs["change:data"]) || [];
  if (col(f.inbox, "row").length) for (const cb of list) filling.push(cb.execute(f.inbox, {}));
}
const hidden = new Set();          // runs unchecked in the panel
let filterText = "";
let urlRe = null;                   // the scopes= regex in effect: new runs follow it
let highlighted = null;
const escapeRe = s => s.replace(/[.*+?^${}()|[\]\\\/-]/g, "\\$&");
const compile = text => {
  try { return new RegExp("^(?:" + text + ")$"); } catch (e) { return null; }
};
if (scopes !== null && scopes !== undefined && scopes !== "") urlRe = compile(scopes);

const matchesFilter = scope => {
  if (!filterText) return true;
  if (scope.toLowerCase().includes(filterText.toLowerCase())) return true;
  try { return new RegExp(filterText, "i").test(scope); } catch (e) { return false; }
};
const isShown = scope => !hidden.has(scope) && matchesFilter(scope);

// -- the panel ------------------------------------------------------------------------------
const panel = document.getElementById("sv-runs");
const rowsByScope = new Map();
let list = null, count = null, filterBox = null;
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const fmt = v => (v === null || v === undefined || Number.isNaN(v) ? "" :
  Number.isInteger(v) ? String(v) : Number(v).toPrecision(6));
if (panel) {
  panel.replaceChildren();
  const head = el("div", "sv-runs-head");
  const collapse = el("button", "sv-collapse", "\u25c0");
  collapse.title = "hide or show the run panel";
  collapse.onclick = () => {
    panel.classList.toggle("sv-collapsed");
    collapse.textContent = panel.classList.contains("sv-collapsed") ? "\u25b6" : "\u25c0";
    window.dispatchEvent(new Event("resize"));
  };
  count = el("span", "sv-count");
  head.append(collapse, el("b", "sv-title", "Runs"), count);
  filterBox = el("input", "sv-filter");
  filterBox.placeholder = "filter runs: text or regex";
  filterBox.oninput = () => { filterText = filterBox.value; changed(); };
  const actions = el("div", "sv-actions");
  const all = el("button", "sv-all", "all");
  all.onclick = () => { hidden.clear(); filterText = ""; filterBox.value = ""; changed(); };
  const none = el("button", "sv-none", "none");
  none.onclick = () => { for (const s of rowsByScope.keys()) hidden.add(s); changed(); };
  actions.append(all, none);
  const header = el("div", "sv-run sv-run-header");
  header.append(el("span", "sv-check"), el("span", "sv-swatch-h"), el("span", "sv-name", "run"),
                el("span", "sv-points", "points"), el("span", "sv-last", "last step"),
                el("span", "sv-only-h"));
  list = el("div", "sv-list");
  list.onmouseleave = () => SV.highlight(null);
  panel.append(head, filterBox, actions, header, list);
}

function addRow(i) {
  const scope = col(runs, "scope")[i];
  if (rowsByScope.has(scope)) return;
  if (urlRe !== null && !urlRe.test(scope)) hidden.add(scope);
  if (!list) { rowsByScope.set(scope, null); return; }
  const row = el("div", "sv-run");
  row.dataset.scope = scope;
  const box = el("input", "sv-check");
  box.type = "checkbox";
  box.onchange = () => { if (box.checked) hidden.delete(scope); else hidden.add(scope); changed(); };
  const swatch = el("span", "sv-swatch");
  swatch.style.background = col(runs, "color")[i];
  const only = el("button", "sv-only", "only");
  only.title = "show only this run";
  only.onclick = () => {
    for (const s of rowsByScope.keys()) if (s !== scope) hidden.add(s);
    hidden.delete(scope);
    changed();
  };
  row.append(box, swatch, el("span", "sv-name", scope), el("span", "sv-points"),
             el("span", "sv-last"), only, el("div", "sv-config"));
  row.onmouseenter = () => SV.highlight(scope);
  rowsByScope.set(scope, row);
  list.append(row);
  updateRow(i);
}

function updateRow(i) {
  const row = rowsByScope.get(col(runs, "scope")[i]);
  if (!row) return;
  row.children[3].textContent = fmt(col(runs, "points")[i]);
  row.children[4].textContent = fmt(col(runs, "last")[i]);
  const config = (col(runs, "config") || [])[i] || "";
  row.children[6].textContent = config;   // the run's config, key=value (text, not HTML)
  row.title = config ? `${row.dataset.scope}\n${config}` : row.dataset.scope;
}

function syncPanel() {
  let shown = 0;
  for (const [scope, row] of rowsByScope) {
    const on = isShown(scope);
    if (on) shown++;
    if (!row) continue;
    row.style.display = matchesFilter(scope) ? "" : "none";
    row.children[0].checked = !hidden.has(scope);
    row.classList.toggle("sv-hidden", !on);
  }
  if (count) count.textContent = `${shown} / ${rowsByScope.size} shown`;
}

function addRuns() {
  const n = col(runs, "scope").length;
  for (let i = 0; i < n; i++) addRow(i);
}

// -- what the figures draw ------------------------------------------------------------------
function refilter() {
  for (const f of figs) {
    const scope = col(f.lines, "scope");
    const idx = [];
    for (let i = 0; i < scope.length; i++) if (isShown(scope[i])) idx.push(i);
    const all = idx.length === scope.length;
    const now = f.rowFilter.indices;
    if (all ? now !== null : !(now && now.length === idx.length && idx.every((v, k) => v === now[k])))
      f.rowFilter.indices = all ? null : idx;
    if (f.scatter) {
      const rows = col(f.points, "row");
      const on = scope.map(s => isShown(s));
      f.pointFilter.booleans = on.every(v => v) ? null : Array.from(rows, r => on[r] === true);
    }
  }
}

// A short regex matching exactly `words` (a trie: shared prefixes written once), so that a
// selection of hundreds of runs fits the server's limit on scopes= (1,000 characters).
const escapeClass = c => c.replace(/[\]\\^-]/g, "\\$&");
const charClass = chars => {          // "0123579" -> "0-357-9"
  const codes = [...new Set(chars)].map(c => c.codePointAt(0)).sort((p, q) => p - q);
  let out = "";
  for (let i = 0; i < codes.length;) {
    let j = i;
    while (j + 1 < codes.length && codes[j + 1] === codes[j] + 1) j++;
    const lo = escapeClass(String.fromCodePoint(codes[i]));
    const hi = escapeClass(String.fromCodePoint(codes[j]));
    out += j - i >= 2 ? lo + "-" + hi : j > i ? lo + hi : lo;
    i = j + 1;
  }
  return out;
};
function trieRegex(words) {
  const root = new Map();
  for (const w of words) {
    let node = root;
    for (const ch of w) {
      if (!node.has(ch)) node.set(ch, new Map());
      node = node.get(ch);
    }
    node.set("", null);
  }
  const emit = node => {
    const ends = node.has("");
    const alts = [], leaves = [];
    for (const [ch, child] of node) {
      if (ch === "") continue;
      if (child.size === 1 && child.has("")) leaves.push(ch);
      else alts.push(escapeRe(ch) + emit(child));
    }
    if (leaves.length > 1) alts.push("[" + charClass(leaves) + "]");
    else if (leaves.length === 1) alts.push(escapeRe(leaves[0]));
    if (!alts.length) return "";
    const body = alts.length === 1 ? alts[0] : "(?:" + alts.join("|") + ")";
    if (!ends) return body;
    return alts.length === 1 && body.length === 1 ? body + "?" : "(?:" + body + ")?";
  };
  return emit(root);
}

function updateUrl() {
  const names = [...rowsByScope.keys()];
  const shown = names.filter(isShown);
  const params = new URLSearchParams(window.location.search);
  const same = re => re !== null && names.every(s => re.test(s) === isShown(s));
  if (params.has("scopes") && same(urlRe))
    return;                          // the address already says what is shown
  let re = null;
  if (shown.length !== names.length) {
    const candidates = [shown.length ? trieRegex(shown) : "[^\\s\\S]"];
    if (filterText && hidden.size === 0)   // the filter alone, when it says the same
      candidates.push(".*" + escapeRe(filterText) + ".*", ".*(?:" + filterText + ").*");
    re = candidates.filter(c => same(compile(c))).sort((p, q) => p.length - q.length)[0];
  }
  const tooLong = re !== null && re !== undefined && re.length > 1000;
  if (panel) panel.classList.toggle("sv-url-stale", tooLong);
  if (tooLong || re === undefined) re = null;   // the address cannot say it: leave it out
  urlRe = re === null ? null : compile(re);
  // keep the rest of the address as typed (rows=a,b;c stays readable)
  const rest = window.location.search.replace(/^\?/, "").split("&")
    .filter(p => p && !p.startsWith("scopes="));
  if (re !== null) rest.push("scopes=" + encodeURIComponent(re));
  const url = window.location.pathname + (rest.length ? "?" + rest.join("&") : "") +
    window.location.hash;
  window.history.replaceState(window.history.state, "", url);
}

function changed() {
  refilter();
  syncPanel();
  updateUrl();
  if (highlighted !== null && !isShown(highlighted)) SV.highlight(null);
}

// -- hooks ----------------------------------------------------------------------------------
const SV = window.streamvis = window.streamvis || {};
const keysOf = f => col(f.lines, "key");
const perLine = (f, value) => {
  const out = {};
  const keys = keysOf(f), scope = col(f.lines, "scope");
  if (f.scatter) {
    const rows = col(f.points, "row"), x = col(f.points, "x");
    const counts = new Array(keys.length).fill(0), last = new Array(keys.length).fill(null);
    for (let i = 0; i < rows.length; i++) { counts[rows[i]]++; last[rows[i]] = x[i]; }
    for (let r = 0; r < keys.length; r++)
      if (isShown(scope[r])) out[keys[r]] = value === "n" ? counts[r] : last[r];
    return out;
  }
  const xs = col(f.lines, "xs");
  for (let r = 0; r < keys.length; r++) {
    if (!isShown(scope[r])) continue;
    const x = xs[r];
    out[keys[r]] = value === "n" ? x.length : (x.length ? x[x.length - 1] : null);
  }
  return out;
};
/** Test hook: {figure: {"scope|name|index": points drawn}} for the lines shown. */
SV.shown = () => Object.fromEntries(figs.map(f => [f.name, perLine(f, "n")]));
/** Test hook: {figure: {"scope|name|index": last x drawn}} for the lines shown. */
SV.lastX = () => Object.fromEntries(figs.map(f => [f.name, perLine(f, "x")]));
/** The colour each figure gives a run: {figure: {scope: colour}}. */
SV.colors = () => Object.fromEntries(figs.map(f => {
  const out = {}, scope = col(f.lines, "scope"), color = col(f.lines, "color");
  for (let r = 0; r < scope.length; r++) out[scope[r]] = color[r];
  return [f.name, out];
}));
/** The highlighted run and, per figure, the keys of its lines drawn highlighted. */
SV.highlighted = () => ({scope: highlighted, figures: Object.fromEntries(
  figs.map(f => [f.name, [...(col(f.highlight, "key") || [])]]))});
SV.highlight = scope => {
  if (scope !== null && !isShown(scope)) scope = null;
  if (scope === highlighted) return;
  highlighted = scope;
  for (const [s, row] of rowsByScope) if (row) row.classList.toggle("sv-hl", s === scope);
  for (const f of figs) {
    const xs = [], ys = [], color = [], key = [];
    if (scope !== null) {
      const scopes = col(f.lines, "scope"), keys = keysOf(f), colors = col(f.lines, "color");
      for (let r = 0; r < scopes.length; r++) {
        if (scopes[r] !== scope) continue;
        if (f.scatter) {
          const rows = col(f.points, "row"), px = col(f.points, "x"), py = col(f.points, "y");
          const lx = [], ly = [];
          for (let i = 0; i < rows.length; i++) if (rows[i] === r) { lx.push(px[i]); ly.push(py[i]); }
          xs.push(lx); ys.push(ly);
        } else {
          xs.push(col(f.lines, "xs")[r]); ys.push(col(f.lines, "ys")[r]);
        }
        color.push(colors[r]); key.push(keys[r]);
      }
    }
    put(f.highlight, "xs", xs); put(f.highlight, "ys", ys);
    put(f.highlight, "color", color); put(f.highlight, "key", key);
    f.highlight.change.emit();
  }
};
SV.hovered = (name, cb) => {
  const f = figs.find(g => g.name === name);
  const hit = cb && cb.index ? cb.index.indices : [];
  if (!f || !hit || !hit.length) { SV.highlight(null); return; }
  const row = f.scatter ? col(f.points, "row")[hit[0]] : hit[0];
  SV.highlight(col(f.lines, "scope")[row]);
};
SV._appended = () => { if (figs.some(f => f.scatter)) refilter(); };

runs.streaming.connect(() => { addRuns(); changed(); });
runs.patching.connect(indices => {
  for (const i of indices) updateRow(typeof i === "number" ? i : i[0]);
});
runs.properties.data.change.connect(() => { addRuns(); changed(); });
for (const f of figs) {
  f.lines.streaming.connect(() => refilter());
  f.lines.properties.data.change.connect(() => refilter());
  if (f.scatter) f.points.properties.data.change.connect(() => refilter());
}
addRuns();
changed();
Promise.all(filling).then(() => { SV.ready = true; });
