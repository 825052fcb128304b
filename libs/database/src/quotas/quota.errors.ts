import type { QuotaResource } from './quota.types';

/** Nova's unit wording: "already used 19 of 20 cores". */
function plural(resource: QuotaResource): string {
  return resource.replace(/_/g, ' ');
}

/**
 * A change would take a project over one of its limits. Plain (not an HTTP error) because the
 * dispatcher and the CLI raise it too; the API's fault filter answers it with 403 `forbidden`.
 */
export class QuotaExceededError extends Error {
  constructor(
    readonly resource: QuotaResource,
    readonly limit: number,
    readonly inUse: number,
    readonly reserved: number,
    readonly requested: number,
  ) {
    super(
      `Quota exceeded for ${resource}: Requested ${requested}, but already used ` +
        `${inUse + reserved} of ${limit} ${plural(resource)}`,
    );
    this.name = 'QuotaExceededError';
  }
}

/** A limit or a change that cannot be applied as asked (mapped to 400 `badRequest`). */
export class InvalidQuotaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidQuotaError';
  }
}
