import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { SERVER_ACTION_KEY, type ServerActionHandler } from './server-action';

/** Every `@ServerAction(key)` provider of the application, by key. */
@Injectable()
export class ServerActionRegistry implements OnModuleInit {
  private readonly handlers = new Map<string, ServerActionHandler>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype as unknown;
      if (!wrapper.instance || typeof type !== 'function') continue;
      const key = Reflect.getMetadata(SERVER_ACTION_KEY, type) as string | undefined;
      if (!key) continue;
      if (this.handlers.has(key) && this.handlers.get(key) !== wrapper.instance) {
        throw new Error(`Two handlers are registered for the server action ${key}`);
      }
      this.handlers.set(key, wrapper.instance as ServerActionHandler);
    }
  }

  get(key: string): ServerActionHandler | undefined {
    return this.handlers.get(key);
  }

  keys(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
