/**
 * The pages of the local managed login (provider.ts): the sign-in form and the error page, with
 * the headers they are served with (each page's own Content-Security-Policy; never framed).
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';

/**
 * Serves the sign-in form: `params` (the authorization request) go back as hidden fields, the
 * form posts to `/login`, and the redirect after the post may go only to `callbackOrigins`.
 */
export function sendLoginPage(
  res: http.ServerResponse,
  params: URLSearchParams,
  callbackOrigins: readonly string[],
  error?: string,
  label = 'Local managed login for the end-to-end test (stands in for Cognito).',
  /** Where the sign-up form is, when the pool has self sign-up. */
  signUpHref?: string,
): void {
  const nonce = randomBytes(16).toString('base64');
  const hidden = [...params]
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n      ');
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The login page's own policy: nothing but its inline style, posting only to itself, and
    // the redirect after the post only to the client's callback origin; never framed.
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self' ${callbackOrigins.join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
  }).end(`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in</title>
  <style nonce="${nonce}">
    body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
    main { max-width: 22rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
    label, input, button { display: block; width: 100%; box-sizing: border-box; }
    input { margin: 0.25rem 0 1rem; padding: 0.5rem; font-size: 1rem; }
    button { padding: 0.6rem; font-size: 1rem; background: #1f4fd1; color: #fff; border: 0; border-radius: 4px; }
    .error { color: #a4000f; }
    .note { color: #555; font-size: 0.85rem; }
  </style>
</head>
<body>
  <main>
    <h1>Sign in</h1>
    <p class="note" data-label>${escapeHtml(label)}</p>
    ${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
    <form method="post" action="/login">
    ${hidden}
      <label for="email">Email address</label>
      <input id="email" name="email" type="email" autocomplete="username" required>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <button type="submit">Sign in</button>
    </form>
    ${signUpHref ? `<p><a href="${escapeHtml(signUpHref)}">New customer? Create an account</a></p>` : ''}
  </main>
</body>
</html>
`);
}

/** Serves the provider's own error page (a request it will not redirect back to the client). */
export function sendErrorPage(res: http.ServerResponse, message: string, label?: string): void {
  res
    .writeHead(400, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'" })
    .end(
      `<!doctype html><title>Sign-in error</title>${label ? `<p data-label>${escapeHtml(label)}</p>` : ''}<h1>Sign-in error</h1><p>${escapeHtml(message)}</p>`,
    );
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
