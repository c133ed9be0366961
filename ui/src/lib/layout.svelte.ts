/**
 * The overview layout of the signed-in clinician, loaded once per sign-in, and the
 * draft while they customise it. Saving goes to the backend, which keeps it per user.
 */
import { api, isSessionError, toAppError } from './api';
import type { AppError } from './bindings/AppError';
import type { LayoutItem } from './bindings/LayoutItem';
import type { WorkspaceLayout } from './bindings/WorkspaceLayout';
import { ALL_WIDGETS } from './layoutEdit';

interface LayoutState {
  layout: WorkspaceLayout | null;
  /** Why the layout could not be loaded (every widget shows meanwhile). */
  loadError: AppError | null;
  /** The arrangement being edited; null outside customise mode. */
  draft: LayoutItem[] | null;
  busy: boolean;
  saveError: AppError | null;
}

export const layoutState: LayoutState = $state({
  layout: null,
  loadError: null,
  draft: null,
  busy: false,
  saveError: null,
});

/** What to show when the layout could not be loaded: everything, so nothing is hidden. */
const FALLBACK: LayoutItem[] = ALL_WIDGETS.map((widget) => ({ widget, size: 'medium' }));

/** The widgets on screen: the draft while customising, else the saved layout. */
export function shownItems(): LayoutItem[] {
  return layoutState.draft ?? layoutState.layout?.items ?? (layoutState.loadError ? FALLBACK : []);
}

export async function loadLayout(onSessionEnded: (e: AppError) => void): Promise<void> {
  try {
    layoutState.layout = await api.layout();
    layoutState.loadError = null;
  } catch (e) {
    const err = toAppError(e);
    if (isSessionError(err)) onSessionEnded(err);
    else layoutState.loadError = err;
  }
}

export function resetLayoutState(): void {
  layoutState.layout = null;
  layoutState.loadError = null;
  layoutState.draft = null;
  layoutState.busy = false;
  layoutState.saveError = null;
}

export function startCustomising(): void {
  if (!layoutState.layout) return;
  layoutState.draft = layoutState.layout.items.map((i) => ({ ...i }));
  layoutState.saveError = null;
}

export function cancelCustomising(): void {
  layoutState.draft = null;
  layoutState.saveError = null;
}

export function setDraft(items: LayoutItem[]): void {
  if (layoutState.draft) layoutState.draft = items;
}

async function persist(
  run: () => Promise<WorkspaceLayout>,
  onSessionEnded: (e: AppError) => void,
): Promise<boolean> {
  layoutState.busy = true;
  layoutState.saveError = null;
  try {
    layoutState.layout = await run();
    layoutState.draft = null;
    return true;
  } catch (e) {
    const err = toAppError(e);
    if (isSessionError(err)) onSessionEnded(err);
    // The draft stays on screen, so nothing the clinician arranged is lost.
    else layoutState.saveError = err;
    return false;
  } finally {
    layoutState.busy = false;
  }
}

export function saveDraft(onSessionEnded: (e: AppError) => void): Promise<boolean> {
  const draft = layoutState.draft;
  if (!draft) return Promise.resolve(true);
  return persist(() => api.saveLayout($state.snapshot(draft)), onSessionEnded);
}

export function resetToDefault(onSessionEnded: (e: AppError) => void): Promise<boolean> {
  return persist(() => api.resetLayout(), onSessionEnded);
}
