import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import type { NefosConfig } from '../config/config.types';

/**
 * One pino logger per process: JSON lines, or human-readable when attached to a terminal.
 * `process` names the emitting process so that merged logs stay readable.
 */
export function createLogger(
  config: Pick<NefosConfig, 'logLevel' | 'logFormat'>,
  processName: string,
): Logger {
  const pretty =
    config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  return pino({
    level: config.logLevel,
    base: { process: processName, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid' },
          },
        }
      : {}),
  });
}

/** Lets Nest's own messages go through the same pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

export const NEFOS_LOGGER = Symbol('NEFOS_LOGGER');
export type { Logger };
