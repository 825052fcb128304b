import { IdentityError } from '@nefos/database';
import { badRequest, conflict, notFound } from '../../common/errors/domain.error';

/** Runs an identity change and turns its refusals into the API's faults (409, 404, 400). */
export async function asFault<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (!(err instanceof IdentityError)) throw err;
    if (err.kind === 'conflict') throw conflict(err.message);
    if (err.kind === 'notFound') throw notFound(err.message);
    throw badRequest(err.message);
  }
}
