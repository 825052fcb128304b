// Servers across projects (paged, filtered) and one server's trail.
import { api, fmtTime, h, show } from './lib.js';
import { badge, enc, SERVER_HEADERS, serverRow, STATE_LABEL, table } from './widgets.js';

// ---------- servers ----------

export function servers(ctx) {
  const q = ctx.query;
  if (ctx.params[0]) return inspect(ctx, ctx.params[0]);
  const markers = (q.get('trail') ?? '').split(',').filter(Boolean);
  const go = (params) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
    location.hash = `#/servers?${p}`;
  };
  const filters = () =>
    Object.fromEntries(
      ['state', 'backend', 'project', 'q', 'stuck', 'deleted', 'limit'].map((k) => [
        k,
        q.get(k) ?? '',
      ]),
    );
  const draw = async () => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(filters())) if (v) params.set(k, v);
    if (q.get('marker')) params.set('marker', q.get('marker'));
    const [page, { backends: bs }] = await Promise.all([
      api(`/admin/api/servers?${params}`),
      api('/admin/api/backends'),
    ]);
    const f = filters();
    const form = h(
      'form',
      { class: 'filters', 'data-testid': 'server-filters' },
      h(
        'label',
        {},
        'State',
        h(
          'select',
          { name: 'state' },
          h('option', { value: '' }, 'any'),
          ['BUILD', 'STARTED', 'STOPPED', 'ERROR', 'DESTROYED'].map((s) =>
            h('option', { value: s, selected: f.state === s }, STATE_LABEL[s] ?? 'DELETED'),
          ),
        ),
      ),
      h(
        'label',
        {},
        'Backend',
        h(
          'select',
          { name: 'backend' },
          h('option', { value: '' }, 'any'),
          bs.map((b) => h('option', { value: b.name, selected: f.backend === b.name }, b.name)),
        ),
      ),
      h(
        'label',
        {},
        'Project',
        h('input', { name: 'project', value: f.project, placeholder: 'name or id' }),
      ),
      h(
        'label',
        {},
        'Search',
        h('input', { name: 'q', value: f.q, placeholder: 'name, instance or id' }),
      ),
      h(
        'label',
        {},
        'Stuck only',
        h('input', { type: 'checkbox', name: 'stuck', value: 'true', checked: f.stuck === 'true' }),
      ),
      h(
        'label',
        {},
        'With deleted',
        h('input', {
          type: 'checkbox',
          name: 'deleted',
          value: 'true',
          checked: f.deleted === 'true',
        }),
      ),
      h(
        'label',
        {},
        'Per page',
        h(
          'select',
          { name: 'limit' },
          ['50', '100', '250', '500'].map((n) =>
            h('option', { value: n, selected: (f.limit || '50') === n }, n),
          ),
        ),
      ),
      h('button', { type: 'submit', class: 'primary' }, 'Filter'),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      go(Object.fromEntries(new FormData(form)));
    });
    const prev = markers.length ? markers[markers.length - 1] : null;
    show(
      ctx.main,
      h('h2', {}, 'Servers'),
      form,
      h(
        'p',
        { class: 'muted', 'data-testid': 'server-total' },
        `${page.total} matching · stuck: BUILD or a pending task for more than ${page.stuckAfterSeconds} s (highlighted)`,
      ),
      table(SERVER_HEADERS, page.servers.map(serverRow), { 'data-testid': 'server-table' }),
      h(
        'div',
        { class: 'pager' },
        h(
          'button',
          {
            disabled: markers.length === 0 && !q.get('marker'),
            onclick: () =>
              go({
                ...f,
                marker: prev === '-' ? '' : (prev ?? ''),
                trail: markers.slice(0, -1).join(','),
              }),
          },
          '← Previous',
        ),
        h(
          'button',
          {
            disabled: !page.next,
            'data-testid': 'next-page',
            onclick: () =>
              go({
                ...f,
                marker: page.next,
                trail: [...markers, q.get('marker') || '-'].join(','),
              }),
          },
          'Next →',
        ),
      ),
    );
  };
  return { render: draw, live: () => void draw().catch(() => undefined) };
}

function inspect(ctx, ref) {
  const draw = async () => {
    const t = await api(`/admin/api/servers/${enc(ref)}/trail`);
    const s = t.server;
    const jobs = new Map(t.jobs.map((j) => [j.jobId, j]));
    show(
      ctx.main,
      h('h2', {}, `Server ${s.name} `, badge(s.status), s.stuck ? badge('stuck', 'warn') : null),
      h(
        'dl',
        { class: 'kv', 'data-testid': 'server-detail' },
        [
          ['Id', s.id],
          ['Instance', s.instanceName],
          ['State', `${s.operstate}${s.task ? ` (task ${s.task}, job ${s.taskJobId})` : ''}`],
          ['Backend / node', `${s.backend ?? '-'} / ${s.node ?? '-'}`],
          ['Project', `${s.projectName ?? ''} (${s.projectId})`],
          ['User', `${s.userName ?? ''} (${s.userId})`],
          ['Flavor', s.flavor],
          [
            'Last job',
            s.backendJobId !== null
              ? `${s.backendOpcode} #${s.backendJobId} ${s.backendJobStatus} ${s.backendLogMsg ?? ''}`
              : '-',
          ],
          ['Fault', s.fault ? `${s.fault.code ?? ''} ${s.fault.message}` : '-'],
          ['Created', fmtTime(s.createdAt)],
          ['Updated', fmtTime(s.updatedAt)],
        ].map(([k, v]) => [
          h('dt', {}, k),
          h('dd', { class: k === 'Id' || k === 'Instance' ? 'mono' : '' }, v),
        ]),
      ),
      h('h3', {}, `Trail (${t.entries.length} lines${t.truncated ? ', oldest cut' : ''})`),
      t.requests.length === 0 ? h('p', { class: 'muted' }, 'Nothing recorded yet.') : null,
      t.requests.map((r) =>
        h(
          'div',
          {
            class: 'request',
            'data-testid': 'trail-request',
            'data-request-id': r.requestId ?? '',
          },
          h(
            'div',
            {},
            h('strong', { class: 'mono' }, r.requestId ?? '(no request id)'),
            h('span', { class: 'muted' }, ` ${fmtTime(r.firstAt)} – ${fmtTime(r.lastAt)}`),
          ),
          h(
            'div',
            { class: 'chain', 'data-testid': 'trail-chain' },
            r.sources.map((src) => badge(src, 'chain-step')),
          ),
          table(
            ['Time', 'Source', 'Job', 'Opcode', 'Status', 'Message'],
            r.entries.map((e) =>
              h(
                'tr',
                { 'data-testid': 'trail-entry', 'data-source': e.source },
                h('td', {}, fmtTime(e.at)),
                h('td', {}, e.source),
                h('td', {}, e.jobId ?? ''),
                h('td', { class: 'mono' }, e.opcode ?? ''),
                h('td', {}, e.status ? badge(e.status) : ''),
                h('td', {}, e.message),
              ),
            ),
          ),
          r.jobIds
            .filter((id) => jobs.get(id)?.oplog.length)
            .map((id) =>
              h(
                'details',
                {},
                h('summary', {}, `op log of job ${id} (${jobs.get(id).status})`),
                table(
                  ['Time', 'Type', 'Message'],
                  jobs
                    .get(id)
                    .oplog.map((l) =>
                      h(
                        'tr',
                        {},
                        h('td', {}, fmtTime(l.at)),
                        h('td', {}, l.type),
                        h('td', {}, l.message),
                      ),
                    ),
                ),
              ),
            ),
        ),
      ),
    );
  };
  return { render: draw, live: () => void draw().catch(() => undefined) };
}
