// Pieces the dashboard's pages share.
import { ago, fmtTime, h } from './lib.js';

export const STATE_LABEL = {
  BUILD: 'BUILD',
  STARTED: 'ACTIVE',
  STOPPED: 'SHUTOFF',
  ERROR: 'ERROR',
};
export const enc = encodeURIComponent;

export function badge(text, cls) {
  return h('span', { class: `badge ${cls ?? `st-${text}`}` }, text);
}

/** Ganeti's one-letter node roles. */
export const NODE_ROLE = { M: 'master', C: 'candidate', R: 'regular', D: 'drained', O: 'offline' };

export function flags(x) {
  return [
    x.drained ? badge('drained', 'warn') : null,
    x.offline ? badge('offline', 'bad') : null,
    !x.drained && !x.offline ? badge('online', 'ok') : null,
  ];
}

export function table(headers, rows, attrs = {}) {
  return h(
    'table',
    attrs,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x) => h('th', {}, x)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

export function serverRow(s) {
  return h(
    'tr',
    {
      class: s.stuck ? 'stuck' : '',
      'data-testid': 'server-row',
      'data-server-id': s.id,
      'data-status': s.status,
    },
    h('td', {}, h('a', { href: `#/servers/${s.id}`, 'data-testid': 'inspect-link' }, s.name)),
    h('td', { class: 'mono' }, s.id.slice(0, 8)),
    h('td', {}, badge(s.status), s.stuck ? badge('stuck', 'warn') : null),
    h('td', {}, s.task ?? '-'),
    h('td', {}, s.backend ?? '-', s.node ? h('div', { class: 'muted' }, s.node) : null),
    h('td', {}, s.projectName ?? s.projectId),
    h('td', {}, s.flavor),
    h(
      'td',
      {},
      s.backendOpcode ? `${s.backendOpcode} #${s.backendJobId} ${s.backendJobStatus ?? ''}` : '-',
    ),
    h('td', { title: fmtTime(s.updatedAt) }, ago(s.updatedAt)),
  );
}

export const SERVER_HEADERS = [
  'Name',
  'Id',
  'Status',
  'Task',
  'Backend / node',
  'Project',
  'Flavor',
  'Last job',
  'Updated',
];
