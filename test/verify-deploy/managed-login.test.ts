import { randomUUID } from 'node:crypto';
import { parseLoginForm, signInWithManagedLogin } from '../../scripts/verify-deploy/managed-login';
import { LocalManagedLogin } from '../e2e/provider';

/*
 * verify:deploy signs its temporary customers in as the storefront does (authorization code with
 * PKCE through the managed login form), here against the journey's local managed login.
 */

const STOREFRONT = 'https://d111111abcdef8.cloudfront.net';
const user = { email: 'verify@example.com', password: 'Correct-Horse-1!', sub: randomUUID() };
const login = new LocalManagedLogin({ clientId: 'verify-storefront', user });

beforeAll(async () => {
  await login.start();
  login.registerClient(STOREFRONT);
});
afterAll(() => login.stop());

const request = (overrides: Partial<{ email: string; password: string; redirectUri: string }> = {}) => ({
  domain: login.domain,
  clientId: login.clientId,
  redirectUri: `${STOREFRONT}/auth/callback`,
  email: user.email,
  password: user.password,
  ...overrides,
});

test('signs in through the login form and redeems the code with the verifier', async () => {
  const tokens = await signInWithManagedLogin(request());
  expect(login.grantOf(tokens.accessToken)).toBe('authorization_code');
  const claims = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1], 'base64url').toString());
  expect(claims).toMatchObject({ token_use: 'access', client_id: 'verify-storefront', sub: user.sub });
  expect(claims.scope.split(' ')).toContain('openid');
});

test('a wrong password fails at the form, saying so', async () => {
  await expect(signInWithManagedLogin(request({ password: 'Wrong-password-1!' }))).rejects.toThrow(
    /the login form's POST answered 200, not a redirect/,
  );
});

test('a callback the client does not allow fails before the form', async () => {
  await expect(
    signInWithManagedLogin(request({ redirectUri: 'https://elsewhere.example/auth/callback' })),
  ).rejects.toThrow(/the managed login page answered 400/);
});

describe('parseLoginForm', () => {
  test("finds the POST form with a password field: action, hidden values, Cognito's _csrf", () => {
    const form = parseLoginForm(`
      <form method="get" action="/search"><input name="q"></form>
      <form method="post" action="/login?client_id=abc&amp;response_type=code">
        <input type="hidden" name="_csrf" value="c&quot;1">
        <input name="username" type="text"><input name='password' type='password'>
      </form>`);
    expect(form?.action).toBe('/login?client_id=abc&response_type=code');
    expect([...form!.fields]).toEqual([
      ['_csrf', 'c"1'],
      ['username', ''],
      ['password', ''],
    ]);
  });

  test('none on a page rendered by script', () => {
    expect(
      parseLoginForm('<html><body><div id="root"></div><script src="/app.js"></script></body></html>'),
    ).toBeUndefined();
  });
});
