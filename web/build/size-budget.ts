/**
 * A Vite plugin that prints every emitted JS and CSS file's size (raw and gzip) after a build and
 * checks the JavaScript of the catalog's first visit against a gzip budget: the entry chunk and
 * every chunk it imports, statically or dynamically, except the dynamic imports declared as loaded
 * later (`loadedLater`: the other pages' routes, the sign-in library). A new dynamic import counts
 * until it is declared, so code the first visit really fetches cannot slip past the budget by
 * being split off. Over budget, the build fails (non-zero exit) after printing the table.
 * test/lighthouse (npm run test:lighthouse) checks the same total against what Chromium fetches.
 */
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

export interface SizeRow {
  readonly file: string;
  readonly rawBytes: number;
  readonly gzipBytes: number;
  readonly initial: boolean;
}

export interface SizeReport {
  readonly rows: readonly SizeRow[];
  readonly initialJsGzipBytes: number;
  readonly budgetGzipBytes: number;
}

interface ChunkLike {
  readonly type: 'chunk';
  readonly fileName: string;
  readonly code: string;
  readonly isEntry: boolean;
  readonly imports: readonly string[];
  readonly dynamicImports?: readonly string[];
  readonly facadeModuleId?: string | null;
}

interface AssetLike {
  readonly type: 'asset';
  readonly fileName: string;
  readonly source: string | Uint8Array;
}

const gzipSize = (content: string | Uint8Array) => gzipSync(content, { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;

/**
 * Sizes of the emitted JS/CSS files and the first visit's JS total. `loadedLater` names the modules
 * whose dynamic import the first visit does not make (by the chunk's facade module id).
 */
export function measureBundle(
  bundle: Record<string, ChunkLike | AssetLike | { type: string }>,
  budget: number,
  loadedLater: (moduleId: string) => boolean = () => false,
) {
  const chunks = new Map<string, ChunkLike>();
  for (const output of Object.values(bundle)) {
    if (output.type === 'chunk') chunks.set((output as ChunkLike).fileName, output as ChunkLike);
  }
  const initial = new Set<string>();
  const visit = (fileName: string) => {
    if (initial.has(fileName)) return;
    initial.add(fileName);
    const chunk = chunks.get(fileName);
    chunk?.imports.forEach(visit);
    for (const dynamic of chunk?.dynamicImports ?? []) {
      const facade = chunks.get(dynamic)?.facadeModuleId;
      if (!(facade && loadedLater(facade))) visit(dynamic);
    }
  };
  for (const chunk of chunks.values()) if (chunk.isEntry) visit(chunk.fileName);

  const rows: SizeRow[] = [];
  for (const output of Object.values(bundle)) {
    if (output.type === 'chunk') {
      const chunk = output as ChunkLike;
      rows.push({
        file: chunk.fileName,
        rawBytes: Buffer.byteLength(chunk.code),
        gzipBytes: gzipSize(chunk.code),
        initial: initial.has(chunk.fileName),
      });
    } else if (output.type === 'asset' && (output as AssetLike).fileName.endsWith('.css')) {
      const asset = output as AssetLike;
      const bytes = typeof asset.source === 'string' ? Buffer.byteLength(asset.source) : asset.source.byteLength;
      rows.push({ file: asset.fileName, rawBytes: bytes, gzipBytes: gzipSize(asset.source), initial: false });
    }
  }
  rows.sort((a, b) => Number(b.initial) - Number(a.initial) || b.gzipBytes - a.gzipBytes);
  const initialJsGzipBytes = rows.filter((r) => r.initial).reduce((sum, r) => sum + r.gzipBytes, 0);
  return { rows, initialJsGzipBytes, budgetGzipBytes: budget } satisfies SizeReport;
}

export function formatReport(report: SizeReport): string {
  const width = Math.max(...report.rows.map((r) => r.file.length), 4);
  const lines = [
    `${'file'.padEnd(width)}  ${'raw'.padStart(11)}  ${'gzip'.padStart(11)}  initial`,
    ...report.rows.map(
      (r) =>
        `${r.file.padEnd(width)}  ${kb(r.rawBytes).padStart(11)}  ${kb(r.gzipBytes).padStart(11)}  ${r.initial ? 'yes' : ''}`,
    ),
    '',
    `catalog's first visit: ${kb(report.initialJsGzipBytes)} gzip of JavaScript, of a ${kb(report.budgetGzipBytes)} budget ` +
      `(${((100 * report.initialJsGzipBytes) / report.budgetGzipBytes).toFixed(0)}%)` +
      (report.initialJsGzipBytes > report.budgetGzipBytes ? ' — OVER BUDGET' : ''),
  ];
  return lines.join('\n');
}

export function sizeBudget(options: {
  initialJsGzipBudgetBytes: number;
  loadedLater?: (moduleId: string) => boolean;
}): Plugin {
  let silent = false;
  return {
    name: 'securecart:size-budget',
    apply: 'build',
    configResolved(config) {
      silent = config.logLevel === 'silent';
    },
    writeBundle: {
      order: 'post',
      handler(_outputOptions, bundle) {
        const report = measureBundle(
          bundle as Parameters<typeof measureBundle>[0],
          options.initialJsGzipBudgetBytes,
          options.loadedLater,
        );
        if (!silent) process.stdout.write(`\n${formatReport(report)}\n`);
        if (report.initialJsGzipBytes > report.budgetGzipBytes) {
          this.error(
            `The catalog's first visit loads ${kb(report.initialJsGzipBytes)} gzip of JavaScript, over the ${kb(report.budgetGzipBytes)} budget`,
          );
        }
      },
    },
  };
}
