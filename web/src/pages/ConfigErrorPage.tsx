/** Shown instead of the storefront when /config.json is missing or invalid: no router, no auth. */
export function ConfigErrorPage({ problems }: { problems: readonly string[] }) {
  return (
    <main id="main" className="site-main narrow">
      <h1>The storefront is not configured</h1>
      <div role="alert" className="alert alert--error">
        <p>
          SecureCart could not start because its runtime configuration (<code>/config.json</code>) is missing or
          invalid:
        </p>
        <ul>
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      </div>
      <p>
        If you run this site: the deployment writes <code>config.json</code> next to the storefront build (fields:
        authority, clientId, and optionally redirectUri, logoutUri, cognitoDomain, scope). See{' '}
        <code>web/README.md</code>.
      </p>
      <p>If you are shopping: please try again later.</p>
    </main>
  );
}
