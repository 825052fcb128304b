// Recent RAPI jobs and the dead-letter queue.
import { api, confirmAction, fmtTime, h, show } from './lib.js';
import { badge, enc, table } from './widgets.js';

// ---------- jobs ----------

export function jobs(ctx) {
  const draw = async () => {
    const status = ctx.query.get('status') ?? '';
    const r = await api(`/admin/api/jobs?limit=100${status ? `&status=${enc(status)}` : ''}`);
    show(
      ctx.main,
      h('h2', {}, 'Recent jobs'),
      r.errors.map((e) => h('p', { class: 'error' }, `${e.backend}: ${e.error}`)),
      table(
        ['Backend', 'Job', 'Status', 'Summary', 'Request', 'Received', 'Ended', 'Op log'],
        r.jobs.map((j) =>
          h(
            'tr',
            { 'data-testid': 'job-row', 'data-job-id': j.id },
            h('td', {}, j.backend),
            h('td', {}, j.id),
            h('td', {}, badge(j.status ?? '?')),
            h('td', { class: 'mono' }, j.summary.join(', ')),
            h('td', { class: 'mono' }, j.requestId ?? '-'),
            h('td', {}, fmtTime(j.receivedAt)),
            h('td', {}, fmtTime(j.endedAt)),
            h(
              'td',
              {},
              jobLog(j),
              j.opresult
                .filter(Boolean)
                .map((x) => h('div', { class: 'error mono' }, JSON.stringify(x))),
            ),
          ),
        ),
      ),
    );
  };
  return { render: draw, live: () => void draw().catch(() => undefined) };
}

/** The op log, read from the backend when opened (bulk job lists do not carry it). */
function jobLog(j) {
  const body = h('div', { class: 'muted' }, 'loading…');
  const details = h('details', { 'data-testid': 'job-log' }, h('summary', {}, 'op log'), body);
  details.addEventListener('toggle', async () => {
    if (!details.open || details.dataset.loaded) return;
    details.dataset.loaded = 'yes';
    try {
      const { job } = await api(`/admin/api/backends/${enc(j.backend)}/jobs/${j.id}`);
      show(
        body,
        job.oplog.length
          ? job.oplog.map((l) => h('div', { class: 'mono' }, `${fmtTime(l.at)} ${l.message}`))
          : 'no log lines',
      );
    } catch (err) {
      show(body, h('span', { class: 'error' }, err.message));
    }
  });
  return details;
}

// ---------- dead letters ----------

export function deadLetters(ctx) {
  const notice = h('div');
  const act = async (text, path, method) => {
    if (!(await confirmAction(text))) return;
    try {
      await api(path, { method });
      notice.className = 'notice';
      notice.textContent = 'Done.';
    } catch (err) {
      notice.className = 'notice error';
      notice.textContent = err.message;
    }
    await draw();
  };
  const draw = async () => {
    const r = await api('/admin/api/dead-letters?limit=200');
    show(
      ctx.main,
      h('h2', {}, `Dead letters (${r.total})`),
      notice,
      r.deadLetters.length === 0
        ? h('p', { class: 'muted' }, 'The dead-letter queue is empty.')
        : null,
      table(
        ['Queue', 'Job', 'Reason', 'Attempts', 'Failed at', 'Error', ''],
        r.deadLetters.map((d) =>
          h(
            'tr',
            { 'data-testid': 'dead-letter', 'data-id': d.id },
            h('td', { class: 'mono' }, d.queue),
            h('td', { class: 'mono' }, d.jobId),
            h('td', {}, d.reason),
            h('td', {}, d.attemptsMade),
            h('td', {}, fmtTime(d.failedAt)),
            h(
              'td',
              {},
              d.failedReason,
              h(
                'details',
                {},
                h('summary', {}, 'message'),
                h('pre', { class: 'mono' }, JSON.stringify(d.data, null, 2)),
              ),
            ),
            h(
              'td',
              {},
              h(
                'button',
                {
                  onclick: () =>
                    act(
                      `Replay ${d.jobId} into ${d.queue}?`,
                      `/admin/api/dead-letters/${enc(d.id)}/replay`,
                      'POST',
                    ),
                },
                'Replay',
              ),
              ' ',
              h(
                'button',
                {
                  class: 'danger',
                  onclick: () =>
                    act(
                      `Drop ${d.jobId} for good?`,
                      `/admin/api/dead-letters/${enc(d.id)}`,
                      'DELETE',
                    ),
                },
                'Drop',
              ),
            ),
          ),
        ),
      ),
    );
  };
  return { render: draw, live: () => void draw().catch(() => undefined) };
}
