/**
 * One way to turn validation issues into readable problems, `path: message` (e.g.
 * `shippingAddress.postalCode: Too big: expected string to have <=20 characters`), used by the
 * service's 400s, the handlers' invalid-input errors, the status consumer, the storefront and the
 * order check. Structural, so it takes zod's issues without importing zod.
 */
export interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** `path: message` for each issue; `root` names an issue about the whole value (empty path). */
export function formatIssues(issues: readonly IssueLike[], root: string, prefix: readonly string[] = []): string[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path.map(String)].join('.');
    return `${path || root}: ${issue.message}`;
  });
}
