import { isDatabaseBusy } from './database-busy';

describe('isDatabaseBusy', () => {
  it.each([
    [
      {
        code: 'P2028',
        message: 'Transaction API error: Unable to start a transaction in the given time.',
      },
    ],
    [{ code: 'P2024', message: 'Timed out fetching a new connection from the connection pool.' }],
    [{ code: 'P2034', message: 'Transaction failed due to a write conflict or a deadlock.' }],
    [
      new Error(
        'A query cannot be executed on an expired transaction. The timeout for this transaction was 45000 ms',
      ),
    ],
    [new Error('timeout exceeded when trying to connect')],
  ])('treats %p as a busy database', (err) => {
    expect(isDatabaseBusy(err)).toBe(true);
  });

  it.each([
    [{ code: 'P2002', message: 'Unique constraint failed on the fields: (`name`)' }],
    [new Error('Cannot read properties of undefined')],
    [null],
    ['P2028'],
  ])('does not treat %p as a busy database', (err) => {
    expect(isDatabaseBusy(err)).toBe(false);
  });
});
