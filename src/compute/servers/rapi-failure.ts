import { RapiError } from '@nefos/contracts';
import { conflict, DomainError } from '../../common/errors/domain.error';

/**
 * What a user can do about a failed RAPI call: try again later when the backend did not answer
 * (503), or nothing but read the backend's reason when it refused the job (409).
 */
export function rapiFailure(err: unknown, action: string, serverId: string): DomainError {
  if (!(err instanceof RapiError)) throw err;
  if (err.kind === 'offline') return backendOffline(err.backend ?? '', action, serverId);
  if (err.unreachable) {
    return new DomainError(
      'serviceUnavailable',
      `The backend ${err.backend ?? ''} did not answer (${err.kind}) while submitting '${action}' for server ${serverId}; nothing was changed, try again later.`.replace(
        '  ',
        ' ',
      ),
    );
  }
  if (err.status === 401 || err.status === 403 || (err.status !== null && err.status >= 500)) {
    return new DomainError(
      'serviceUnavailable',
      `The backend refused '${action}' for server ${serverId} (HTTP ${err.status}); an operator has to look at the backend. Nothing was changed.`,
    );
  }
  return conflict(`The backend refused '${action}' for server ${serverId}: ${backendReason(err)}`);
}

/** The master's own words (`message`, then Ganeti's `explain`), without our prefix. */
export function backendReason(err: RapiError): string {
  const m = /failed with \d+: (.*)$/.exec(err.message);
  return [m ? m[1] : err.message, err.explain].filter(Boolean).join(' - ');
}

/**
 * 503 for a server whose backend an administrator took offline: Nefos does not contact that
 * backend at all, so nothing can be done to the server until the backend is back online.
 */
export function backendOffline(backend: string, action: string, serverId: string): DomainError {
  return new DomainError(
    'serviceUnavailable',
    `Cannot '${action}' instance ${serverId}: its backend ${backend} is offline (taken out of service by an administrator) and is not contacted. Nothing was changed; try again once it is back online.`,
  );
}
