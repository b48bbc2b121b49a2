/**
 * Development only: serves /config.json from environment variables, so `npm run dev:web` needs no
 * file that could end up in a build. Unset, /config.json is a 404 and the storefront shows its
 * configuration error page (as a deployment without config.json would).
 */
import type { Plugin } from 'vite';

export const DEV_CONFIG_ENV = {
  authority: 'OIDC_AUTHORITY',
  clientId: 'OIDC_CLIENT_ID',
  redirectUri: 'OIDC_REDIRECT_URI',
  logoutUri: 'OIDC_LOGOUT_URI',
  cognitoDomain: 'OIDC_COGNITO_DOMAIN',
  scope: 'OIDC_SCOPE',
} as const;

export function devRuntimeConfig(env: NodeJS.ProcessEnv = process.env): Plugin {
  return {
    name: 'securecart:dev-runtime-config',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/config.json', (_req, res) => {
        const config = Object.fromEntries(
          Object.entries(DEV_CONFIG_ENV)
            .map(([field, variable]) => [field, env[variable]])
            .filter(([, value]) => value),
        );
        res.setHeader('cache-control', 'no-store');
        if (!config.authority && !config.clientId) {
          res.statusCode = 404;
          res.setHeader('content-type', 'text/plain');
          res.end(
            `Set ${DEV_CONFIG_ENV.authority} and ${DEV_CONFIG_ENV.clientId} to serve /config.json in development`,
          );
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(config));
      });
    },
  };
}
