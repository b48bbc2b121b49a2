import { screen } from '@testing-library/react';
import { act } from 'react';
import type { Root } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bootstrap } from '../src/bootstrap';
import { loadRuntimeConfig } from '../src/config';
import { PRODUCTS, answer as routeAnswer, fakeAuth, json, mockFetch } from './helpers';

const ORIGIN = 'https://shop.example.com';
const VALID = {
  authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
  clientId: '1example23456789abcdefghij',
};

const configFetch = (answer: Response | 'network-error') =>
  mockFetch({ 'GET /config.json': answer, 'GET /api/products': routeAnswer('listProducts', { products: PRODUCTS }) });

describe('runtime configuration (/config.json)', () => {
  it('accepts the two required fields and fills in the defaults', async () => {
    const result = await loadRuntimeConfig(configFetch(json(VALID)).fetch, ORIGIN);
    expect(result).toEqual({
      ok: true,
      config: {
        ...VALID,
        redirectUri: `${ORIGIN}/auth/callback`,
        logoutUri: `${ORIGIN}/signed-out`,
        scope: 'openid email',
      },
    });
  });

  it('takes the optional fields as given', async () => {
    const full = {
      ...VALID,
      redirectUri: `${ORIGIN}/auth/callback`,
      logoutUri: 'https://www.example.com/bye',
      scope: 'openid email profile',
      cognitoDomain: 'https://securecart.auth.eu-west-1.amazoncognito.com',
    };
    expect(await loadRuntimeConfig(configFetch(json(full)).fetch, ORIGIN)).toEqual({ ok: true, config: full });
  });

  it.each([
    [
      'a missing file',
      new Response('Not Found', { status: 404 }),
      ['/config.json answered HTTP 404: it is missing from this deployment.'],
    ],
    [
      'an HTML page instead of JSON',
      new Response('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html' } }),
      ['/config.json is not valid JSON (received text/html).'],
    ],
    ['a JSON array', json([]), ['(file): must be a JSON object']],
    [
      'missing fields',
      json({}),
      [
        'authority: must be an absolute https:// URL (http:// only for localhost)',
        'clientId: must be an app client id (letters, digits, "_" and "-")',
      ],
    ],
    [
      'an http authority and a bad client id',
      json({ authority: 'http://idp.example.com', clientId: 'a b' }),
      [
        'authority: must be an absolute https:// URL (http:// only for localhost)',
        'clientId: must be an app client id (letters, digits, "_" and "-")',
      ],
    ],
    [
      'a redirect URI on another site',
      json({ ...VALID, redirectUri: 'https://evil.example/callback' }),
      [`redirectUri: must be on this site (${ORIGIN}), because the storefront completes the sign-in itself`],
    ],
    [
      'a cognitoDomain with a path',
      json({ ...VALID, cognitoDomain: 'https://securecart.auth.eu-west-1.amazoncognito.com/oauth2' }),
      ['cognitoDomain: must be the domain only, e.g. https://<prefix>.auth.<region>.amazoncognito.com'],
    ],
    [
      'a scope without openid',
      json({ ...VALID, scope: 'email' }),
      ['scope: must be "openid" followed by other scopes, separated by spaces'],
    ],
  ])('rejects %s with a readable problem', async (_name, answer, problems) => {
    expect(await loadRuntimeConfig(configFetch(answer).fetch, ORIGIN)).toEqual({ ok: false, problems });
  });

  it('allows plain http for a loopback identity provider (local runs, end-to-end test)', async () => {
    const local = { authority: 'http://127.0.0.1:9400/issuer', clientId: 'local-client' };
    const result = await loadRuntimeConfig(configFetch(json(local)).fetch, 'http://localhost:5173');
    expect(result.ok).toBe(true);
  });

  it('reports a network failure', async () => {
    const result = await loadRuntimeConfig(configFetch('network-error').fetch, ORIGIN);
    expect(result).toEqual({ ok: false, problems: ['/config.json could not be loaded: Failed to fetch.'] });
  });
});

describe('start-up', () => {
  let root: Root | undefined;
  afterEach(() => {
    act(() => root?.unmount());
    root = undefined;
    document.body.innerHTML = '';
  });

  const start = async (answer: Response) => {
    const container = document.body.appendChild(document.createElement('div'));
    const createAuth = vi.fn(() => fakeAuth(null));
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await act(async () => {
      root = await bootstrap(container, { fetch: configFetch(answer).fetch, origin: ORIGIN, createAuth });
    });
    return { createAuth };
  };

  it('shows the configuration error page when config.json is missing', async () => {
    const { createAuth } = await start(new Response('', { status: 404 }));
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('The storefront is not configured');
    expect(screen.getByRole('alert')).toHaveTextContent('/config.json answered HTTP 404');
    expect(screen.getByRole('main')).toBeInTheDocument();
    expect(createAuth).not.toHaveBeenCalled();
  });

  it('shows every problem of an invalid config.json', async () => {
    await start(json({ authority: 'ftp://idp', clientId: '' }));
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('authority: must be an absolute https:// URL');
    expect(alert).toHaveTextContent('clientId: must be an app client id');
  });

  it('starts the storefront with a valid config.json', async () => {
    const { createAuth } = await start(json(VALID));
    expect(createAuth).toHaveBeenCalledWith(expect.objectContaining({ clientId: VALID.clientId }));
    expect(await screen.findByRole('heading', { name: 'Catalog' })).toBeInTheDocument();
    expect(await screen.findByRole('link', { name: 'Espresso beans' })).toBeInTheDocument();
  });
});
