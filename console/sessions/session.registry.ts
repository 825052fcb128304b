import { Inject, Injectable } from '@nestjs/common';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import type { CloseCode } from '../proxy/close-codes';

/** An admitted console (or one being admitted: the slot is held while the guest is dialled). */
export interface ConsoleSession {
  id: string;
  requestId: string;
  serverId: string;
  userId: string;
  projectId: string;
  startedAt: Date;
  /** Ends the session from the proxy's side; set once the relay runs. */
  close?: (code: CloseCode, reason: string) => void;
}

export type ReserveResult =
  { ok: true; release: () => void } | { ok: false; limit: 'user' | 'server' };

/**
 * The limits of one proxy process: open WebSockets in total (admitted or not), admitted consoles
 * per user and per server. Several proxy replicas each enforce their own limits.
 */
@Injectable()
export class SessionRegistry {
  private connections = 0;
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly perUser = new Map<string, number>();
  private readonly perServer = new Map<string, number>();

  constructor(@Inject(NEFOS_CONFIG) private readonly config: NefosConfig) {}

  /** Counts a new WebSocket against the total cap; false when the proxy is full. */
  openConnection(): boolean {
    if (this.connections >= this.config.console.maxTotal) return false;
    this.connections++;
    return true;
  }

  closeConnection(): void {
    this.connections = Math.max(0, this.connections - 1);
  }

  /** Holds a slot for `session` if its user and server are under their limits. */
  reserve(session: ConsoleSession): ReserveResult {
    if ((this.perUser.get(session.userId) ?? 0) >= this.config.console.maxPerUser) {
      return { ok: false, limit: 'user' };
    }
    if ((this.perServer.get(session.serverId) ?? 0) >= this.config.console.maxPerServer) {
      return { ok: false, limit: 'server' };
    }
    this.sessions.set(session.id, session);
    bump(this.perUser, session.userId, 1);
    bump(this.perServer, session.serverId, 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.sessions.delete(session.id);
        bump(this.perUser, session.userId, -1);
        bump(this.perServer, session.serverId, -1);
      },
    };
  }

  /** Sessions with a running relay. */
  active(): ConsoleSession[] {
    return [...this.sessions.values()].filter((s) => s.close !== undefined);
  }

  get connectionCount(): number {
    return this.connections;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}
