/**
 * zod/mini (tree-shakeable: ~20 KB in a handler bundle instead of ~450 KB for classic zod) with
 * English error messages. Contract modules use `import * as z from './zod'`; re-exporting the
 * functions (not a namespace object) keeps esbuild's tree-shaking working.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());
export * from 'zod/mini';
