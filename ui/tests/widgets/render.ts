/** Mounts Svelte 5 components into document.body, the way main.ts mounts the app. */
import { flushSync, mount, unmount, type Component, type ComponentProps } from 'svelte';

const mounted: { component: Record<string, unknown>; target: HTMLElement }[] = [];

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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function render<C extends Component<any, any>>(component: C, props: ComponentProps<C>): Rendered<ReturnType<C>> {
  const target = document.createElement('div');
  document.body.append(target);
  const instance = mount(component, { target, props }) as ReturnType<C>;
  flushSync();
  mounted.push({ component: instance as Record<string, unknown>, target });
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
  for (const { component, target } of mounted.splice(0)) {
    unmount(component);
    target.remove();
  }
}
