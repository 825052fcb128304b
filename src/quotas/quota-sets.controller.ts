import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { isQuotaResource, ProjectRepository, QuotaStore, type QuotaLimits } from '@nefos/database';
import { badRequest } from '../common/errors/domain.error';
import { Policy } from '../identity/policy/policy.decorator';
import { NOVA_EXTRA_DEFAULTS, quotaSet, quotaSetDetail, SETTABLE_KEYS } from './nova-quota-set';

const FIELD = 'Invalid input for field/attribute quota_set.';

/** Reads `{"quota_set": {...}}` as Nova's schema does: whole numbers >= -1 (or such strings). */
function parseUpdate(body: unknown): {
  limits: Partial<QuotaLimits>;
  extras: Record<string, number>;
  force: boolean;
} {
  const set = (body as { quota_set?: unknown } | null)?.quota_set;
  if (!set || typeof set !== 'object' || Array.isArray(set)) {
    throw badRequest(
      "Invalid input for field/attribute quota_set. 'quota_set' is a required property",
    );
  }
  const limits: Partial<QuotaLimits> = {};
  const extras: Record<string, number> = {};
  let force = false;
  for (const [key, raw] of Object.entries(set as Record<string, unknown>)) {
    if (key === 'force') {
      if (typeof raw === 'boolean') force = raw;
      else if (raw === 'true' || raw === 'True') force = true;
      else if (raw === 'false' || raw === 'False') force = false;
      else throw badRequest(`${FIELD} Value: ${JSON.stringify(raw)}. 'force' must be a boolean`);
      continue;
    }
    if (!SETTABLE_KEYS.includes(key)) {
      throw badRequest(`${FIELD} Additional properties are not allowed ('${key}' was unexpected)`);
    }
    const value =
      typeof raw === 'number'
        ? raw
        : typeof raw === 'string' && /^-?\d+$/.test(raw)
          ? Number(raw)
          : NaN;
    if (!Number.isInteger(value) || value < -1 || value > 2_147_483_647) {
      throw badRequest(
        `${FIELD} Value: ${JSON.stringify(raw)}. '${key}' must be a whole number from -1 to 2147483647`,
      );
    }
    if (isQuotaResource(key)) limits[key] = value;
    else extras[key] = value;
  }
  return { limits, extras, force };
}

/**
 * Nova's quota sets (`os-quota-sets`), so `openstack quota show` and `quota set` work. Plain
 * paths: the compute router strips an optional `{project_id}` segment before they are matched.
 */
@Controller('compute/v2.1/os-quota-sets')
export class QuotaSetsController {
  constructor(
    private readonly quotas: QuotaStore,
    private readonly projects: ProjectRepository,
  ) {}

  private async project(id: string): Promise<string> {
    if (!(await this.projects.findById(id))) {
      throw badRequest(`Project ID ${id} is not a valid project.`);
    }
    return id;
  }

  private rejectPerUser(userId: string | undefined): void {
    if (userId !== undefined) throw badRequest('Nefos keeps quotas per project, not per user.');
  }

  @Get(':project_id')
  @Policy('compute:os-quota-sets:show')
  async show(@Param('project_id') id: string, @Query('user_id') userId?: string) {
    this.rejectPerUser(userId);
    await this.project(id);
    const [limits, extras] = await Promise.all([
      this.quotas.limits(id),
      this.quotas.extraLimits(id),
    ]);
    return quotaSet(limits, extras, id);
  }

  @Get(':project_id/detail')
  @Policy('compute:os-quota-sets:detail')
  async detail(@Param('project_id') id: string, @Query('user_id') userId?: string) {
    this.rejectPerUser(userId);
    await this.project(id);
    const [usage, extras] = await Promise.all([this.quotas.usage(id), this.quotas.extraLimits(id)]);
    return quotaSetDetail(usage, extras, id);
  }

  @Get(':project_id/defaults')
  @Policy('compute:os-quota-sets:defaults')
  async defaults(@Param('project_id') id: string) {
    await this.project(id);
    return quotaSet(this.quotas.defaults(), NOVA_EXTRA_DEFAULTS, id);
  }

  @Put(':project_id')
  @Policy('compute:os-quota-sets:update')
  async update(
    @Param('project_id') id: string,
    @Body() body: unknown,
    @Query('user_id') userId?: string,
  ) {
    this.rejectPerUser(userId);
    const { limits, extras, force } = parseUpdate(body);
    await this.project(id);
    const updated = await this.quotas.setLimits(id, limits, { force });
    if (Object.keys(extras).length > 0) await this.quotas.setExtraLimits(id, extras);
    return quotaSet(updated, await this.quotas.extraLimits(id));
  }

  /** Back to the defaults. */
  @Delete(':project_id')
  @Policy('compute:os-quota-sets:delete')
  @HttpCode(202)
  async reset(@Param('project_id') id: string, @Query('user_id') userId?: string): Promise<void> {
    this.rejectPerUser(userId);
    await this.project(id);
    await this.quotas.resetLimits(id);
    await this.quotas.resetExtraLimits(id);
  }
}
