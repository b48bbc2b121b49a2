/**
 * The fault control API of the local AWS endpoint (../shared/aws-emulator, "Fault injection"):
 * POST /_emulator/faults sets the rules (counts restart), DELETE turns faults off, GET reads the
 * counts. This is the chaos suite's only call that is not a standard AWS API.
 */
export interface FaultRule {
  readonly service: 'dynamodb' | 'sns' | 'sqs' | 'events' | 'states' | 'lambda';
  readonly operation: string;
  readonly rate: number;
  readonly error?: string;
  readonly match?: string | string[];
  readonly status?: number;
  /** Lambda only: `service` (the Invoke API fails) or `function` (the handler does not run; every invocation path). */
  readonly kind?: 'service' | 'function';
  /** Injected fault count per rule restarts with every POST: `FaultBoard` keeps the totals. */
  readonly message?: string;
}
export interface FaultSettings {
  readonly seed: number;
  readonly rules: readonly FaultRule[];
}

export class FaultControl {
  constructor(private readonly url: string) {}

  static fromEnvironment(): FaultControl {
    const endpoint =
      process.env.CHAOS_FAULTS_URL ?? `${(process.env.AWS_ENDPOINT_URL ?? '').replace(/\/$/, '')}/_emulator/faults`;
    if (!/^https?:\/\//.test(endpoint))
      throw new Error('set AWS_ENDPOINT_URL (the local endpoint) or CHAOS_FAULTS_URL');
    return new FaultControl(endpoint);
  }

  async set(settings: FaultSettings): Promise<void> {
    await this.call('POST', JSON.stringify(settings));
  }

  async off(): Promise<void> {
    await this.call('DELETE');
  }

  /** Per rule: calls matched and faults answered. */
  async counts(): Promise<Array<{ calls: number; faults: number }>> {
    const state = (await this.call('GET')) as { rules?: Array<{ calls: number; faults: number }> };
    return state.rules ?? [];
  }

  private async call(method: string, body?: string): Promise<unknown> {
    const response = await fetch(this.url, {
      method,
      body,
      headers: body ? { 'content-type': 'application/json' } : {},
    });
    if (!response.ok) throw new Error(`${method} ${this.url}: ${response.status} ${await response.text()}`);
    const text = await response.text();
    return text ? JSON.parse(text) : {};
  }
}

/**
 * Rules owned by many concurrent outages, set as one list: every change is serialized, and the
 * faults each rule injected since the last change are added to its owner's count before the list
 * is replaced (the endpoint restarts its counts on every POST).
 */
export class FaultBoard {
  private readonly rules = new Map<string, { owner: string; rule: FaultRule }>();
  private posted: Array<{ owner: string }> = [];
  private chain: Promise<void> = Promise.resolve();
  readonly injected = new Map<string, number>();

  constructor(
    private readonly control: FaultControl,
    private readonly seed: number,
  ) {}

  /** Replaces the rules of `owner`'s named slot (`owner` is e.g. "row/outage"); no rules removes it. */
  set(owner: string, rules: readonly FaultRule[]): Promise<void> {
    for (const key of [...this.rules.keys()]) if (key.startsWith(`${owner}#`)) this.rules.delete(key);
    rules.forEach((rule, i) => this.rules.set(`${owner}#${i}`, { owner, rule }));
    return this.flush();
  }

  /** Counts what the current rules injected so far (call before reading `injected` at the end). */
  flush(): Promise<void> {
    this.chain = this.chain.then(async () => {
      const counts = await this.control.counts();
      counts.forEach((c, i) => {
        const owner = this.posted[i]?.owner;
        if (owner && c.faults) this.injected.set(owner, (this.injected.get(owner) ?? 0) + c.faults);
      });
      const list = [...this.rules.values()];
      this.posted = list;
      if (list.length) await this.control.set({ seed: this.seed, rules: list.map((r) => r.rule) });
      else await this.control.off();
    });
    return this.chain;
  }
}
