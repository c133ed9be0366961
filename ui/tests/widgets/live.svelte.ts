/**
 * Props a test can change after mounting, as a parent's state would: pass the object
 * to `render` and assign to its fields (e.g. from an `onChange` callback).
 */
export function liveProps<T extends Record<string, unknown>>(initial: T): T {
  const props = $state(initial);
  return props;
}
