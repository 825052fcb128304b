import { Inject, Injectable } from '@nestjs/common';
import { NEFOS_CONFIG, type NefosConfig } from '../config';
import { RapiClient, type RapiClientOptions } from './rapi.client';
import { RapiError } from './rapi.errors';

export interface BackendCredentials {
  name: string;
  rapiUrl: string;
  rapiUser: string;
  rapiPassword: string;
  /** An offline backend is never contacted (set by an administrator). */
  offline?: boolean;
}

/** One RAPI client per backend, rebuilt when its address or credentials change. */
@Injectable()
export class RapiClientFactory {
  private readonly clients = new Map<string, { key: string; client: RapiClient }>();
  /** Set by the metrics module of a process to observe RAPI calls. */
  onCall?: (backend: string, info: Parameters<NonNullable<RapiClientOptions['onCall']>>[0]) => void;

  constructor(@Inject(NEFOS_CONFIG) private readonly config: NefosConfig) {}

  /** The backend's client; throws a RapiError of kind `offline` for an offline backend. */
  forBackend(b: BackendCredentials): RapiClient {
    if (b.offline) {
      throw new RapiError(
        `backend ${b.name} is offline (an administrator took it out of service); it is not contacted`,
        'offline',
        null,
        null,
        b.name,
      );
    }
    const key = `${b.rapiUrl}\n${b.rapiUser}\n${b.rapiPassword}`;
    const cached = this.clients.get(b.name);
    if (cached && cached.key === key) return cached.client;
    const client = new RapiClient({
      url: b.rapiUrl,
      user: b.rapiUser,
      password: b.rapiPassword,
      timeoutMs: this.config.rapi.timeoutMs,
      retries: this.config.rapi.retries,
      name: b.name,
      onCall: (info) => this.onCall?.(b.name, info),
    });
    this.clients.set(b.name, { key, client });
    return client;
  }
}
