/** Types for tests/date-matrix.mjs (a plain Node script, so that npm runs it without a build). */
export interface MatrixInstant {
  /** RFC 3339 UTC, as ARBEIDSFLATE_TEST_NOW takes it. */
  now: string;
  /** The Oslo wall clock at `now`: YYYY-MM-DD HH:MM. */
  oslo: string;
  why: string;
}
export const INSTANTS: readonly MatrixInstant[];
export const PROJECTS: readonly string[];
export const FILES: readonly string[];
