import type { FastifyPluginAsync } from 'fastify';

/**
 * Marks a plugin as not encapsulated (what fastify-plugin does, without the dependency): its
 * hooks, decorators and handlers apply to the whole app, not only to routes it registers itself.
 */
export function rootPlugin<Options extends object>(plugin: FastifyPluginAsync<Options>): FastifyPluginAsync<Options> {
  Object.assign(plugin, { [Symbol.for('skip-override')]: true });
  return plugin;
}
