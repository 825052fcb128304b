import type { z } from 'zod/v4';
import { notImplemented } from '../../../common/errors/domain.error';
import { createImageSchema } from '../server.schemas';
import { ServerAction, type ServerActionHandler } from './server-action';

/**
 * `{"createImage": {...}}`: snapshots need the image store to take a disk copy from the
 * backend, which does not exist yet; the request is validated and refused with 501.
 */
@ServerAction('createImage')
export class CreateImageAction implements ServerActionHandler<z.output<typeof createImageSchema>> {
  readonly schema = createImageSchema;

  execute(): Promise<never> {
    return Promise.reject(
      notImplemented('Creating images from servers (snapshots) is not supported yet.'),
    );
  }
}
