import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registerProcessMetrics } from '@nefos/contracts/metrics';
import { SessionRegistry } from '../sessions/session.registry';

/** The proxy's Prometheus metrics, served at `/metrics` on the console port. */
@Injectable()
export class ConsoleMetrics {
  readonly registry = new Registry();
  readonly admissions: Counter<'result' | 'reason'>;
  readonly closes: Counter<'initiator' | 'code'>;
  readonly bytes: Counter<'direction'>;
  readonly duration: Histogram;

  constructor(sessions: SessionRegistry) {
    const registers = [this.registry];
    // promtool-clean process metrics (prom-client names some gauges `_total`).
    registerProcessMetrics(this.registry, 'console');
    new Gauge({
      name: 'nefos_console_sessions',
      help: 'Console sessions admitted and relaying (or dialling the guest)',
      registers,
      collect() {
        this.set(sessions.sessionCount);
      },
    });
    new Gauge({
      name: 'nefos_console_connections',
      help: 'Open console WebSockets, admitted or not (counted against the total cap)',
      registers,
      collect() {
        this.set(sessions.connectionCount);
      },
    });
    this.admissions = new Counter({
      name: 'nefos_console_admissions_total',
      help: 'Console connection attempts by result (admitted, refused) and refusal reason',
      labelNames: ['result', 'reason'],
      registers,
    });
    this.closes = new Counter({
      name: 'nefos_console_session_closes_total',
      help: 'Ended console sessions by who ended them and the WebSocket close code',
      labelNames: ['initiator', 'code'],
      registers,
    });
    this.bytes = new Counter({
      name: 'nefos_console_bytes_total',
      help: 'Bytes relayed, to_guest (browser to VNC) and to_client (VNC to browser)',
      labelNames: ['direction'],
      registers,
    });
    this.duration = new Histogram({
      name: 'nefos_console_session_duration_seconds',
      help: 'Length of console sessions',
      buckets: [1, 10, 60, 300, 900, 1800, 3600, 14400],
      registers,
    });
  }
}
