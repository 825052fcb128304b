import { Command, Option } from 'nest-commander';
import {
  ServerReconciler,
  type ReconcileOptions,
} from '../../../dispatcher/reconcile/server.reconciler';
import { BaseCommand, type JsonOption } from '../base.command';
import type { Output } from '../../output/output';

type Options = JsonOption &
  ReconcileOptions & {
    fixAll?: boolean;
    backend?: string;
  };

@Command({
  name: 'reconcile-servers',
  description:
    'compare servers with what each backend runs and report drift; --fix-* flags repair it',
})
export class ReconcileServersCommand extends BaseCommand<Options> {
  constructor(private readonly reconciler: ServerReconciler) {
    super();
  }

  protected async execute(_args: string[], o: Options, out: Output): Promise<void> {
    const opts: ReconcileOptions = {
      fixStale: o.fixAll || o.fixStale,
      fixOrphans: o.fixAll || o.fixOrphans,
      fixUnsynced: o.fixAll || o.fixUnsynced,
      fixPendingTasks: o.fixAll || o.fixPendingTasks,
    };
    const findings = await this.reconciler.reconcileAll(opts, o.backend);
    if (findings.length === 0 && !o.json) {
      out.message('no drift found');
      return;
    }
    out.list(
      findings.map((f) => ({
        backend: f.backend,
        kind: f.kind,
        server: f.serverId,
        instance: f.instance,
        detail: f.detail,
        fixed: f.fixed,
        ...(f.error ? { error: f.error } : {}),
      })),
      ['backend', 'kind', 'server', 'detail', 'fixed', 'error'],
    );
    const failed = findings.filter((f) => f.error);
    if (failed.length) {
      const unread = failed.filter((f) => f.kind === 'unreachable').length;
      const parts = [
        ...(unread ? [`${unread} backend(s) could not be read`] : []),
        ...(failed.length > unread ? [`${failed.length - unread} fix(es) failed`] : []),
      ];
      process.stderr.write(`error: ${parts.join(', ')}\n`);
      process.exitCode = 1;
    }
  }

  @Option({ flags: '--backend <name>', description: 'only this backend' })
  parseBackend(v: string): string {
    return v;
  }
  @Option({
    flags: '--fix-stale',
    description: 'servers whose instance is gone: mark them deleted',
  })
  parseStale(): boolean {
    return true;
  }
  @Option({ flags: '--fix-orphans', description: 'instances with no live server: remove them' })
  parseOrphans(): boolean {
    return true;
  }
  @Option({
    flags: '--fix-unsynced',
    description: 'state, flavor or NICs differing from the backend: take the backend facts',
  })
  parseUnsynced(): boolean {
    return true;
  }
  @Option({ flags: '--fix-pending-tasks', description: 'tasks whose job has ended: clear them' })
  parsePending(): boolean {
    return true;
  }
  @Option({ flags: '--fix-all', description: 'all of the above' })
  parseAll(): boolean {
    return true;
  }
}
