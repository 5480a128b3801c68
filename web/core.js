// Shared by every dashboard page: building elements, calling the API with the saved key, banners, formatting.
// Everything that comes from the API goes into the page as text nodes or properties, never as HTML.

const KEY_STORAGE = 'postflow.apiKey';

export const $ = (id) => document.getElementById(id);

/** The saved API key and whether the API refused it. */
export const auth = { key: localStorage.getItem(KEY_STORAGE) || '', failed: false };

/** Save (or forget, with '') the key. */
export function setKey(key) {
  auth.key = key.trim();
  auth.failed = false;
  if (auth.key) localStorage.setItem(KEY_STORAGE, auth.key);
  else localStorage.removeItem(KEY_STORAGE);
}

/** Build an element: el('td', { className: 'x', title: 'y' }, 'text', otherNode). Strings become text nodes. */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** An error the API answered with ({ error: { code, message, field? } }). */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || `HTTP_${status}`;
    this.field = e.field;
  }
}

/**
 * Call the API with the saved key. `body`: an object (sent as JSON) or a Blob/File (sent as is, with `type`).
 * Resolves to the parsed JSON (null for 204), or the Response itself with `raw`.
 */
export async function api(path, { method = 'GET', body, type, raw = false } = {}) {
  if (!auth.key) throw new ApiError(401, { error: { code: 'NO_KEY', message: 'enter an API key first' } });
  const headers = { authorization: `Bearer ${auth.key}`, accept: raw ? '*/*' : 'application/json' };
  let payload;
  if (body instanceof Blob) {
    payload = body;
    headers['content-type'] = type || 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(path, { method, headers, body: payload });
  if (!res.ok) {
    const err = new ApiError(res.status, await res.json().catch(() => null));
    if (res.status === 401 || res.status === 403) onAuthError(err);
    throw err;
  }
  if (raw) return res;
  return res.status === 204 ? null : res.json();
}

export function showBanner(text, kind = 'error') {
  const b = $('banner');
  b.textContent = text;
  b.className = `banner ${kind}`;
  b.hidden = !text;
}

function onAuthError(err) {
  auth.failed = true;
  const what = err.status === 401 ? 'The API key was refused' : 'This API key is not allowed to do that';
  showBanner(`${what} (${err.code}): ${err.message}. Enter a valid key and save it.`);
}

/** True for errors already reported by the auth banner. */
export const isAuthError = (err) => err instanceof ApiError && (err.status === 401 || err.status === 403);

/** "CODE: message" of an API error (the field is named in the message too). */
export const errorText = (err) => (err instanceof ApiError ? `${err.code}: ${err.message}` : String(err && err.message ? err.message : err));

/** Show an API error in `box` (an element with role=alert), or clear it with null. */
export function showError(box, err) {
  box.hidden = !err;
  box.replaceChildren(...(err ? [el('strong', { className: 'code-name' }, err instanceof ApiError ? err.code : 'Error'), ' ', err.message] : []));
  if (err instanceof ApiError) box.dataset.code = err.code;
  else delete box.dataset.code;
}

export const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
export const fmtNum = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString());

/** "1d 16h 0m", "2m 30s", "—" for null. */
export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${s % 60}s`;
}

export const badge = (status) => el('span', { className: `badge s-${status}` }, status);

/** A progress bar: `done` of `total` (a fraction 0..1 shown as a width; text alongside). */
export function progressBar(done, total, label) {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const fill = el('span', { className: 'bar-fill' });
  fill.style.width = `${(frac * 100).toFixed(1)}%`;
  return el('span', { className: 'bar-wrap' },
    el('span', { className: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(total), 'aria-valuenow': String(done) }, fill),
    el('span', { className: 'bar-text small muted' }, label ?? `${fmtNum(done)} / ${fmtNum(total)}`));
}

/**
 * Call `fn` every `ms` while the tab is visible, never twice at once; `stop()` ends it.
 * The first call happens at once unless `immediate` is false.
 */
export function every(ms, fn, immediate = true) {
  let busy = false;
  const tick = async () => {
    if (busy || document.hidden) return;
    busy = true;
    try { await fn(); } finally { busy = false; }
  };
  const timer = setInterval(tick, ms);
  if (immediate) tick();
  return { stop: () => clearInterval(timer) };
}

/** Save `blob` as a file named `name` (a blob URL clicked, then revoked). */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A definition list from [label, value] pairs (values are text or nodes). */
export const fields = (rows) => el('dl', { className: 'fields' }, ...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
