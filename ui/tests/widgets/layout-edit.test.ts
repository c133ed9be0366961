/** The pure edits behind customise mode (src/lib/layoutEdit.ts): no DOM. */
import { describe, expect, it } from 'vitest';
import type { LayoutItem } from '../../src/lib/bindings/LayoutItem';
import type { WorkspaceLayout } from '../../src/lib/bindings/WorkspaceLayout';
import {
  addable,
  addItem,
  ALL_WIDGETS,
  canRemove,
  moveItem,
  removeItem,
  resizeItem,
  sameItems,
  stepSize,
  WIDGET_SIZES,
} from '../../src/lib/layoutEdit';
import { clinicalLayout } from '../fixtures/app';

const widgets = (items: readonly LayoutItem[]): string[] => items.map((i) => i.widget);

function layout(overrides: Partial<WorkspaceLayout> = {}): WorkspaceLayout {
  return { ...clinicalLayout('nursing_home_doctor'), ...overrides };
}

describe('moveItem', () => {
  const items = layout().items;

  it('moves an item up and down, and leaves the list it was given alone', () => {
    const before = widgets(items);
    expect(widgets(moveItem(items, 1, 0))).toEqual(['problems', 'critical_info', ...before.slice(2)]);
    expect(widgets(moveItem(items, 0, 2))).toEqual(['problems', 'medications', 'critical_info', ...before.slice(3)]);
    expect(widgets(items)).toEqual(before);
    expect(moveItem(items, 2, 2)).not.toBe(items);
    expect(widgets(moveItem(items, 2, 2))).toEqual(before);
  });

  it('clamps the target to the list', () => {
    const before = widgets(items);
    expect(widgets(moveItem(items, 0, -5))).toEqual(before);
    expect(widgets(moveItem(items, 1, -1))[0]).toBe('problems');
    expect(widgets(moveItem(items, 0, 99)).at(-1)).toBe('critical_info');
    expect(moveItem(items, 0, 99)).toHaveLength(items.length);
  });

  it('ignores a source outside the list', () => {
    expect(widgets(moveItem(items, -1, 0))).toEqual(widgets(items));
    expect(widgets(moveItem(items, items.length, 0))).toEqual(widgets(items));
    expect(moveItem([], 0, 0)).toEqual([]);
  });
});

describe('removeItem', () => {
  it('removes a widget', () => {
    const l = layout();
    expect(widgets(removeItem(l, l.items, 'vitals'))).not.toContain('vitals');
    expect(removeItem(l, l.items, 'vitals')).toHaveLength(l.items.length - 1);
    expect(canRemove(l, 'vitals')).toBe(true);
  });

  it("refuses to remove what IT has locked on, and leaves the list as it was", () => {
    const l = layout({ locked_on: ['critical_info'] });
    expect(canRemove(l, 'critical_info')).toBe(false);
    const kept = removeItem(l, l.items, 'critical_info');
    expect(widgets(kept)).toEqual(widgets(l.items));
    expect(kept).not.toBe(l.items);
  });
});

describe('addable and addItem', () => {
  it('offers only widgets not shown and not locked off, in the listed order', () => {
    const l = layout({ locked_off: ['notes'] });
    const shown = removeItem(l, removeItem(l, l.items, 'vitals'), 'critical_info');
    const offered = addable(l, shown);
    expect(offered).toEqual(ALL_WIDGETS.filter((w) => w !== 'notes' && !shown.some((i) => i.widget === w)));
    expect(offered).toEqual(expect.arrayContaining(['critical_info', 'vitals', 'record_vitals']));
    expect(offered.indexOf('critical_info')).toBeLessThan(offered.indexOf('vitals'));
    expect(offered).not.toContain('notes');
    expect(offered).not.toContain('medications');
    expect(addable(l, [])).toEqual(ALL_WIDGETS.filter((w) => w !== 'notes'));
    expect(addable(layout(), ALL_WIDGETS.map((widget) => ({ widget, size: 'medium' })))).toEqual([]);
  });

  it("adds at the end at the role's default size, else medium", () => {
    // The doctor's default has vitals large and visits small; record_vitals is not in it.
    const l = layout();
    const without = removeItem(l, removeItem(l, l.items, 'vitals'), 'visits');
    expect(addItem(l, without, 'vitals').at(-1)).toEqual({ widget: 'vitals', size: 'large' });
    expect(addItem(l, without, 'visits').at(-1)).toEqual({ widget: 'visits', size: 'small' });
    expect(addItem(l, without, 'visits')).toHaveLength(without.length + 1);
    expect(addItem(l, l.items, 'record_vitals').at(-1)).toEqual({ widget: 'record_vitals', size: 'medium' });
  });

  it('adds nothing that is shown already or locked off', () => {
    const l = layout({ locked_off: ['record_vitals'] });
    expect(widgets(addItem(l, l.items, 'record_vitals'))).toEqual(widgets(l.items));
    expect(widgets(addItem(l, l.items, 'vitals'))).toEqual(widgets(l.items));
  });
});

describe('sizes', () => {
  it('steps through the sizes and stops at either end', () => {
    expect(WIDGET_SIZES).toEqual(['small', 'medium', 'large', 'full']);
    expect(stepSize('small', 1)).toBe('medium');
    expect(stepSize('medium', 1)).toBe('large');
    expect(stepSize('large', 1)).toBe('full');
    expect(stepSize('full', 1)).toBe('full');
    expect(stepSize('full', -1)).toBe('large');
    expect(stepSize('medium', -1)).toBe('small');
    expect(stepSize('small', -1)).toBe('small');
  });

  it('resizes one widget only', () => {
    const l = layout();
    const next = resizeItem(l.items, 'documents', 'full');
    expect(next.find((i) => i.widget === 'documents')?.size).toBe('full');
    expect(next.filter((i) => i.widget !== 'documents')).toEqual(l.items.filter((i) => i.widget !== 'documents'));
    expect(l.items.find((i) => i.widget === 'documents')?.size).toBe('medium');
  });
});

describe('sameItems', () => {
  it('compares order and sizes, not identity', () => {
    const l = layout();
    const copy = l.items.map((i) => ({ ...i }));
    expect(sameItems(l.items, copy)).toBe(true);
    expect(sameItems(l.items, moveItem(l.items, 0, 1))).toBe(false);
    expect(sameItems(l.items, resizeItem(l.items, 'notes', 'small'))).toBe(false);
    expect(sameItems(l.items, l.items.slice(1))).toBe(false);
    expect(sameItems(l.items.slice(1), l.items)).toBe(false);
    expect(sameItems([], [])).toBe(true);
  });
});
