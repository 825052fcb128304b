// The front page: counts, stuck servers, backends, queues, heartbeats.
import { ago, api, fmtTime, h, mib, usageBar, show } from './lib.js';
import { badge, flags, SERVER_HEADERS, serverRow, STATE_LABEL, table } from './widgets.js';

// ---------- overview ----------

/** A state record in one line: scalar fields as `key value`, lists as their length. */
function summarize(value) {
  if (value === null || typeof value !== 'object') return String(value);
  return Object.entries(value)
    .map(([k, v]) => {
      if (Array.isArray(v)) return `${k}: ${v.length}`;
      if (v && typeof v === 'object') return `${k}: ${JSON.stringify(v)}`;
      return `${k}: ${v}`;
    })
    .join(' · ');
}

export function overview(ctx) {
  const draw = (o) => {
    const cards = Object.entries(o.servers.byState).map(([state, n]) =>
      h(
        'a',
        { class: 'card', href: `#/servers?state=${state}`, 'data-testid': `count-${state}` },
        h('span', { class: 'n' }, n),
        STATE_LABEL[state] ?? state,
      ),
    );
    cards.push(
      h(
        'a',
        {
          class: `card ${o.servers.stuck ? 'alert' : ''}`,
          href: '#/servers?stuck=true',
          'data-testid': 'count-stuck',
        },
        h('span', { class: 'n' }, o.servers.stuck),
        `stuck (> ${o.servers.stuckAfterSeconds} s)`,
      ),
      h(
        'a',
        {
          class: `card ${o.deadLetters ? 'alert' : ''}`,
          href: '#/dead-letters',
          'data-testid': 'count-dead',
        },
        h('span', { class: 'n' }, o.deadLetters ?? '?'),
        'dead letters',
      ),
    );
    show(
      ctx.main,
      h('h2', {}, 'Overview ', h('span', { class: 'muted' }, `updated ${fmtTime(o.generatedAt)}`)),
      o.problems.length
        ? h(
            'div',
            { class: 'notice error' },
            o.problems.map((p) => h('div', {}, p)),
          )
        : null,
      h('div', { class: 'cards' }, cards),
      h('h3', {}, 'Backends'),
      table(
        [
          'Backend',
          'State',
          'Heartbeat',
          'CPUs free',
          'Memory free',
          'Disk free',
          'Nodes',
          'Servers',
        ],
        o.backends.map((b) =>
          h(
            'tr',
            { 'data-testid': 'backend-summary', 'data-backend': b.name },
            h('td', {}, h('a', { href: '#/backends' }, b.name)),
            h('td', {}, flags(b)),
            h(
              'td',
              {},
              b.lastHeartbeatOk === null
                ? '-'
                : badge(b.lastHeartbeatOk ? 'ok' : 'failed', b.lastHeartbeatOk ? 'ok' : 'bad'),
              ' ',
              ago(b.lastHeartbeatAt),
            ),
            h('td', {}, `${b.cpusFree} / ${b.cpus}`),
            h(
              'td',
              {},
              usageBar(b.memoryFreeMib, b.memoryMib),
              `${mib(b.memoryFreeMib)} / ${mib(b.memoryMib)}`,
            ),
            h(
              'td',
              {},
              usageBar(b.diskFreeMib, b.diskMib),
              `${mib(b.diskFreeMib)} / ${mib(b.diskMib)}`,
            ),
            h(
              'td',
              {},
              `${b.nodes}`,
              b.nodesDrained ? ` (${b.nodesDrained} drained)` : '',
              b.nodesOffline ? ` (${b.nodesOffline} offline)` : '',
            ),
            h(
              'td',
              {},
              Object.entries(b.servers)
                .map(([s, n]) => `${STATE_LABEL[s] ?? s} ${n}`)
                .join(', ') || '0',
            ),
          ),
        ),
      ),
      h('h3', {}, 'Stuck servers'),
      o.servers.stuckList.length
        ? table(SERVER_HEADERS, o.servers.stuckList.map(serverRow))
        : h('p', { class: 'muted' }, 'None.'),
      h('h3', {}, 'Event queues'),
      o.queues
        ? table(
            ['Queue', 'waiting', 'active', 'delayed', 'failed', 'completed'],
            Object.entries(o.queues).map(([q, c]) =>
              h(
                'tr',
                {},
                h('td', { class: 'mono' }, q),
                ['waiting', 'active', 'delayed', 'failed', 'completed'].map((k) =>
                  h('td', {}, c[k]),
                ),
              ),
            ),
          )
        : h('p', { class: 'error' }, 'Redis did not answer.'),
      h('h3', {}, 'Heartbeats and reconciliation'),
      [...o.heartbeats, ...o.reconciliation].length
        ? table(
            ['Record', 'Updated', 'Value'],
            [...o.heartbeats, ...o.reconciliation].map((r) =>
              h(
                'tr',
                {},
                h('td', { class: 'mono' }, r.key),
                h('td', {}, ago(r.updatedAt)),
                h('td', { class: 'mono' }, summarize(r.value)),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No heartbeat or reconciliation has run yet.'),
    );
  };
  return {
    render: async () => draw(ctx.stream.last ?? (await api('/admin/api/overview'))),
    live: draw,
  };
}
