/** The widget tests' clock: fixed at NOW, in Oslo, with timers still running. */
import { describe, expect, it } from 'vitest';
import { clock } from '../../src/lib/clock.svelte';
import { NOW } from '../fixtures/time';

describe('the widget tests’ clock', () => {
  it('is NOW for Date and for the app’s own clock', () => {
    expect(Date.now()).toBe(NOW);
    expect(new Date().getTime()).toBe(NOW);
    expect(clock.now).toBe(NOW);
  });

  it('stays at NOW while timers run, and the browser is in Oslo', async () => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(Date.now()).toBe(NOW);
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('Europe/Oslo');
  });

  it('follows the backend’s clock when it runs ahead of the machine’s, and back', () => {
    clock.follow(36 * 3_600_000);
    expect(clock.now).toBe(NOW + 36 * 3_600_000);
    clock.follow(Number.NaN);
    expect(clock.now, 'an unreadable offset is no offset').toBe(NOW);
    clock.follow(0);
    expect(clock.now).toBe(NOW);
  });
});
