import { createHash, randomBytes } from 'node:crypto';
import { CUSTOMER_PASSWORD_POLICY } from '../../lib/constructs/api/password-policy';
import { LocalManagedLogin } from './provider';
import {
  emailProblems,
  MAX_EMAIL_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  nameProblems,
  PASSWORD_SYMBOLS,
  passwordProblems,
  signUpProblems,
} from './provider-signup';

/*
 * The sign-up form of the local development sign-in (`npm run local`): the pool's password policy
 * with its boundaries, e-mail addresses and names in any script, duplicates refused whatever their
 * case or Unicode form, and a new customer who is signed in at once and can sign in again later.
 */

const GOOD = 'Correct-horse1'; // 14 characters: lower, upper, digit, symbol

describe('the password policy (the user pool’s)', () => {
  test('is the pool’s: 12 characters, lower and upper case, digits, symbols', () => {
    expect(CUSTOMER_PASSWORD_POLICY).toEqual({
      minLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireDigits: true,
      requireSymbols: true,
    });
  });

  test('length boundaries in characters: 11 is refused, 12 and 256 pass, 257 is refused', () => {
    const of = (n: number) => 'Aa1!' + 'x'.repeat(n - 4);
    expect(passwordProblems(of(11))).toEqual(['Password not long enough (at least 12 characters).']);
    expect(passwordProblems(of(12))).toEqual([]);
    expect(passwordProblems(of(MAX_PASSWORD_LENGTH))).toEqual([]);
    expect(passwordProblems(of(MAX_PASSWORD_LENGTH + 1))).toEqual(['Password too long (at most 256 characters).']);
  });

  test('characters beyond the Basic Multilingual Plane count once; other scripts count toward length only', () => {
    // 8 emoji (16 UTF-16 units) + 4 = 12 characters.
    expect(passwordProblems('Aa1!' + '😀'.repeat(8))).toEqual([]);
    expect(passwordProblems('Aa1!' + '😀'.repeat(7))).toEqual(['Password not long enough (at least 12 characters).']);
    // Greek and Cyrillic capitals are not the Basic Latin letters the policy asks for.
    expect(passwordProblems('ΑΒΓДЖЗ-1234abc')).toEqual(['Password must have uppercase characters.']);
    expect(passwordProblems('ÉÈÊ-1234ABCé')).toEqual(['Password must have lowercase characters.']);
  });

  test('each missing class is named, in Cognito’s words', () => {
    expect(passwordProblems('abcdefghijkl')).toEqual([
      'Password must have uppercase characters.',
      'Password must have numeric characters.',
      'Password must have symbol characters.',
    ]);
    expect(passwordProblems('')).toContain('Password not long enough (at least 12 characters).');
  });

  test('every one of Cognito’s symbols counts, the space only inside; no leading or trailing space', () => {
    for (const symbol of PASSWORD_SYMBOLS.trim()) expect(passwordProblems(`Abcdefgh123${symbol}`)).toEqual([]);
    expect(passwordProblems('Abcdef gh1234')).toEqual([]);
    expect(passwordProblems(' Abcdefgh1234!')).toEqual(['Password must not begin or end with a space.']);
    expect(passwordProblems('Abcdefgh1234§')).toEqual(['Password must have symbol characters.']);
  });

  test('control characters and lone surrogates are refused', () => {
    expect(passwordProblems('Abcdefgh123!\u0000')).toEqual(['Password contains characters that are not allowed.']);
    expect(passwordProblems('Abcdefgh123!\ud800')).toEqual(['Password contains characters that are not allowed.']);
  });
});

describe('e-mail addresses and names', () => {
  test('addresses in any script; boundaries at 254 characters and 64 before the @', () => {
    expect(emailProblems('用户@例子.广告')).toEqual([]);
    expect(emailProblems('δοκιμή@παράδειγμα.δοκιμή')).toEqual([]);
    const domain = '@' + 'd'.repeat(MAX_EMAIL_LENGTH - 64 - 5) + '.com';
    expect(emailProblems('l'.repeat(64) + domain)).toEqual([]);
    expect(('l'.repeat(64) + domain).length).toBe(MAX_EMAIL_LENGTH);
    expect(emailProblems('l'.repeat(64) + domain.replace('@', '@d'))).toEqual([
      'The e-mail address is too long (at most 254 characters).',
    ]);
    expect(emailProblems('l'.repeat(65) + '@example.com')).toEqual([
      'The part before the @ is too long (at most 64 characters).',
    ]);
  });

  test('what is not an address is refused with an example', () => {
    for (const bad of [
      'ada',
      'ada@',
      '@example.com',
      'ada@example',
      'a b@example.com',
      'a@b@example.com',
      'ada@.com',
    ]) {
      expect(emailProblems(bad)).toEqual(['Enter an e-mail address such as name@example.com.']);
    }
    expect(emailProblems('')).toEqual(['Enter your e-mail address.']);
    expect(emailProblems('ada\u0007@example.com')).toEqual([
      'The e-mail address contains characters that are not allowed.',
    ]);
  });

  test('names in any script, emoji sequences too; 1 to 2048 characters; no control characters', () => {
    for (const name of ['Ada Lovelace', '李小龙', 'Zoë Ω', 'محمد', '👩🏽‍💻 Grace']) expect(nameProblems(name)).toEqual([]);
    expect(nameProblems('😀'.repeat(MAX_NAME_LENGTH))).toEqual([]);
    expect(nameProblems('😀'.repeat(MAX_NAME_LENGTH + 1))).toEqual(['The name is too long (at most 2048 characters).']);
    expect(nameProblems('')).toEqual(['Enter your name.']);
    expect(nameProblems('Ada\nLovelace')).toEqual(['The name contains characters that are not allowed.']);
  });

  test('a whole form: trimmed fields, a taken address in Cognito’s words, passwords that differ', () => {
    const form = { email: ' ADA@example.com ', name: ' Ada ', password: GOOD, confirmPassword: GOOD };
    expect(signUpProblems(form, () => false)).toEqual([]);
    expect(signUpProblems(form, (key) => key === 'ada@example.com')).toEqual([
      'An account with the given email already exists.',
    ]);
    expect(signUpProblems({ ...form, name: '  ', confirmPassword: 'other' }, () => false)).toEqual([
      'Enter your name.',
      'The two passwords do not match.',
    ]);
  });
});

describe('the sign-up form of the local sign-in', () => {
  const STOREFRONT = 'http://127.0.0.1:1';
  const CALLBACK = `${STOREFRONT}/auth/callback`;
  const LABEL = 'Local development sign-in: not Cognito.';
  const ada = { email: 'ada@example.com', password: 'pw-ada', sub: '00000000-0000-4000-8000-000000000001' };
  let provider: LocalManagedLogin;

  beforeAll(async () => {
    provider = await new LocalManagedLogin({ clientId: 'local', users: [ada], label: LABEL, selfSignUp: true }).start();
    provider.registerClient(STOREFRONT);
  });
  afterAll(() => provider.stop());

  const post = (path: string, form: Record<string, string>) =>
    fetch(`${provider.domain}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });

  /** A fresh authorization request: its parameters (as the login page carries them) and verifier. */
  async function authorization() {
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
    const login = new URL(toLogin.headers.get('location')!, provider.domain);
    return { params: Object.fromEntries(login.searchParams), login, verifier };
  }

  /** Follows a redirect to the callback through the token endpoint; the tokens' claims. */
  async function claimsAfter(answer: Response, verifier: string) {
    expect(answer.status).toBe(302);
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
    return { access: claims(tokens.access_token), id: claims(tokens.id_token) };
  }

  test('the login page links to the form; the form is labelled and keeps the authorization request', async () => {
    const { login } = await authorization();
    const loginPage = await (await fetch(login)).text();
    const href = /<a href="(\/signup\?[^"]+)">New customer\? Create an account<\/a>/.exec(loginPage)![1];
    const page = await fetch(new URL(href.replace(/&amp;/g, '&'), provider.domain));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`<p class="note" data-label>${LABEL}</p>`);
    expect(html).toContain('<input type="hidden" name="code_challenge_method" value="S256">');
    expect(html).toContain('At least 12 characters');
  });

  test('a new customer is signed in at once, with a sub of their own, and can sign in again later', async () => {
    const first = await authorization();
    const email = 'Zoë.用户@例子.广告';
    const answer = await post('/signup', {
      ...first.params,
      email,
      name: '👩🏽‍💻 Zoë',
      password: GOOD,
      confirmPassword: GOOD,
    });
    const { access, id } = await claimsAfter(answer, first.verifier);
    expect(access.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(access.sub).not.toBe(ada.sub);
    expect(id).toMatchObject({ sub: access.sub, email });
    expect(provider.users.map((u) => u.email)).toEqual([ada.email, email]);

    // Later, from the login form, with the address in another case.
    const again = await authorization();
    const signIn = await post('/login', { ...again.params, email: email.toUpperCase(), password: GOOD });
    expect((await claimsAfter(signIn, again.verifier)).access.sub).toBe(access.sub);
  });

  test('a taken address (any case, any Unicode form) is refused in Cognito’s words; nothing is added', async () => {
    const count = provider.users.length;
    const before = provider.stats.failedSignUps;
    for (const email of ['ADA@Example.com', 'Zoe\u0308.用户@例子.广告']) {
      const { params } = await authorization();
      const answer = await post('/signup', {
        ...params,
        email,
        name: 'Someone',
        password: GOOD,
        confirmPassword: GOOD,
      });
      expect(answer.status).toBe(400);
      expect(await answer.text()).toContain('<li>An account with the given email already exists.</li>');
    }
    expect(provider.users).toHaveLength(count);
    expect(provider.stats.failedSignUps).toBe(before + 2);
  });

  test('bad input: every problem listed, what was typed kept (escaped), the password never echoed', async () => {
    const { params } = await authorization();
    const answer = await post('/signup', {
      ...params,
      email: '<b>not-an-address',
      name: 'Ada "<script>"',
      password: 'Short1!',
      confirmPassword: 'Short1!',
    });
    expect(answer.status).toBe(400);
    const html = await answer.text();
    expect(html).toContain('<li>Enter an e-mail address such as name@example.com.</li>');
    expect(html).toContain('<li>Password not long enough (at least 12 characters).</li>');
    expect(html).toContain('value="&lt;b&gt;not-an-address"');
    expect(html).toContain('value="Ada &quot;&lt;script&gt;&quot;"');
    expect(html).not.toContain('Short1!');
    expect(html).toContain(`<p class="note" data-label>${LABEL}</p>`);
  });

  test('a sign-up without a valid authorization request is refused on the labelled error page', async () => {
    const answer = await post('/signup', {
      email: 'new@example.com',
      name: 'N',
      password: GOOD,
      confirmPassword: GOOD,
    });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain(`<p data-label>${LABEL}</p>`);
  });

  test('without selfSignUp there is no form and no link (the journey’s pool)', async () => {
    const closed = await new LocalManagedLogin({ clientId: 'local', users: [ada] }).start();
    try {
      closed.registerClient(STOREFRONT);
      expect((await fetch(`${closed.domain}/signup`)).status).toBe(404);
      const authorize = new URL(`${closed.domain}/oauth2/authorize`);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: 'local',
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: createHash('sha256').update('v'.repeat(43)).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString();
      const login = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!, closed.domain);
      expect(await (await fetch(login)).text()).not.toContain('Create an account');
    } finally {
      await closed.stop();
    }
  });
});
