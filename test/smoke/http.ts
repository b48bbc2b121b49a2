import { truncate } from './util';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  readonly body: any;
}

export interface RequestOptions {
  /** Bearer token. */
  readonly token?: string;
  /** Sent as JSON (content-type application/json). */
  readonly json?: unknown;
  /** Sent as is, with content-type application/json (for bodies that are not JSON at all). */
  readonly rawJsonBody?: string;
  readonly headers?: Record<string, string>;
}

/** The checkout service's HTTP API, as the storefront calls it (fetch, bearer tokens, JSON). */
export class CheckoutApi {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let body: string | undefined;
    if (options.json !== undefined || options.rawJsonBody !== undefined) {
      body = options.rawJsonBody ?? JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  get(path: string, token?: string): Promise<ApiResponse> {
    return this.request('GET', path, { token });
  }
}

/** `GET /x → 404 Not Found: <message>` for a failure message. */
export function describeResponse(method: string, path: string, r: ApiResponse): string {
  const message = typeof r.body?.message === 'string' ? r.body.message : truncate(r.text, 200);
  return `${method} ${path} → ${r.status}${message ? `: ${message}` : ''}`;
}
