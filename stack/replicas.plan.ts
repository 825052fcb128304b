import type { NefosConfig } from '@nefos/contracts';
import type { Upstream } from './balancer/round-robin.balancer';
import type { ChildSpec } from './children.supervisor';
import { freePort } from './services/process-utils';

export interface PortClaim {
  port: number;
  host: string;
  /** The setting to change when the port is taken. */
  variable: string;
}

export interface PlannedChild extends ChildSpec {
  ports: PortClaim[];
}

export interface StackPlan {
  children: PlannedChild[];
  /** The API processes the balancer spreads requests over; empty when one API listens itself. */
  apiUpstreams: Upstream[];
}

/**
 * Which processes `npm start` runs and on which ports. With NEFOS_API_REPLICAS > 1 the API
 * processes listen on free loopback ports and the balancer takes NEFOS_API_PORT; each keeps the
 * one public URL (tokens, links and the catalog name it). With NEFOS_DISPATCHER_REPLICAS > 1
 * the first dispatcher keeps NEFOS_DISPATCHER_METRICS_PORT and the others get free ports.
 */
export async function planStack(config: NefosConfig, available: ChildSpec[]): Promise<StackPlan> {
  const children: PlannedChild[] = [];
  const apiUpstreams: Upstream[] = [];
  const host = config.listenHost;
  const taken = new Set<number>();
  const anotherPort = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  for (const spec of available) {
    switch (spec.name) {
      case 'master':
        children.push({
          ...spec,
          ports: [
            { port: config.rapi.port, host: '127.0.0.1', variable: 'NEFOS_RAPI_PORT' },
            {
              port: config.master.metricsPort,
              host: '127.0.0.1',
              variable: 'NEFOS_MASTER_METRICS_PORT',
            },
          ],
        });
        break;
      case 'eventd':
        children.push({
          ...spec,
          ports: [{ port: config.eventd.metricsPort, host, variable: 'NEFOS_EVENTD_METRICS_PORT' }],
        });
        break;
      case 'console':
        children.push({
          ...spec,
          ports: [{ port: config.console.port, host, variable: 'NEFOS_CONSOLE_PORT' }],
        });
        break;
      case 'api':
        if (config.api.replicas === 1) {
          children.push({
            ...spec,
            ports: [{ port: config.api.port, host, variable: 'NEFOS_API_PORT' }],
          });
          break;
        }
        for (let i = 1; i <= config.api.replicas; i++) {
          const port = await anotherPort();
          apiUpstreams.push({ host: '127.0.0.1', port });
          children.push({
            ...spec,
            name: `api-${i}`,
            env: {
              NEFOS_API_PORT: String(port),
              NEFOS_LISTEN_HOST: '127.0.0.1',
              NEFOS_PUBLIC_URL: config.api.publicUrl,
            },
            ports: [{ port, host: '127.0.0.1', variable: 'NEFOS_API_PORT' }],
          });
        }
        break;
      case 'dispatcher':
        for (let i = 1; i <= config.dispatcher.replicas; i++) {
          const port = i === 1 ? config.dispatcher.metricsPort : await anotherPort();
          children.push({
            ...spec,
            name: config.dispatcher.replicas === 1 ? spec.name : `dispatcher-${i}`,
            env: { NEFOS_DISPATCHER_METRICS_PORT: String(port) },
            ports: [{ port, host, variable: 'NEFOS_DISPATCHER_METRICS_PORT' }],
          });
        }
        break;
      default:
        children.push({ ...spec, ports: [] });
    }
  }
  return { children, apiUpstreams };
}
