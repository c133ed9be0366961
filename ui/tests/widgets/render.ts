/** Mounts Svelte 5 components into document.body, the way main.ts mounts the app. */
import { flushSync, mount, unmount, type Component, type ComponentProps } from 'svelte';

const mounted: { component: Record<string, unknown>; root: HTMLElement }[] = [];

export interface Rendered<Exports> {
  target: HTMLElement;
  component: Exports;
  /** Elements by data-testid inside the rendered component. */
  all(testid: string): HTMLElement[];
  get(testid: string): HTMLElement;
  query(testid: string): HTMLElement | null;
  /** The rendered text of the whole component (innerText), whitespace collapsed. */
  text(): string;
}

export interface RenderOptions {
  /**
   * Markup the component is mounted inside, its innermost first element the target:
   * `'<table><tbody><tr></tr></tbody></table>'` for a component that renders cells.
   */
  within?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function render<C extends Component<any, any>>(
  component: C,
  props: ComponentProps<C>,
  options: RenderOptions = {},
): Rendered<ReturnType<C>> {
  const root = document.createElement('div');
  let target: HTMLElement = root;
  if (options.within) {
    root.innerHTML = options.within;
    while (target.firstElementChild instanceof HTMLElement) target = target.firstElementChild;
  }
  document.body.append(root);
  const instance = mount(component, { target, props }) as ReturnType<C>;
  flushSync();
  mounted.push({ component: instance as Record<string, unknown>, root });
  const all = (testid: string): HTMLElement[] => [...target.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`)];
  return {
    target,
    component: instance,
    all,
    query: (testid) => all(testid)[0] ?? null,
    get: (testid) => {
      const el = all(testid)[0];
      if (!el) throw new Error(`no element with data-testid="${testid}"`);
      return el;
    },
    text: () => textOf(target),
  };
}

export function normalise(text: string | null | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * The text of an element as rendered (innerText: what a sighted user can read, so not
 * the inside of a closed <details>), whitespace collapsed.
 */
export function textOf(el: Element | null | undefined): string {
  return normalise(el instanceof HTMLElement ? el.innerText : el?.textContent);
}

export function cleanup(): void {
  for (const { component, root } of mounted.splice(0)) {
    unmount(component);
    root.remove();
  }
}

/**
 * Clicks `el` from inside the page and applies the update: a click event as a user's
 * would fire, without the round trip through the browser driver that userEvent takes
 * (kept for keyboard and typing, where the browser's own behaviour is the point).
 */
export function press(el: Element | null | undefined): void {
  if (!(el instanceof HTMLElement)) throw new Error('press: no element');
  el.click();
  flushSync();
}

/** Chooses `value` in a <select> as a user would (a change event), and applies the update. */
export function choose(select: Element | null | undefined, value: string): void {
  if (!(select instanceof HTMLSelectElement)) throw new Error('choose: not a <select>');
  select.value = value;
  select.dispatchEvent(new Event('change', { bubbles: true }));
  flushSync();
}
