/**
 * What the background workers (outbox relay, outbox pruner, status consumer) share: start() runs
 * the worker's loop once, stop() clears `running`, ends the wait in progress and waits for the
 * pass in progress to finish.
 */
export abstract class BackgroundLoop {
  protected running = false;
  private loop?: Promise<void>;

  /** Whether the loop is running (started and not stopped). */
  get active(): boolean {
    return this.running;
  }

  /** Starts the loop (no-op when it is running or canStart() says no). */
  start(): void {
    if (this.running || !this.canStart()) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Ends the loop after the pass in progress (if any). */
  async stop(): Promise<void> {
    this.running = false;
    this.interrupt();
    await this.loop;
  }

  protected canStart(): boolean {
    return true;
  }

  /** Ends the wait in progress (if any), so the loop sees `running` is false. */
  protected abstract interrupt(): void;

  /** Runs while `running` is true. */
  protected abstract run(): Promise<void>;
}

/** A delay that wake() ends early; wake() with no delay in progress does nothing. */
export class WakeableDelay {
  private wakeUp?: () => void;

  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  wake(): void {
    this.wakeUp?.();
  }
}
