/**
 * zod/mini (tree-shakeable: ~20 KB in a handler bundle instead of ~450 KB for classic zod) with
 * English error messages. Every contract schema is built from this module.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());
export { z };
