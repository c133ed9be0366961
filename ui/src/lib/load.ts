import type { AppError } from './bindings/AppError';
import { isSessionError, toAppError } from './api';
import { setScreen } from './screen';

/**
 * Loads a screen's data the one way every screen does: shows "loading", hands session
 * errors to `onSessionEnded`, shows other errors, and drops an answer that arrives after
 * the screen is gone (`isMounted` false, e.g. the screen locked). Returns the data, or
 * `null` when there is nothing to render.
 */
export async function loadScreenData<T>(
  fetch: () => Promise<T>,
  isMounted: () => boolean,
  onSessionEnded: (error: AppError) => void,
  onError: (error: AppError) => void,
): Promise<T | null> {
  setScreen('loading');
  try {
    const loaded = await fetch();
    return isMounted() ? loaded : null;
  } catch (e) {
    if (!isMounted()) return null;
    const err = toAppError(e);
    if (isSessionError(err)) {
      onSessionEnded(err);
    } else {
      onError(err);
      setScreen('error');
    }
    return null;
  }
}
