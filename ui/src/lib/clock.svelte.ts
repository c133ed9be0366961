/**
 * The app's "now": a coarse reactive clock for "saved 2 hr ago" texts and today's
 * date. Reading `clock.now` in a component re-renders it twice a minute. It keeps the
 * backend's time: the offset the backend reports is 0 in every real run and moves the
 * window along with a debug build started at another instant.
 */
const state = $state({ offset: 0, now: Date.now() });

setInterval(() => {
  state.now = Date.now() + state.offset;
}, 30_000);

export const clock = {
  get now(): number {
    return state.now;
  },
  /** Follows the backend's clock, `offsetMs` ahead of this machine's. */
  follow(offsetMs: number): void {
    state.offset = Number.isFinite(offsetMs) ? offsetMs : 0;
    state.now = Date.now() + state.offset;
  },
};
