// Backends and nodes, with drain/offline toggles behind a confirmation.
import { ago, api, confirmAction, h, mib, usageBar, show } from './lib.js';
import { enc, flags, NODE_ROLE, table } from './widgets.js';

// ---------- backends and nodes ----------

export function backends(ctx) {
  const notice = h('div', { 'data-testid': 'backend-notice' });
  const change = async (text, path, body) => {
    if (!(await confirmAction(text))) return;
    notice.className = 'notice';
    notice.textContent = 'Working…';
    try {
      const r = await api(path, { method: 'PATCH', body: JSON.stringify(body) });
      notice.textContent = r.jobId !== undefined ? `Job ${r.jobId}: ${r.jobStatus}` : 'Done.';
    } catch (err) {
      notice.className = 'notice error';
      notice.textContent = err.message;
    }
    await draw();
  };
  const draw = async () => {
    const { backends: list } = await api('/admin/api/backends');
    show(
      ctx.main,
      h('h2', {}, 'Backends and nodes'),
      notice,
      list.map((b) =>
        h(
          'section',
          { 'data-testid': 'backend', 'data-backend': b.name },
          h(
            'h3',
            {},
            b.name,
            ' ',
            flags(b),
            h('span', { class: 'muted' }, ` ${b.hypervisor} · ${b.rapiUrl}`),
            h(
              'span',
              { class: 'muted', 'data-testid': 'backend-access' },
              b.public
                ? ' · public'
                : ` · only for project${b.projects.length === 1 ? '' : 's'} ${b.projects.join(', ') || '(none)'}`,
            ),
          ),
          h(
            'p',
            {},
            h(
              'button',
              {
                onclick: () =>
                  change(
                    `${b.drained ? 'Undrain' : 'Drain'} backend ${b.name}? ${b.drained ? 'It will take new servers again.' : 'No new servers will be placed on it.'}`,
                    `/admin/api/backends/${enc(b.name)}`,
                    { drained: !b.drained },
                  ),
              },
              b.drained ? 'Undrain backend' : 'Drain backend',
            ),
            ' ',
            h(
              'button',
              {
                onclick: () =>
                  change(
                    `Set backend ${b.name} ${b.offline ? 'online' : 'offline'}?${b.offline ? '' : ' Nefos will stop contacting it.'}`,
                    `/admin/api/backends/${enc(b.name)}`,
                    { offline: !b.offline },
                  ),
              },
              b.offline ? 'Set online' : 'Set offline',
            ),
            ' ',
            h(
              'button',
              {
                onclick: async () => {
                  await api(`/admin/api/backends/${enc(b.name)}/refresh`, { method: 'POST' }).catch(
                    (e) => {
                      notice.className = 'notice error';
                      notice.textContent = e.message;
                    },
                  );
                  await draw();
                },
              },
              'Refresh capacity',
            ),
            h('span', { class: 'muted' }, ` heartbeat ${ago(b.lastHeartbeatAt)}`),
          ),
          table(
            ['Node', 'Role', 'State', 'CPUs', 'Memory free', 'Disk free', 'Instances', 'Read', ''],
            (b.nodes ?? []).map((n) =>
              h(
                'tr',
                {
                  'data-testid': 'node-row',
                  'data-node': n.name,
                  'data-drained': String(n.drained),
                  'data-offline': String(n.offline),
                },
                h('td', {}, n.name),
                h('td', {}, NODE_ROLE[n.role] ?? n.role),
                h('td', {}, flags(n)),
                h('td', {}, n.cpus),
                h(
                  'td',
                  {},
                  usageBar(n.memoryFreeMib, n.memoryMib),
                  `${mib(n.memoryFreeMib)} / ${mib(n.memoryMib)}`,
                ),
                h(
                  'td',
                  {},
                  usageBar(n.diskFreeMib, n.diskMib),
                  `${mib(n.diskFreeMib)} / ${mib(n.diskMib)}`,
                ),
                h('td', {}, n.instances),
                h('td', {}, ago(n.updatedAt)),
                h(
                  'td',
                  {},
                  h(
                    'button',
                    {
                      'data-testid': n.drained ? 'node-undrain' : 'node-drain',
                      onclick: () =>
                        change(
                          `${n.drained ? 'Undrain' : 'Drain'} node ${n.name} of ${b.name}? ${n.drained ? 'It will take new instances again.' : 'No new instances will be placed on it; running ones stay.'}`,
                          `/admin/api/backends/${enc(b.name)}/nodes/${enc(n.name)}`,
                          { drained: !n.drained },
                        ),
                    },
                    n.drained ? 'Undrain' : 'Drain',
                  ),
                  ' ',
                  h(
                    'button',
                    {
                      onclick: () =>
                        change(
                          `Set node ${n.name} ${n.offline ? 'online' : 'offline'}?`,
                          `/admin/api/backends/${enc(b.name)}/nodes/${enc(n.name)}`,
                          { offline: !n.offline },
                        ),
                    },
                    n.offline ? 'Online' : 'Offline',
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
