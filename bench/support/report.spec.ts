import { formatReport } from './report';

const run = { date: '2026-01-01T00:00:00.000Z', machine: '2 cores test', load: '1.00 -> 2.00' };

describe('bench report', () => {
  it('prints a table row per figure with its ratio to the floor', () => {
    const { table } = formatReport(
      'reads',
      'API reads',
      [
        { figure: 'show.req_per_s', value: 50, unit: 'req/s', floor: 200, floorName: 'raw SQL' },
        { figure: 'show.errors', value: 0, unit: 'req' },
      ],
      { servers: 10 },
      run,
    );
    expect(table).toContain('load 1.00 -> 2.00');
    const row = table.split('\n').find((l) => l.startsWith('show.req_per_s'))!;
    expect(row.split(/\s{2,}/)).toEqual([
      'show.req_per_s',
      '50.00',
      'req/s',
      '200.0',
      '0.250x',
      'raw SQL',
    ]);
    const plain = table.split('\n').find((l) => l.startsWith('show.errors'))!;
    expect(plain.split(/\s{2,}/)).toEqual(['show.errors', '0.00', 'req', '-', '-']);
  });

  it('writes one JSON line per figure with the floor, ratio, run and parameters', () => {
    const { json } = formatReport(
      'reads',
      'API reads',
      [
        { figure: 'a', value: 3, unit: 'ms', floor: 1.5, floorName: 'raw SQL' },
        { figure: 'b', value: null, unit: 'ms' },
      ],
      { servers: 10 },
      run,
    );
    expect(json.map((l) => JSON.parse(l) as unknown)).toEqual([
      {
        bench: 'reads',
        figure: 'a',
        value: 3,
        unit: 'ms',
        floor: 1.5,
        floor_is: 'raw SQL',
        ratio: 2,
        ...run,
        params: { servers: 10 },
      },
      { bench: 'reads', figure: 'b', value: null, unit: 'ms', ...run, params: { servers: 10 } },
    ]);
  });

  it('shows no ratio when the floor is missing or zero', () => {
    const { json } = formatReport(
      'x',
      't',
      [{ figure: 'a', value: 3, unit: 'ms', floor: 0, floorName: 'nothing' }],
      {},
      run,
    );
    expect(JSON.parse(json[0])).not.toHaveProperty('ratio');
  });
});
