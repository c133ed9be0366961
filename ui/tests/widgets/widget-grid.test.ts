import { createRawSnippet, flushSync } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import WidgetGrid from '../../src/components/patient/WidgetGrid.svelte';
import type { LayoutItem } from '../../src/lib/bindings/LayoutItem';
import type { WidgetId } from '../../src/lib/bindings/WidgetId';
import type { WorkspaceLayout } from '../../src/lib/bindings/WorkspaceLayout';
import { clinicalLayout } from '../fixtures/app';
import { liveProps } from './live.svelte';
import { press, render, textOf } from './render';

/** Each widget's body: its id and a control, to see whether the body can take focus. */
const body = createRawSnippet<[WidgetId]>((id) => ({
  render: () => `<div data-testid="widget-content" data-content="${id()}"><button type="button">Knapp</button></div>`,
}));

/** The nurse's default, IT having locked the critical information on. */
function lockedLayout(): WorkspaceLayout {
  return { ...clinicalLayout('nursing_home_nurse'), locked_on: ['critical_info'] };
}

/**
 * The grid as the overview holds it: `onChange` puts the new arrangement on screen
 * (and is recorded), as setDraft does.
 */
function grid(customising: boolean, items?: LayoutItem[]) {
  const layout = lockedLayout();
  const changes: LayoutItem[][] = [];
  const props = liveProps({
    items: items ?? layout.items.map((i) => ({ ...i })),
    layout,
    customising,
    widget: body,
    onChange: (next: LayoutItem[]) => {
      changes.push(next.map((i) => ({ ...i })));
      props.items = next;
    },
  });
  const r = render(WidgetGrid, props);
  const widget = (id: WidgetId): HTMLElement => {
    const el = r.target.querySelector<HTMLElement>(`[data-testid="widget"][data-widget="${id}"]`);
    if (!el) throw new Error(`no widget ${id}`);
    return el;
  };
  const tool = (id: WidgetId, testid: string): HTMLButtonElement =>
    widget(id).querySelector<HTMLButtonElement>(`[data-testid="${testid}"]`) as HTMLButtonElement;
  const order = (): string[] => r.all('widget').map((w) => w.dataset.widget ?? '');
  const announced = (): string => textOf(r.get('customise-announcement'));
  return { r, props, changes, widget, tool, order, announced };
}

describe('WidgetGrid outside customise mode', () => {
  it('shows the widgets in order and size, with no tools, nothing inert and nothing draggable', () => {
    const { r, order, widget } = grid(false);
    expect(order()).toEqual(lockedLayout().items.map((i) => i.widget));
    expect(r.all('widget-content').map((c) => c.dataset.content)).toEqual(order());
    expect(r.all('widget-tools')).toHaveLength(0);
    expect(r.query('widget-locked')).toBeNull();
    for (const li of r.all('widget')) {
      expect(li.hasAttribute('draggable')).toBe(false);
      const content = li.querySelector<HTMLElement>('.widget-body') as HTMLElement;
      expect(content.inert).toBe(false);
      expect(content.hasAttribute('inert')).toBe(false);
    }
    expect(widget('vitals').dataset.size).toBe('medium');
    expect(r.get('widget-grid').getAttribute('aria-label')).toBe('Pasientoversikt');
    // The widgets' own controls work as usual.
    const button = widget('vitals').querySelector('button') as HTMLButtonElement;
    button.focus();
    expect(document.activeElement).toBe(button);
  });
});

describe('WidgetGrid in customise mode', () => {
  it('gives each widget a named group of tools, and makes its content inert', () => {
    const { r, widget } = grid(true);
    const tools = r.all('widget-tools');
    expect(tools).toHaveLength(8);
    const vitals = widget('vitals').querySelector('[data-testid="widget-tools"]') as HTMLElement;
    expect(vitals.getAttribute('role')).toBe('group');
    expect(vitals.getAttribute('aria-label')).toBe('Vitale parametere');
    const names = [...vitals.querySelectorAll('button')].map((b) => b.getAttribute('aria-label'));
    expect(names).toEqual([
      'Flytt «Vitale parametere» opp',
      'Flytt «Vitale parametere» ned',
      'Gjør «Vitale parametere» smalere',
      'Gjør «Vitale parametere» bredere',
      'Fjern «Vitale parametere»',
    ]);
    expect(textOf(vitals)).toContain('Halv bredde');
    for (const li of r.all('widget')) {
      expect(li.getAttribute('draggable')).toBe('true');
      const content = li.querySelector<HTMLElement>('.widget-body') as HTMLElement;
      expect(content.inert, li.dataset.widget).toBe(true);
    }
    // Nothing in a widget's content can take focus meanwhile.
    const inside = widget('vitals').querySelector('.widget-body button') as HTMLButtonElement;
    inside.focus();
    expect(document.activeElement).not.toBe(inside);
  });

  it('moves a widget up and down, says where it went, and stops at the ends', async () => {
    const { changes, tool, order, announced } = grid(true);
    const start = order();
    expect(tool('critical_info', 'widget-move-up').disabled).toBe(true);
    expect(tool('critical_info', 'widget-move-down').disabled).toBe(false);
    expect(tool('problems', 'widget-move-down').disabled).toBe(true);
    expect(tool('problems', 'widget-move-up').disabled).toBe(false);

    press(tool('vitals', 'widget-move-up'));
    expect(changes).toHaveLength(1);
    expect(changes[0]?.map((i) => i.widget)).toEqual(['vitals', 'critical_info', ...start.slice(2)]);
    expect(order()).toEqual(changes[0]?.map((i) => i.widget));
    expect(announced()).toBe('«Vitale parametere» er nå nummer 1 av 8.');
    // Now first: it cannot go further up; the one it passed can.
    expect(tool('vitals', 'widget-move-up').disabled).toBe(true);
    expect(tool('critical_info', 'widget-move-up').disabled).toBe(false);

    press(tool('documents', 'widget-move-down'));
    expect(order().slice(-2)).toEqual(['problems', 'documents']);
    expect(announced()).toBe('«Dokumenter» er nå nummer 8 av 8.');
    expect(tool('documents', 'widget-move-down').disabled).toBe(true);
    expect(tool('problems', 'widget-move-down').disabled).toBe(false);
    // Sizes travel with their widget.
    expect(changes.at(-1)?.every((i) => i.size === 'medium')).toBe(true);
  });

  it('makes a widget wider and narrower a step at a time, and stops at either end', async () => {
    const { changes, tool, widget, announced } = grid(true, [
      { widget: 'critical_info', size: 'small' },
      { widget: 'vitals', size: 'large' },
      { widget: 'notes', size: 'full' },
    ]);
    expect(tool('critical_info', 'widget-narrower').disabled).toBe(true);
    expect(tool('critical_info', 'widget-wider').disabled).toBe(false);
    expect(tool('notes', 'widget-wider').disabled).toBe(true);
    expect(tool('notes', 'widget-narrower').disabled).toBe(false);

    press(tool('vitals', 'widget-wider'));
    expect(changes.at(-1)).toEqual([
      { widget: 'critical_info', size: 'small' },
      { widget: 'vitals', size: 'full' },
      { widget: 'notes', size: 'full' },
    ]);
    expect(widget('vitals').dataset.size).toBe('full');
    expect(widget('vitals').classList.contains('size-full')).toBe(true);
    expect(announced()).toBe('«Vitale parametere»: Full bredde.');
    expect(tool('vitals', 'widget-wider').disabled).toBe(true);

    press(tool('critical_info', 'widget-wider'));
    expect(widget('critical_info').dataset.size).toBe('medium');
    expect(announced()).toBe('«Kritisk informasjon og allergier»: Halv bredde.');
    press(tool('critical_info', 'widget-narrower'));
    expect(widget('critical_info').dataset.size).toBe('small');
    expect(tool('critical_info', 'widget-narrower').disabled).toBe(true);
    expect(changes).toHaveLength(3);
  });

  it("cannot remove what IT locked on, says so, and removes the rest", async () => {
    const { r, changes, tool, order, announced } = grid(true);
    const critical = tool('critical_info', 'widget-remove');
    expect(critical.disabled).toBe(true);
    const badges = r.all('widget-locked');
    expect(badges).toHaveLength(1);
    expect(badges[0]?.closest('[data-testid="widget"]')?.getAttribute('data-widget')).toBe('critical_info');
    expect(textOf(badges[0])).toBe('Låst av IT');
    // Clicking the disabled button does nothing.
    critical.click();
    expect(changes).toHaveLength(0);

    expect(tool('vitals', 'widget-remove').disabled).toBe(false);
    press(tool('vitals', 'widget-remove'));
    expect(changes[0]?.map((i) => i.widget)).not.toContain('vitals');
    expect(order()).not.toContain('vitals');
    expect(order()).toHaveLength(7);
    expect(announced()).toBe('«Vitale parametere» er fjernet.');
    expect(r.get('customise-announcement').getAttribute('role')).toBe('status');
  });

  it('moves up with the keyboard (Enter, then Space), focus staying on the button', async () => {
    const { widget, tool, order } = grid(true);
    tool('documents', 'widget-move-up').focus();
    await userEvent.keyboard('{Enter}');
    expect(order().indexOf('documents')).toBe(5);
    expect(document.activeElement).toBe(tool('documents', 'widget-move-up'));
    await userEvent.keyboard(' ');
    expect(order().indexOf('documents')).toBe(4);
    expect(widget('documents').contains(document.activeElement)).toBe(true);
  });

  it('keeps focus on the widget after moving it down with the keyboard', async () => {
    const { widget, tool, order } = grid(true);
    tool('care_plan', 'widget-move-down').focus();
    await userEvent.keyboard('{Enter}');
    expect(order().indexOf('care_plan')).toBe(3);
    expect(widget('care_plan').contains(document.activeElement)).toBe(true);
  });

  it('keeps focus on the widget after moving it to the top with the keyboard', async () => {
    const { widget, tool, order } = grid(true);
    tool('vitals', 'widget-move-up').focus();
    await userEvent.keyboard('{Enter}');
    expect(order()[0]).toBe('vitals');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(widget('vitals').contains(document.activeElement)).toBe(true);
  });

  it('keeps focus on the widget after making it as wide as it gets', async () => {
    const { widget, tool } = grid(true, [
      { widget: 'vitals', size: 'large' },
      { widget: 'notes', size: 'medium' },
    ]);
    tool('vitals', 'widget-wider').focus();
    await userEvent.keyboard('{Enter}');
    expect(widget('vitals').dataset.size).toBe('full');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(widget('vitals').contains(document.activeElement)).toBe(true);
  });

  it('puts focus somewhere in the grid after a widget is removed with the keyboard', async () => {
    const { r, tool } = grid(true);
    tool('vitals', 'widget-remove').focus();
    await userEvent.keyboard('{Enter}');
    expect(r.query('widget-tools')).not.toBeNull();
    expect(document.activeElement).not.toBe(document.body);
  });

  it('shows the tools when customise mode starts and takes them away when it ends', () => {
    const { r, props } = grid(false);
    expect(r.all('widget-tools')).toHaveLength(0);
    props.customising = true;
    flushSync();
    expect(r.all('widget-tools')).toHaveLength(8);
    props.customising = false;
    flushSync();
    expect(r.all('widget-tools')).toHaveLength(0);
    expect(r.all('widget').every((li) => !(li.querySelector('.widget-body') as HTMLElement).inert)).toBe(true);
  });
});

describe('WidgetGrid drag and drop', () => {
  it('reorders when one widget is dropped on another', () => {
    const onChange = vi.fn();
    const layout = lockedLayout();
    const r = render(WidgetGrid, { items: layout.items, layout, customising: true, widget: body, onChange });
    const [first, , third] = r.all('widget');
    const data = new DataTransfer();
    first?.dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: data }));
    flushSync();
    const over = new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: data });
    third?.dispatchEvent(over);
    flushSync();
    // Dropping is allowed there, and the target is marked.
    expect(over.defaultPrevented).toBe(true);
    expect(third?.classList.contains('drop-target')).toBe(true);
    expect(first?.classList.contains('dragging')).toBe(true);
    third?.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }));
    flushSync();
    expect(onChange).toHaveBeenCalledOnce();
    expect((onChange.mock.calls[0]?.[0] as LayoutItem[]).map((i) => i.widget).slice(0, 3)).toEqual([
      'vitals',
      'care_plan',
      'critical_info',
    ]);
    expect(third?.classList.contains('drop-target')).toBe(false);
  });

  it('does not drag outside customise mode', () => {
    const layout = lockedLayout();
    const onChange = vi.fn();
    const r = render(WidgetGrid, { items: layout.items, layout, customising: false, widget: body, onChange });
    const [first, second] = r.all('widget');
    const data = new DataTransfer();
    first?.dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: data }));
    const over = new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: data });
    second?.dispatchEvent(over);
    second?.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }));
    expect(over.defaultPrevented).toBe(false);
    expect(onChange).not.toHaveBeenCalled();
  });
});
