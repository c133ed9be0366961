/**
 * axe-core run inside the page. `expectAccessible` fails the test on any violation of
 * impact "serious" or "critical", listing rule, impact, targets and summary; lesser ones
 * are printed so they are seen without failing the run.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, Result } from 'axe-core';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const FAILING = new Set(['serious', 'critical']);

export async function runAxe(page: Page): Promise<AxeResults> {
  // Evaluated through the DevTools protocol: the app's CSP (no inline scripts) stays on.
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
}

export function describeViolation(v: Result): string {
  const nodes = v.nodes
    .map((n) => `    - ${n.target.join(' ')}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`)
    .join('\n');
  return `[${v.impact ?? 'unknown'}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}`;
}

/**
 * A violation already reported for the components to fix: its rule on elements whose
 * axe target contains `target`. Listed where used, each with its own `it.fails` test.
 */
export interface KnownViolation {
  rule: string;
  target: string;
}

/** Splits a result's nodes into those a known violation covers and the rest. */
function withoutKnown(violations: Result[], known: KnownViolation[]): Result[] {
  return violations
    .map((v) => ({
      ...v,
      nodes: v.nodes.filter(
        (n) => !known.some((k) => k.rule === v.id && n.target.some((t) => String(t).includes(k.target))),
      ),
    }))
    .filter((v) => v.nodes.length > 0);
}

/** Fails on serious or critical violations on what the page shows now. */
export async function expectAccessible(
  page: Page,
  label: string,
  options: { known?: KnownViolation[] } = {},
): Promise<AxeResults> {
  const results = await runAxe(page);
  const violations = withoutKnown(results.violations, options.known ?? []);
  const failing = violations.filter((v) => FAILING.has(v.impact ?? ''));
  const minor = violations.filter((v) => !FAILING.has(v.impact ?? ''));
  if (minor.length > 0) {
    console.info(`axe (${label}), not failing:\n${minor.map(describeViolation).join('\n')}`);
  }
  expect(failing.map(describeViolation), `axe serious/critical violations on ${label}`).toEqual([]);
  return results;
}

/** The violations of one rule on what the page shows now (for the `it.fails` checks). */
export async function violationsOf(page: Page, rule: string): Promise<string[]> {
  const results = await runAxe(page);
  return results.violations.filter((v) => v.id === rule).map(describeViolation);
}
