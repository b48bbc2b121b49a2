import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * The child processes `npm run local` starts, each line of their output prefixed with the part's
 * name; stopAll() ends exactly these (SIGTERM, SIGKILL after a grace period), newest first.
 */

const WIDTH = 10;

/** Writes `[name] line` for every line of `text`. */
export function prefixed(name: string, text: string): string {
  const tag = `[${name}]`.padEnd(WIDTH + 2);
  return text
    .split(/\r?\n/)
    .map((line) => `${tag} ${line}`)
    .join('\n');
}

export const say = (name: string, text: string) => console.log(prefixed(name, text));

/**
 * Every descendant of `pid` (children, their children, ...), from `ps`: a part may run others (the
 * deploy: bash → npx → cdk → node), which a signal to the part alone would leave running when this
 * process is sent SIGTERM (Ctrl-C signals the whole process group, SIGTERM only this process).
 */
export function descendants(pid: number): number[] {
  let table: string;
  try {
    table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const line of table.split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (!child || !parent) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length) {
    const next = queue.shift()!;
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/** Sends `signal` to `pid`'s descendants, then to `pid`; ignores those already gone. */
function signalTree(pid: number, signal: NodeJS.Signals): void {
  for (const target of [...descendants(pid).reverse(), pid]) {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  }
}

interface Part {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | NodeJS.Signals>;
}

export class Processes {
  private readonly parts: Part[] = [];
  private stopping = false;
  /** Called when a part exits while nothing asked it to (not during stopAll). */
  onUnexpectedExit: (name: string, how: number | NodeJS.Signals) => void = () => undefined;

  /** Starts a part; its stdout and stderr go to this process's stdout, prefixed, and to `onLine`. */
  start(
    name: string,
    command: string,
    args: string[],
    options: SpawnOptions,
    onLine?: (line: string) => void,
    finite = false,
  ): Part {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | NodeJS.Signals>((resolve) => {
      child.once('error', (error) => {
        say(name, `could not start ${command}: ${error.message}`);
        resolve(127);
      });
      child.once('exit', (code, signal) => resolve(signal ?? code ?? 0));
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        say(name, line);
        onLine?.(line);
      });
    }
    const part = { name, child, exited };
    this.parts.push(part);
    void exited.then((how) => {
      if (!this.stopping && !finite) this.onUnexpectedExit(name, how);
    });
    return part;
  }

  /** Runs a part to its end; resolves with its exit code (a signal counts as 128+). */
  async run(name: string, command: string, args: string[], options: SpawnOptions): Promise<number> {
    const part = this.start(name, command, args, options, undefined, true);
    const how = await part.exited;
    this.parts.splice(this.parts.indexOf(part), 1);
    return typeof how === 'number' ? how : 128 + 15;
  }

  /** Resolves with the first line of the part's output that matches, or rejects when it exits or times out. */
  static waitForLine(part: Part, pattern: RegExp, timeoutMs: number, lines: AsyncLines): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${part.name}: no line matching ${pattern} within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      lines.watch((line) => {
        const match = pattern.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match);
        }
        return !!match;
      });
      void part.exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(`${part.name} exited (${how}) before it was ready`));
      });
    });
  }

  /** SIGTERM to every running part, newest first; SIGKILL after `graceMs`. Resolves when all are gone. */
  async stopAll(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const part of [...this.parts].reverse()) {
      if (part.child.exitCode !== null || part.child.signalCode !== null) continue;
      const pid = part.child.pid!;
      const tree = [...descendants(pid), pid];
      signalTree(pid, 'SIGTERM');
      const timer = setTimeout(() => {
        say(part.name, `still running after ${graceMs / 1000} s: SIGKILL`);
        for (const target of tree) {
          try {
            process.kill(target, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }, graceMs);
      await part.exited;
      clearTimeout(timer);
    }
  }
}

/** Lines seen so far, to which watchers can subscribe (a watcher returning true is removed). */
export class AsyncLines {
  private readonly seen: string[] = [];
  private watchers: ((line: string) => boolean)[] = [];

  push = (line: string): void => {
    this.seen.push(line);
    this.watchers = this.watchers.filter((w) => !w(line));
  };

  watch(watcher: (line: string) => boolean): void {
    if (this.seen.some((line) => watcher(line))) return;
    this.watchers.push(watcher);
  }
}
