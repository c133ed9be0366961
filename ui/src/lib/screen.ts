/**
 * `document.body.dataset.screen` tells end-to-end tests and timing scripts which
 * screen has finished rendering. "loading" while data is on its way, "error" when a
 * screen shows an error instead of its content, "locked" while the lock screen is up
 * (after inactivity or an expired session), "access" while the clinician must state the
 * basis for opening a patient. "patient" once every source has answered or given up.
 */
export type Screen = 'loading' | 'error' | 'sign-in' | 'worklist' | 'patient' | 'access' | 'locked' | 'update-required';

export function setScreen(screen: Screen): void {
  document.body.dataset.screen = screen;
}
