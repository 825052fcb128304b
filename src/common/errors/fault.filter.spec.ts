import type { ArgumentsHost } from '@nestjs/common';
import type { Logger, NefosConfig } from '@nefos/contracts';
import { FaultFilter } from './fault.filter';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

function answer(exception: unknown, url = '/compute/v2.1/servers'): Answer {
  const out: Answer = { status: 0, headers: {}, body: null };
  const res = {
    headersSent: false,
    getHeader: () => undefined,
    setHeader: (k: string, v: string) => (out.headers[k] = v),
    status(code: number) {
      out.status = code;
      return this;
    },
    json: (body: unknown) => (out.body = body),
  };
  const req = { originalUrl: url, headers: {} };
  const host = {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ArgumentsHost;
  const logger = { warn: () => undefined, error: () => undefined } as unknown as Logger;
  const config = { api: { publicUrl: 'http://api' } } as NefosConfig;
  new FaultFilter(logger, config).catch(exception, host);
  return out;
}

describe('FaultFilter', () => {
  it('answers 503 serviceUnavailable with Retry-After when no database connection came in time', () => {
    const err = Object.assign(
      new Error('Transaction API error: Unable to start a transaction in the given time.'),
      { code: 'P2028' },
    );
    const a = answer(err);
    expect(a.status).toBe(503);
    expect(a.headers['Retry-After']).toBe('5');
    expect(a.body).toEqual({
      serviceUnavailable: { code: 503, message: expect.stringContaining('try again') },
    });
  });

  it('keeps 500 computeFault, without internals, for an unexpected error', () => {
    const a = answer(new TypeError("Cannot read properties of undefined (reading 'id')"));
    expect(a.status).toBe(500);
    expect(JSON.stringify(a.body)).not.toContain('undefined');
    expect(a.body).toEqual({ computeFault: { code: 500, message: expect.any(String) } });
  });
});
