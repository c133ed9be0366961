#!/usr/bin/env node
/**
 * npm run test:dates: the UI tests that concern dates, run once at each instant below
 * (ARBEIDSFLATE_TEST_NOW), one Vitest at a time. One line per instant; the output of a
 * failing run is printed after the summary. Exits non-zero if any instant fails.
 *
 *   node tests/date-matrix.mjs [instant …]   only the instants given
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Each instant in RFC 3339 UTC, with the Oslo wall clock it is (checked by tests/date-matrix.test.ts). */
export const INSTANTS = [
  { now: '2026-12-01T09:00:00Z', oslo: '2026-12-01 10:00', why: 'the 1st' },
  { now: '2027-01-09T08:15:00Z', oslo: '2027-01-09 09:15', why: 'single-digit day and month' },
  { now: '2026-12-31T22:30:00Z', oslo: '2026-12-31 23:30', why: 'the year changes within the hour' },
  { now: '2028-02-29T11:00:00Z', oslo: '2028-02-29 12:00', why: 'a leap day' },
  { now: '2027-03-01T07:00:00Z', oslo: '2027-03-01 08:00', why: 'yesterday was 28 February' },
  { now: '2027-03-28T01:30:00Z', oslo: '2027-03-28 03:30', why: 'first hour after the clocks go forward; 02:30 does not exist' },
  { now: '2027-10-31T01:30:00Z', oslo: '2027-10-31 02:30', why: 'the second 02:30, the night the clocks go back' },
  { now: '2027-07-14T22:30:00Z', oslo: '2027-07-15 00:30', why: 'just after midnight; the UTC date is still the 14th' },
  { now: '2027-06-30T21:59:00Z', oslo: '2027-06-30 23:59', why: 'a minute before midnight' },
];

/**
 * The whole widgets project, and the page tests of what the screens show for dates
 * and "today" (tests/pages/dates.test.ts; the other page files show times but check
 * other things, and would add some 10 s per instant). Not widgets-elsewhere: its visits
 * either side of Oslo's midnights fall on other days in Auckland at any now, so
 * npm test alone catches a zone fault there.
 */
export const PROJECTS = ['widgets', 'pages'];
export const FILES = ['tests/widgets/', 'tests/pages/dates.test.ts'];

/** Vitest's arguments for one instant. */
const VITEST_ARGS = ['run', '--reporter=dot', ...PROJECTS.flatMap((p) => ['--project', p]), ...FILES];

const UI_DIR = fileURLToPath(new URL('../', import.meta.url));
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Runs `node args` in ui/ with `env` added; resolves with its exit code, output and duration. */
function run(args, env = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: UI_DIR,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) =>
      resolve({ code: code ?? 1, output: output.replace(ANSI, ''), seconds: (performance.now() - started) / 1000 }),
    );
  });
}

/** Vitest on FILES at `now`, serving the UI built in `built`. */
function runVitest(now, built) {
  return run(['node_modules/vitest/vitest.mjs', ...VITEST_ARGS], { ARBEIDSFLATE_TEST_NOW: now, ARBEIDSFLATE_UI_BUILT: built });
}

/** "148 passed" / "1 failed | 147 passed" from Vitest's summary line. */
function testCounts(output) {
  const line = output.split('\n').find((l) => /^\s*Tests\s/.test(l));
  return line ? line.replace(/^\s*Tests\s+/, '').replace(/\s*\(\d+\)\s*$/, '') : 'no summary';
}

async function main(args) {
  const unknown = args.filter((a) => !INSTANTS.some((i) => i.now === a));
  if (unknown.length > 0) {
    console.error(`Not in the matrix: ${unknown.join(', ')}; choose from:\n${INSTANTS.map((i) => `  ${i.now}`).join('\n')}`);
    return 2;
  }
  const chosen = args.length > 0 ? INSTANTS.filter((i) => args.includes(i.now)) : INSTANTS;
  const started = performance.now();
  // The page tests serve one build of the UI, made here once rather than per instant.
  const built = await mkdtemp(join(tmpdir(), 'arbeidsflate-dates-'));
  const build = await run(['node_modules/vite/bin/vite.js', 'build', '--outDir', built, '--emptyOutDir', '--logLevel', 'warn']);
  if (build.code !== 0) {
    console.error(`The UI did not build:\n${build.output}`);
    await rm(built, { recursive: true, force: true });
    return 1;
  }
  const failed = [];
  for (const instant of chosen) {
    const result = await runVitest(instant.now, built);
    const mark = result.code === 0 ? '✓' : '✗';
    console.log(
      `${mark} ${instant.now}  Oslo ${instant.oslo}  ${testCounts(result.output).padEnd(24)} ${result.seconds.toFixed(1).padStart(5)} s  (${instant.why})`,
    );
    if (result.code !== 0) failed.push({ instant, result });
  }
  await rm(built, { recursive: true, force: true });
  const total = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${chosen.length - failed.length} of ${chosen.length} instants passed in ${total} s`);
  for (const { instant, result } of failed) {
    // From Vitest's list of failures on, when there is one.
    const failures = result.output.indexOf('Failed Tests');
    const shown = failures >= 0 ? result.output.slice(result.output.lastIndexOf('\n', failures) + 1) : result.output;
    console.log(`\n──── ${instant.now} (Oslo ${instant.oslo}) ────\n${shown}`);
    console.log(`Again by hand: ARBEIDSFLATE_TEST_NOW=${instant.now} npx vitest ${VITEST_ARGS.join(' ')}`);
  }
  return failed.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
