/**
 * Idle detection for the screen lock. One timer at a time and a cheap throttled
 * listener: activity only moves a timestamp, and the timer re-arms itself for the
 * time left when it fires early.
 *
 * Wall-clock time (`Date.now()`) on purpose: it keeps running while the computer
 * sleeps, so a laptop opened after lunch locks at once.
 */

/** Window events that count as someone using the screen. */
const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

/** The backend's default (15 minutes), for the unlikely case that app_info failed. */
export const DEFAULT_IDLE_LOCK_SECONDS = 15 * 60;

/** setTimeout's longest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** Idle time in milliseconds from the backend's setting; falls back to the default. */
export function idleLockMs(seconds: number | null | undefined): number {
  const s = typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_IDLE_LOCK_SECONDS;
  return s * 1000;
}

/**
 * Calls `onIdle` once after `timeoutMs` without activity, then stops by itself.
 * Returns a function that stops it (safe to call more than once), so it can be
 * returned from an `$effect`.
 */
export function startIdleTimer(timeoutMs: number, onIdle: () => void): () => void {
  /** Activity closer together than this is not recorded again. */
  const throttleMs = Math.min(1000, timeoutMs / 10);
  let lastActivity = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    for (const type of ACTIVITY_EVENTS) window.removeEventListener(type, onActivity, true);
    document.removeEventListener('visibilitychange', check);
    window.removeEventListener('focus', check);
  }

  function becomeIdle(): void {
    stop();
    onIdle();
  }

  /** Locks if the time is up, otherwise sleeps until it might be. */
  function check(): void {
    if (stopped) return;
    const left = timeoutMs - (Date.now() - lastActivity);
    if (left <= 0) {
      becomeIdle();
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
  }

  function onActivity(): void {
    const now = Date.now();
    const idle = now - lastActivity;
    if (idle >= 0 && idle < throttleMs) return;
    // The timer was late (suspended or throttled in the background): coming back
    // after the limit must not count as activity before it.
    if (idle >= timeoutMs) {
      becomeIdle();
      return;
    }
    // A negative idle time means the clock was set back; start counting afresh.
    lastActivity = now;
  }

  const options: AddEventListenerOptions = { capture: true, passive: true };
  for (const type of ACTIVITY_EVENTS) window.addEventListener(type, onActivity, options);
  // Background windows may have their timers held back; look again on return.
  document.addEventListener('visibilitychange', check);
  window.addEventListener('focus', check);
  check();

  return stop;
}
