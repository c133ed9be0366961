/**
 * Pure edits of an overview arrangement while the clinician customises it. Each returns
 * a new list (the old one is kept for "cancel") and refuses what IT's locks forbid.
 */
import type { LayoutItem } from './bindings/LayoutItem';
import type { WidgetId } from './bindings/WidgetId';
import type { WidgetSize } from './bindings/WidgetSize';
import type { WorkspaceLayout } from './bindings/WorkspaceLayout';

export const WIDGET_SIZES: readonly WidgetSize[] = ['small', 'medium', 'large', 'full'];

/** Every widget, in the order the "add" list offers them. */
export const ALL_WIDGETS = [
  'critical_info',
  'medications',
  'problems',
  'vitals',
  'record_vitals',
  'care_plan',
  'visits',
  'documents',
  'notes',
  'home_measurements',
  'apps',
  'decision_support',
  'general_practitioner',
] as const satisfies readonly WidgetId[];

// A widget added on the Rust side without a place here fails to compile.
type Unlisted = Exclude<WidgetId, (typeof ALL_WIDGETS)[number]>;
const everyWidgetListed: [Unlisted] extends [never] ? true : never = true;
void everyWidgetListed;

/** Moves the item at `from` to `to` (both clamped to the list). */
export function moveItem(items: readonly LayoutItem[], from: number, to: number): LayoutItem[] {
  const next = [...items];
  if (from < 0 || from >= next.length) return next;
  const target = Math.max(0, Math.min(next.length - 1, to));
  const [moved] = next.splice(from, 1);
  if (moved) next.splice(target, 0, moved);
  return next;
}

export function canRemove(layout: WorkspaceLayout, widget: WidgetId): boolean {
  return !layout.locked_on.includes(widget);
}

export function removeItem(layout: WorkspaceLayout, items: readonly LayoutItem[], widget: WidgetId): LayoutItem[] {
  if (!canRemove(layout, widget)) return [...items];
  return items.filter((i) => i.widget !== widget);
}

/** Widgets the clinician may add to `items`: not shown yet and not locked off. */
export function addable(layout: WorkspaceLayout, items: readonly LayoutItem[]): WidgetId[] {
  return ALL_WIDGETS.filter((w) => !layout.locked_off.includes(w) && !items.some((i) => i.widget === w));
}

/** Adds a widget at the end, at its role-default size (medium if the role has none). */
export function addItem(layout: WorkspaceLayout, items: readonly LayoutItem[], widget: WidgetId): LayoutItem[] {
  if (!addable(layout, items).includes(widget)) return [...items];
  const size = layout.role_default.find((i) => i.widget === widget)?.size ?? 'medium';
  return [...items, { widget, size }];
}

export function resizeItem(items: readonly LayoutItem[], widget: WidgetId, size: WidgetSize): LayoutItem[] {
  return items.map((i) => (i.widget === widget ? { ...i, size } : i));
}

/** The next size up or down, or the same at either end. */
export function stepSize(size: WidgetSize, step: 1 | -1): WidgetSize {
  const i = WIDGET_SIZES.indexOf(size) + step;
  return WIDGET_SIZES[Math.max(0, Math.min(WIDGET_SIZES.length - 1, i))] ?? size;
}

export function sameItems(a: readonly LayoutItem[], b: readonly LayoutItem[]): boolean {
  return a.length === b.length && a.every((item, i) => item.widget === b[i]?.widget && item.size === b[i]?.size);
}
