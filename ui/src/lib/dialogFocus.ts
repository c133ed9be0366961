/**
 * Focus for modal dialogs (WCAG 2.4.3): focus moves into the dialog when it opens,
 * Tab stays inside while it is open, and focus goes back to where it was after.
 */
import { tick } from 'svelte';

/** Focuses `target()` once the dialog is on screen; the returned function gives focus back. */
export function holdFocus(target: () => HTMLElement | undefined): () => void {
  const previous = document.activeElement;
  void tick().then(() => target()?.focus());
  return () => {
    if (previous instanceof HTMLElement && previous.isConnected) previous.focus();
  };
}

/** Tab from the last focusable element goes to the first, Shift+Tab from the first to the last. */
export function keepTabInside(event: KeyboardEvent, container: HTMLElement | undefined, focusable: string): void {
  if (event.key !== 'Tab' || !container) return;
  const items = [...container.querySelectorAll<HTMLElement>(focusable)].filter((el) => el.getClientRects().length > 0);
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}
