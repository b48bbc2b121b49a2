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
