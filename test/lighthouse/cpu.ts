/**
 * The mobile runs' CPU slowdown, calibrated to the host (Lighthouse's docs/throttling.md,
 * "Calibrating multipliers"). Lighthouse simulates a mid-tier phone as its reference host slowed
 * down 4×; on a slower host (a shared 2-core CI machine under load) the same 4× simulates a much
 * slower phone, and the score measures the host rather than the storefront. So before each mobile
 * run the host's BenchmarkIndex is measured in the same Chromium, with Lighthouse's own benchmark
 * (page-functions' computeBenchmarkIndex), and the slowdown is scaled to it:
 *
 *   slowdown = 4 × index / 2000, at most 4 (Lighthouse's default) and at least 1.
 *
 * 2000 is the reference host: Lighthouse warns about a slow host below 1000, a CPU its source calls
 * "at least ~2x weaker than our regular target device" (core/gather/driver/environment.js). A host
 * at or above 2000 keeps the default 4× (never a harder slowdown than Lighthouse's); a slower host
 * is relaxed only as far as it takes to simulate the same phone.
 */
import { chromium } from 'playwright-core';

export const REFERENCE_BENCHMARK_INDEX = 2000;
export const DEFAULT_MOBILE_SLOWDOWN = 4;

/** The CPU slowdown that makes this host (its BenchmarkIndex) simulate Lighthouse's mid-tier phone. */
export function mobileCpuSlowdown(benchmarkIndex: number): number {
  if (!Number.isFinite(benchmarkIndex) || benchmarkIndex <= 0) return DEFAULT_MOBILE_SLOWDOWN;
  const scaled = (DEFAULT_MOBILE_SLOWDOWN * benchmarkIndex) / REFERENCE_BENCHMARK_INDEX;
  return Math.round(Math.min(DEFAULT_MOBILE_SLOWDOWN, Math.max(1, scaled)) * 100) / 100;
}

/** Lighthouse's BenchmarkIndex of this host, measured now in the Chromium at `cdpUrl` (about 1 s). */
export async function measureBenchmarkIndex(cdpUrl: string): Promise<number> {
  const { pageFunctions } = await import('lighthouse/core/lib/page-functions.js');
  const browser = await chromium.connectOverCDP(cdpUrl);
  try {
    const context = browser.contexts()[0] ?? (await browser.newContext());
    const page = await context.newPage();
    try {
      return Number(await page.evaluate(`(${pageFunctions.computeBenchmarkIndex.toString()})()`));
    } finally {
      await page.close();
    }
  } finally {
    await browser.close();
  }
}
