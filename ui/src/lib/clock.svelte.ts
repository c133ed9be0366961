/**
 * A coarse reactive clock for "saved 2 hr ago" texts: reading `clock.now` in a
 * component re-renders it twice a minute.
 */
const state = $state({ now: Date.now() });

setInterval(() => {
  state.now = Date.now();
}, 30_000);

export const clock = {
  get now(): number {
    return state.now;
  },
};
