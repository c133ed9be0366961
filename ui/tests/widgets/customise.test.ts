/**
 * CustomiseBar driven through the real layout state (src/lib/layout.svelte.ts). Saving
 * and resetting reach the backend: those paths are in tests/pages/customise.test.ts.
 */
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import CustomiseBar from '../../src/components/patient/CustomiseBar.svelte';
import { api } from '../../src/lib/api';
import type { WorkspaceLayout } from '../../src/lib/bindings/WorkspaceLayout';
import { layoutState, resetLayoutState, setDraft } from '../../src/lib/layout.svelte';
import { ALL_WIDGETS, moveItem } from '../../src/lib/layoutEdit';
import { defaultLayout } from '../fixtures/app';
import { choose, press, render, textOf } from './render';

afterEach(() => {
  resetLayoutState();
  vi.restoreAllMocks();
});

/** The home-care nurse's default has no problem list; IT has locked the documents off. */
function homeCare(overrides: Partial<WorkspaceLayout> = {}): WorkspaceLayout {
  const layout = defaultLayout('home_care_nurse');
  const items = layout.items.filter((i) => i.widget !== 'documents');
  return { ...layout, items, locked_off: ['documents'], ...overrides };
}

function bar() {
  const onSessionEnded = vi.fn();
  // Never reached here: a call would be a test failure, not a trip to the backend.
  const unreachable = { code: 'internal', detail: 'no backend in widget tests' };
  const saveLayout = vi.spyOn(api, 'saveLayout').mockRejectedValue(unreachable);
  const resetLayout = vi.spyOn(api, 'resetLayout').mockRejectedValue(unreachable);
  const r = render(CustomiseBar, { onSessionEnded });
  const options = (): string[] =>
    [...(r.get('widget-add-choice') as HTMLSelectElement).options].map((o) => o.value).filter(Boolean);
  /** What may be added to the draft: every widget not in it and not locked off, in the listed order. */
  const addable = (): string[] =>
    ALL_WIDGETS.filter(
      (w) => !layoutState.layout?.locked_off.includes(w) && !(layoutState.draft ?? []).some((i) => i.widget === w),
    );
  return { r, onSessionEnded, saveLayout, resetLayout, options, addable };
}

describe('CustomiseBar', () => {
  it('cannot start before the layout is known', () => {
    const { r } = bar();
    expect((r.get('customise-start') as HTMLButtonElement).disabled).toBe(true);
    expect(r.query('customise-bar')).toBeNull();
  });

  it('starts customise mode with a copy of the layout, and moves focus to "Ferdig"', async () => {
    layoutState.layout = homeCare();
    const { r } = bar();
    const start = r.get('customise-start') as HTMLButtonElement;
    expect(start.disabled).toBe(false);
    expect(textOf(start)).toBe('Tilpass oversikten');
    press(start);
    const section = r.get('customise-bar');
    expect(section.getAttribute('aria-labelledby')).toBe('customise-heading');
    expect(textOf(section.querySelector('h2'))).toBe('Tilpass oversikten');
    expect(r.query('customise-start')).toBeNull();
    expect(layoutState.draft).toEqual(homeCare().items);
    expect(layoutState.draft).not.toBe(layoutState.layout?.items);
    await expect.poll(() => document.activeElement).toBe(r.get('customise-save'));
    expect(textOf(r.get('customise-save'))).toBe('Ferdig');
  });

  it('offers to add only widgets not shown and not locked off, at their default size', async () => {
    layoutState.layout = homeCare();
    const { r, options, addable } = bar();
    press(r.get('customise-start'));
    // Not shown: documents (locked off) and problems (not in the role's default).
    expect(options()).toContain('problems');
    expect(options()).not.toContain('documents');
    expect(options()).toEqual(addable());
    const add = r.get('widget-add') as HTMLButtonElement;
    expect(add.disabled).toBe(true);
    expect(textOf(r.target.querySelector('label[for="widget-to-add"]'))).toBe('Legg til felt');

    // Removing a widget makes it addable again, in the listed order.
    setDraft((layoutState.draft ?? []).filter((i) => i.widget !== 'vitals'));
    flushSync();
    expect(options()).toContain('vitals');
    expect(options()).toEqual(addable());
    expect(options().indexOf('problems')).toBeLessThan(options().indexOf('vitals'));
    const choice = r.get('widget-add-choice') as HTMLSelectElement;
    const labels = [...choice.options].map((o) => textOf(o));
    expect(labels[0]).toBe('Velg et felt …');
    expect(labels).toEqual(expect.arrayContaining(['Problemliste', 'Vitale parametere']));

    choose(choice, 'vitals');
    expect(add.disabled).toBe(false);
    press(add);
    expect(layoutState.draft?.at(-1)).toEqual({ widget: 'vitals', size: 'medium' });
    expect(options()).not.toContain('vitals');
    expect(options()).toEqual(addable());
    expect(choice.value).toBe('');
    expect(add.disabled).toBe(true);

    // Add the rest: then there is nothing left to choose.
    for (const rest of addable()) {
      choose(choice, rest);
      press(add);
    }
    expect(options()).toEqual([]);
    expect(choice.disabled).toBe(true);
    expect(textOf(choice.options[0])).toBe('Alle felt vises');
  });

  it('leaves customise mode on "Ferdig" without a change, without asking the backend', async () => {
    layoutState.layout = homeCare();
    const { r, saveLayout, resetLayout } = bar();
    press(r.get('customise-start'));
    // A change undone is no change.
    const draft = layoutState.draft ?? [];
    setDraft(moveItem(moveItem(draft, 0, 1), 1, 0));
    flushSync();
    press(r.get('customise-save'));
    expect(layoutState.draft).toBeNull();
    expect(r.query('customise-bar')).toBeNull();
    expect(saveLayout).not.toHaveBeenCalled();
    expect(resetLayout).not.toHaveBeenCalled();
    await expect.poll(() => document.activeElement).toBe(r.get('customise-start'));
  });

  it('throws the draft away on "Avbryt"', async () => {
    layoutState.layout = homeCare();
    const { r, saveLayout } = bar();
    press(r.get('customise-start'));
    setDraft([{ widget: 'notes', size: 'full' }]);
    flushSync();
    press(r.get('customise-cancel'));
    expect(layoutState.draft).toBeNull();
    expect(layoutState.layout?.items).toEqual(homeCare().items);
    expect(saveLayout).not.toHaveBeenCalled();
    await expect.poll(() => document.activeElement).toBe(r.get('customise-start'));
  });

  it('offers "reset to default" only for a customised layout, and says it is customised', async () => {
    layoutState.layout = homeCare();
    const { r } = bar();
    expect(textOf(r.get('customise-start'))).toBe('Tilpass oversikten');
    press(r.get('customise-start'));
    expect((r.get('customise-reset') as HTMLButtonElement).disabled).toBe(true);
    press(r.get('customise-cancel'));

    layoutState.layout = homeCare({ customised: true });
    flushSync();
    // Heard by screen readers, not shown.
    const hidden = r.get('customise-start').querySelector('.visually-hidden');
    expect(hidden?.textContent?.trim()).toBe('(tilpasset)');
    press(r.get('customise-start'));
    expect((r.get('customise-reset') as HTMLButtonElement).disabled).toBe(false);
  });
});
