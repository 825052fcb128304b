// Helpers shared by the dashboard's pages.
export const TOKEN_KEY = 'nefos-admin-token';

let onUnauthorized = () => undefined;
/** What to do when the API says the token is no longer valid. */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'style') Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Calls the admin API with the stored token; a 401 sends the user back to the login form. */
export async function api(path, options = {}) {
  const res = await fetch(path, {
    ...options,
    headers: {
      Accept: 'application/json',
      'X-Auth-Token': sessionStorage.getItem(TOKEN_KEY) ?? '',
      ...(options.body ? { 'Content-Type': 'application/json' } : {}),
    },
  });
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401) {
    onUnauthorized();
    throw new ApiError(401, 'unauthorized');
  }
  if (!res.ok) {
    const fault = body && typeof body === 'object' ? Object.values(body)[0] : null;
    throw new ApiError(res.status, fault?.message ?? `HTTP ${res.status}`);
  }
  return body;
}

/** Asks before anything that changes the cloud; resolves true on Confirm. */
export function confirmAction(text) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

export function fmtTime(iso) {
  if (!iso) return '-';
  const d = new Date(iso);
  return d.toISOString().replace('T', ' ').slice(0, 23);
}

export function ago(iso) {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

export function mib(n) {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} TiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} GiB`;
  return `${n} MiB`;
}

export function usageBar(free, total) {
  const used = total > 0 ? Math.min(100, Math.max(0, ((total - free) / total) * 100)) : 0;
  return h(
    'span',
    { class: 'bar', title: `${Math.round(used)}% used` },
    h('span', { style: { width: `${used}%` } }),
  );
}

/** Replaces an element's content; arrays are flattened and empty values skipped. */
export function show(el, ...children) {
  el.replaceChildren(
    ...children
      .flat(Infinity)
      .filter((c) => c !== null && c !== undefined && c !== false)
      .map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))),
  );
}
