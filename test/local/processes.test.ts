import { readFileSync } from 'node:fs';
import { AsyncLines, prefixed, Processes } from '../../scripts/local/processes';

/*
 * npm run local's child processes (scripts/local/processes.ts): prefixed lines, and stopAll ending
 * exactly what was started — a part's own children too, and a part that ignores SIGTERM.
 */

/** Running: it exists and (where /proc tells) is not a zombie waiting to be reaped by its new parent. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};

/** Waits up to 2 s for the process to be gone. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 40 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

let log: jest.SpyInstance;
beforeEach(() => {
  log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

test('every line is prefixed with the part’s name', () => {
  expect(prefixed('checkout', 'one\ntwo')).toBe('[checkout]   one\n[checkout]   two');
});

test('stopAll ends a part and the processes it started; no unexpected-exit report while stopping', async () => {
  const processes = new Processes();
  const unexpected: string[] = [];
  processes.onUnexpectedExit = (name) => unexpected.push(name);
  const lines = new AsyncLines();
  // bash exits on SIGTERM while `wait`ing, which alone would leave its sleep running.
  const part = processes.start('shell', 'bash', ['-c', 'sleep 300 & echo "child $!"; wait'], {}, lines.push);
  const [, child] = await Processes.waitForLine(part, /^child (\d+)$/, 10_000, lines);
  expect(alive(Number(child))).toBe(true);

  await processes.stopAll(5000);
  expect(await gone(part.child.pid!)).toBe(true);
  expect(await gone(Number(child))).toBe(true);
  expect(unexpected).toEqual([]);
  expect(log).toHaveBeenCalledWith(`[shell]      child ${child}`);
});

test('a part that ignores SIGTERM is killed after the grace period', async () => {
  const processes = new Processes();
  const lines = new AsyncLines();
  const part = processes.start(
    'stubborn',
    process.execPath,
    ['-e', "process.on('SIGTERM', () => console.log('ignored')); console.log('ready'); setInterval(() => {}, 1000)"],
    {},
    lines.push,
  );
  await Processes.waitForLine(part, /^ready$/, 10_000, lines);
  const started = Date.now();
  await processes.stopAll(300);
  expect(await part.exited).toBe('SIGKILL');
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
});

test('a part that exits by itself is reported', async () => {
  const processes = new Processes();
  const reported = new Promise<[string, number | NodeJS.Signals]>((resolve) => {
    processes.onUnexpectedExit = (name, how) => resolve([name, how]);
  });
  processes.start('quitter', process.execPath, ['-e', 'process.exit(3)'], {});
  expect(await reported).toEqual(['quitter', 3]);
});
