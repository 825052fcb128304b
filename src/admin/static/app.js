// The Nefos admin dashboard: a small client of /admin/api. No framework, no CDN; DOM built with
// h() (never innerHTML), so names and messages from the database are shown as text.
import { api, h, setUnauthorizedHandler, TOKEN_KEY } from './lib.js';
import { views } from './views.js';

// ---------- login ----------

function loginView(message) {
  const error = h('p', { class: 'error', 'data-testid': 'login-error' }, message ?? '');
  const form = h(
    'form',
    { class: 'login', 'data-testid': 'login-form' },
    h('h2', {}, 'Nefos admin'),
    h(
      'label',
      {},
      'User',
      h('input', { name: 'user', autocomplete: 'username', value: 'admin', required: true }),
    ),
    h(
      'label',
      {},
      'Password',
      h('input', { name: 'password', type: 'password', autocomplete: 'current-password' }),
    ),
    h('label', {}, 'Project', h('input', { name: 'project', value: 'admin' })),
    h(
      'details',
      {},
      h('summary', {}, 'or paste a token'),
      h('label', {}, 'X-Auth-Token', h('input', { name: 'token' })),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Log in'),
    error,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    error.textContent = '';
    try {
      const token = f.get('token') ? String(f.get('token')).trim() : await passwordLogin(f);
      sessionStorage.setItem(TOKEN_KEY, token);
      await api('/admin/api/overview');
      start();
    } catch (err) {
      sessionStorage.removeItem(TOKEN_KEY);
      error.textContent =
        err.status === 403
          ? 'This account is not an admin of that project.'
          : (err.message ?? String(err));
    }
  });
  return form;
}

/** Keystone v3 password authentication scoped to the project: the token the API accepts. */
async function passwordLogin(f) {
  const res = await fetch('/identity/v3/auth/tokens', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: f.get('user'), domain: { id: 'default' }, password: f.get('password') },
          },
        },
        scope: { project: { name: f.get('project') || 'admin', domain: { id: 'default' } } },
      },
    }),
  });
  if (res.status === 401) throw new Error('Wrong user name or password.');
  if (!res.ok) throw new Error(`Login failed (HTTP ${res.status}).`);
  const body = await res.json();
  document.getElementById('who').textContent = body?.token?.user?.name ?? '';
  return res.headers.get('X-Subject-Token');
}

function logout(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  stream.stop();
  document.getElementById('top').hidden = true;
  document.getElementById('main').replaceChildren(loginView(message));
}

// ---------- live updates ----------

/** Reads /admin/api/stream with fetch (EventSource cannot send the token header). */
const stream = {
  controller: null,
  last: null,
  listeners: new Set(),
  start() {
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    const indicator = document.getElementById('live');
    const run = async () => {
      while (!controller.signal.aborted) {
        try {
          const res = await fetch('/admin/api/stream', {
            headers: { 'X-Auth-Token': sessionStorage.getItem(TOKEN_KEY) ?? '' },
            signal: controller.signal,
          });
          if (res.status === 401) return logout('Your session ended: log in again.');
          if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
          indicator.className = 'live on';
          indicator.textContent = 'live';
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let i;
            while ((i = buffer.indexOf('\n\n')) >= 0) {
              this.dispatch(buffer.slice(0, i));
              buffer = buffer.slice(i + 2);
            }
          }
        } catch {
          if (controller.signal.aborted) return;
        }
        indicator.className = 'live off';
        indicator.textContent = 'reconnecting';
        await new Promise((r) => setTimeout(r, 3000));
      }
    };
    void run();
  },
  dispatch(block) {
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    if (event !== 'overview' || !data) return;
    this.last = JSON.parse(data);
    for (const l of this.listeners) l(this.last);
  },
  stop() {
    this.controller?.abort();
    this.controller = null;
  },
};

// ---------- routing ----------

let current = null;

async function route() {
  if (!sessionStorage.getItem(TOKEN_KEY)) return logout();
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const name = parts[0] ?? 'overview';
  const view = views[name] ?? views.overview;
  for (const a of document.querySelectorAll('header nav a')) {
    a.classList.toggle('active', a.dataset.nav === (views[name] ? name : 'overview'));
  }
  current?.destroy?.();
  const main = document.getElementById('main');
  current = view({ params: parts.slice(1), query: new URLSearchParams(query ?? ''), main, stream });
  try {
    await current.render();
  } catch (err) {
    if (err.status !== 401)
      main.replaceChildren(h('p', { class: 'error' }, String(err.message ?? err)));
  }
}

function start() {
  document.getElementById('top').hidden = false;
  stream.start();
  void route();
}

window.addEventListener('hashchange', () => void route());
document.getElementById('logout').addEventListener('click', () => logout());
stream.listeners.add((overview) => {
  // Pages refresh in place on each push, unless the user is busy with them: answering a
  // confirmation, typing in a form, or reading an opened op log.
  const main = document.getElementById('main');
  const busy =
    document.getElementById('confirm').open ||
    main.querySelector('details[open]') ||
    (document.activeElement &&
      main.contains(document.activeElement) &&
      document.activeElement.closest('form'));
  if (!busy) current?.live?.(overview);
});
setUnauthorizedHandler(() => logout('Your session ended: log in again.'));
if (sessionStorage.getItem(TOKEN_KEY)) start();
else logout();
