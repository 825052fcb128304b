import type { ArgumentsHost } from '@nestjs/common';
import pino from 'pino';
import { loadConfig } from '@nefos/contracts';
import { InvalidQuotaError, QuotaExceededError } from '@nefos/database';
import { FaultFilter } from '../common/errors/fault.filter';

function answer(err: unknown, url = '/compute/v2.1/servers') {
  const sent: { status?: number; body?: unknown } = {};
  const res = {
    headersSent: false,
    setHeader: () => undefined,
    getHeader: () => undefined,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
      return this;
    },
  };
  const req = { originalUrl: url, headers: {}, protocol: 'http', get: () => 'h' };
  const host = {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ArgumentsHost;
  new FaultFilter(pino({ level: 'silent' }), loadConfig({})).catch(err, host);
  return sent;
}

describe('quota errors through the fault filter', () => {
  it("answers an exceeded quota with 403 forbidden in Nova's words", () => {
    expect(answer(new QuotaExceededError('cores', 20, 18, 1, 2))).toEqual({
      status: 403,
      body: {
        forbidden: {
          code: 403,
          message: 'Quota exceeded for cores: Requested 2, but already used 19 of 20 cores',
        },
      },
    });
  });

  it('answers an invalid quota change with 400 badRequest', () => {
    expect(answer(new InvalidQuotaError('Unknown quota resource gpus'))).toEqual({
      status: 400,
      body: { badRequest: { code: 400, message: 'Unknown quota resource gpus' } },
    });
  });
});
