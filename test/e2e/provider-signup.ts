/**
 * The sign-up form of the local development sign-in (provider.ts, `selfSignUp`): what it accepts,
 * with Cognito's rules and wording where Cognito has them, and the page itself.
 *
 * - Password: the user pool's policy (lib/constructs/api/password-policy.ts), checked as Cognito
 *   does: length in characters (code points, so an emoji counts once), at least one Basic Latin
 *   lowercase and uppercase letter, a digit, and one of Cognito's symbols; other characters (any
 *   script, emoji) are allowed and count toward the length only; no leading or trailing space; at
 *   most 256 characters.
 * - E-mail: local@domain.tld in any script (internationalised addresses too), at most 254
 *   characters (64 before the @); unique without regard to case or Unicode normal form, as the pool
 *   (signInCaseSensitive: false) treats it.
 * - Name: 1 to 2048 characters (Cognito's attribute limit), any script, no control characters.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { CUSTOMER_PASSWORD_POLICY } from '../../lib/constructs/api/password-policy';
import { escapeHtml } from './provider-pages';

/** Cognito's password symbols (its documentation's list; the space counts when not at either end). */
export const PASSWORD_SYMBOLS = '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ';
export const MAX_PASSWORD_LENGTH = 256;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 2048;

export interface SignUpForm {
  readonly email: string;
  readonly name: string;
  readonly password: string;
  readonly confirmPassword: string;
}

/** Length in characters (code points), as people count them and Cognito measures passwords. */
export const characters = (text: string) => [...text].length;

/** The key two e-mail addresses are the same account by: case and Unicode normal form ignored. */
export const emailKey = (email: string) => email.normalize('NFC').toLowerCase();

/** Control characters, and lone surrogates (text that is not well-formed Unicode). */
const CONTROL = /[\p{Cc}\p{Cs}]/u;

/** The problems with a password, in Cognito's words (empty when the policy is met). */
export function passwordProblems(password: string, policy = CUSTOMER_PASSWORD_POLICY): string[] {
  const problems: string[] = [];
  if (CONTROL.test(password)) {
    return ['Password contains characters that are not allowed.'];
  }
  const length = characters(password);
  if (length < policy.minLength) problems.push(`Password not long enough (at least ${policy.minLength} characters).`);
  if (length > MAX_PASSWORD_LENGTH) problems.push(`Password too long (at most ${MAX_PASSWORD_LENGTH} characters).`);
  if (/^\s|\s$/u.test(password)) problems.push('Password must not begin or end with a space.');
  if (policy.requireLowercase && !/[a-z]/.test(password)) problems.push('Password must have lowercase characters.');
  if (policy.requireUppercase && !/[A-Z]/.test(password)) problems.push('Password must have uppercase characters.');
  if (policy.requireDigits && !/[0-9]/.test(password)) problems.push('Password must have numeric characters.');
  if (policy.requireSymbols && ![...password.trim()].some((c) => PASSWORD_SYMBOLS.includes(c))) {
    problems.push('Password must have symbol characters.');
  }
  return problems;
}

export function emailProblems(email: string): string[] {
  if (email === '') return ['Enter your e-mail address.'];
  if (CONTROL.test(email)) return ['The e-mail address contains characters that are not allowed.'];
  if (email.length > MAX_EMAIL_LENGTH)
    return [`The e-mail address is too long (at most ${MAX_EMAIL_LENGTH} characters).`];
  const at = email.lastIndexOf('@');
  const [local, domain] = [email.slice(0, at), email.slice(at + 1)];
  if (at < 1 || local.includes('@') || !/^[^\s@.]+(\.[^\s@.]+)+$/u.test(domain) || /\s/u.test(local)) {
    return ['Enter an e-mail address such as name@example.com.'];
  }
  if (local.length > 64) return ['The part before the @ is too long (at most 64 characters).'];
  return [];
}

export function nameProblems(name: string): string[] {
  if (name === '') return ['Enter your name.'];
  if (CONTROL.test(name)) return ['The name contains characters that are not allowed.'];
  if (characters(name) > MAX_NAME_LENGTH) return [`The name is too long (at most ${MAX_NAME_LENGTH} characters).`];
  return [];
}

/**
 * Every problem with a sign-up (empty when it can be accepted). `taken` tells whether an e-mail
 * already has an account; duplicates get Cognito's message.
 */
export function signUpProblems(form: SignUpForm, taken: (emailKey: string) => boolean): string[] {
  const email = form.email.trim();
  const problems = [...emailProblems(email), ...nameProblems(form.name.trim())];
  if (problems.length === 0 && taken(emailKey(email))) problems.push('An account with the given email already exists.');
  problems.push(...passwordProblems(form.password));
  if (form.password !== form.confirmPassword) problems.push('The two passwords do not match.');
  return problems;
}

/** The sign-up form: `params` (the authorization request) go back as hidden fields. */
export function sendSignUpPage(
  res: http.ServerResponse,
  params: URLSearchParams,
  callbackOrigins: readonly string[],
  options: {
    readonly label: string;
    readonly errors?: readonly string[];
    readonly email?: string;
    readonly name?: string;
  },
): void {
  const nonce = randomBytes(16).toString('base64');
  const hidden = [...params]
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n      ');
  const errors = options.errors ?? [];
  const policy = CUSTOMER_PASSWORD_POLICY;
  res.writeHead(errors.length ? 400 : 200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self' ${callbackOrigins.join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
  }).end(`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Create an account</title>
  <style nonce="${nonce}">
    body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
    main { max-width: 24rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
    label, input, button { display: block; width: 100%; box-sizing: border-box; }
    input { margin: 0.25rem 0 1rem; padding: 0.5rem; font-size: 1rem; }
    button { padding: 0.6rem; font-size: 1rem; background: #1f4fd1; color: #fff; border: 0; border-radius: 4px; }
    .error { color: #a4000f; }
    .note { color: #555; font-size: 0.85rem; }
  </style>
</head>
<body>
  <main>
    <h1>Create an account</h1>
    <p class="note" data-label>${escapeHtml(options.label)}</p>
    ${errors.length ? `<ul class="error" role="alert">${errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>` : ''}
    <form method="post" action="/signup">
    ${hidden}
      <label for="email">Email address</label>
      <input id="email" name="email" type="email" autocomplete="username" maxlength="${MAX_EMAIL_LENGTH}" required value="${escapeHtml(options.email ?? '')}">
      <label for="name">Name</label>
      <input id="name" name="name" type="text" autocomplete="name" required value="${escapeHtml(options.name ?? '')}">
      <label for="password">Password</label>
      <p class="note" id="policy">At least ${policy.minLength} characters, with a lowercase and an uppercase letter (A–Z), a digit and a symbol.</p>
      <input id="password" name="password" type="password" autocomplete="new-password" aria-describedby="policy" required>
      <label for="confirmPassword">Password again</label>
      <input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password" required>
      <button type="submit">Create account</button>
    </form>
    <p><a href="/login?${escapeHtml(params.toString())}">I have an account: sign in</a></p>
  </main>
</body>
</html>
`);
}
