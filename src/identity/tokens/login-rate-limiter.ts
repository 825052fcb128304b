import { Inject, Injectable } from '@nestjs/common';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { DomainError } from '../../common/errors/domain.error';
import { RedisService } from '../../common/redis/redis.service';

/** Who is trying to log in: the user as the client named it, and the client's address. */
export interface LoginAttempt {
  /** `id:<user id>` for a known user, else the name as given, so unknown users count too. */
  user: string;
  address: string;
}

/**
 * Failed logins counted in Redis per user and per address over a fixed window. Once either count
 * reaches its limit, further attempts are refused before the password is looked at (429 with
 * Retry-After), which keeps guessing slow without revealing whether a user exists.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly window: number;

  constructor(
    private readonly redis: RedisService,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {
    this.window = config.identity.loginWindowSeconds;
  }

  private keys(attempt: LoginAttempt): { user: string; address: string } {
    const p = `${this.redis.prefix}login-failures:`;
    return {
      user: `${p}user:${attempt.user}`,
      address: `${p}addr:${attempt.address}`,
    };
  }

  /** Throws 429 when this user or this address has failed too often within the window. */
  async check(attempt: LoginAttempt): Promise<void> {
    const keys = this.keys(attempt);
    const [[, user], [, address], [, userTtl], [, addressTtl]] = (await this.store(() =>
      this.redis.client
        .multi()
        .get(keys.user)
        .get(keys.address)
        .ttl(keys.user)
        .ttl(keys.address)
        .exec(),
    )) as Array<[Error | null, unknown]>;
    const { loginFailuresPerUser, loginFailuresPerAddress } = this.config.identity;
    const blocked: number[] = [];
    if (Number(user ?? 0) >= loginFailuresPerUser) blocked.push(Number(userTtl));
    if (Number(address ?? 0) >= loginFailuresPerAddress) blocked.push(Number(addressTtl));
    if (blocked.length === 0) return;
    const retryAfter = Math.max(1, ...blocked.map((t) => (t > 0 ? t : this.window)));
    throw new DomainError(
      'overLimit',
      `Too many failed login attempts; try again in ${retryAfter} seconds.`,
      { 'Retry-After': String(retryAfter) },
    );
  }

  async recordFailure(attempt: LoginAttempt): Promise<void> {
    const keys = this.keys(attempt);
    await this.store(() =>
      this.redis.client
        .multi()
        .incr(keys.user)
        .expire(keys.user, this.window, 'NX')
        .incr(keys.address)
        .expire(keys.address, this.window, 'NX')
        .exec(),
    );
  }

  /** A successful login clears the user's count (not the address's: one good login elsewhere
   * must not reset a guesser). */
  async recordSuccess(attempt: LoginAttempt): Promise<void> {
    await this.store(() => this.redis.client.del(this.keys(attempt).user));
  }

  /** Without its counters the limiter cannot protect logins: refuse them (503) rather than guess. */
  private async store<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch {
      throw new DomainError(
        'serviceUnavailable',
        'Login is unavailable: the failed-login counters (Redis) do not answer.',
      );
    }
  }
}
