import { createHash, randomBytes } from 'node:crypto';
import { LocalManagedLogin } from './provider';

/*
 * The managed login with several users and a label, as `npm run local` runs it (its local
 * development sign-in): each user signs in as themselves (their own `sub` and e-mail in the tokens),
 * a wrong password of another user is refused, and the label is on the login page and the error page.
 */

const STOREFRONT = 'http://127.0.0.1:1';
const CALLBACK = `${STOREFRONT}/auth/callback`;
const LABEL = 'Local development sign-in: not Cognito.';
const users = [
  { email: 'ada@example.com', password: 'pw-ada', sub: '00000000-0000-4000-8000-000000000001' },
  { email: 'grace@example.com', password: 'pw-grace', sub: '00000000-0000-4000-8000-000000000002' },
];

let provider: LocalManagedLogin;
beforeAll(async () => {
  provider = await new LocalManagedLogin({ clientId: 'local', users, label: LABEL }).start();
  provider.registerClient(STOREFRONT);
});
afterAll(() => provider.stop());

const post = (path: string, form: Record<string, string>) =>
  fetch(`${provider.domain}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: STOREFRONT },
    body: new URLSearchParams(form).toString(),
  });

/** The login form's URL for a fresh authorization request, and its verifier. */
async function loginForm() {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${provider.domain}/oauth2/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: 'local',
    redirect_uri: CALLBACK,
    scope: 'openid email',
    state: 's',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }))
    url.searchParams.set(k, v);
  const toLogin = await fetch(url, { redirect: 'manual' });
  return { login: new URL(toLogin.headers.get('location')!, provider.domain), verifier };
}

async function signInAs(email: string, password: string) {
  const { login, verifier } = await loginForm();
  const answer = await post('/login', { ...Object.fromEntries(login.searchParams), email, password });
  if (answer.status !== 302) return { answer };
  const code = new URL(answer.headers.get('location')!).searchParams.get('code')!;
  const tokens = (await (
    await post('/oauth2/token', {
      grant_type: 'authorization_code',
      client_id: 'local',
      code,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    })
  ).json()) as { access_token: string; id_token: string };
  const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
  return { answer, access: claims(tokens.access_token), id: claims(tokens.id_token) };
}

test('each user signs in as themselves: their sub in the access token, their e-mail in the ID token', async () => {
  for (const user of users) {
    const { access, id } = await signInAs(user.email, user.password);
    expect(access).toMatchObject({ sub: user.sub, token_use: 'access', client_id: 'local' });
    expect(id).toMatchObject({ sub: user.sub, email: user.email, token_use: 'id' });
  }
});

test("another user's password is refused", async () => {
  const { answer } = await signInAs(users[0].email, users[1].password);
  expect(answer.status).toBe(200);
  expect(await answer.text()).toContain('Incorrect username or password.');
});

test('the label is on the login page and on the error page', async () => {
  const { login } = await loginForm();
  expect(await (await fetch(login)).text()).toContain(`<p class="note" data-label>${LABEL}</p>`);
  const error = await fetch(`${provider.domain}/login?client_id=unknown`);
  expect(error.status).toBe(400);
  expect(await error.text()).toContain(`<p data-label>${LABEL}</p>`);
});

test('a provider without users is refused at once', () => {
  expect(() => new LocalManagedLogin({ clientId: 'local' })).toThrow('no users');
});
