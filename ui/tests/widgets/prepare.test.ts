/** Preparing the row the clinician rests on: only a dwell, the last one, once a minute. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPreparer, DWELL_MS, PREPARED_FOR_MS } from '../../src/lib/prepare';
import { NOW } from '../fixtures/time';

describe('preparing the patient about to be opened', () => {
  let at = NOW;
  const asked: string[] = [];
  const preparer = () => createPreparer(async (ref) => void asked.push(ref), () => at);

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    at = NOW;
    asked.length = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prepares a row only when the pointer or focus rests on it, and only the last one', () => {
    const p = preparer();
    p.dwell('pas-1');
    vi.advanceTimersByTime(DWELL_MS - 1);
    p.dwell('pas-2'); // passed over pas-1
    vi.advanceTimersByTime(DWELL_MS - 1);
    expect(asked).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(asked).toEqual(['pas-2']);
  });

  it('forgets a dwell the pointer left, or when the list went away', () => {
    const p = preparer();
    p.dwell('pas-1');
    p.leave();
    p.dwell('pas-2');
    p.stop();
    vi.advanceTimersByTime(DWELL_MS * 4);
    expect(asked).toEqual([]);
  });

  it('asks for one patient at most once a minute, and at once for the next visit', () => {
    const p = preparer();
    p.now('pas-3');
    p.dwell('pas-3');
    vi.advanceTimersByTime(DWELL_MS);
    expect(asked).toEqual(['pas-3']);
    at = NOW + PREPARED_FOR_MS;
    p.dwell('pas-3');
    vi.advanceTimersByTime(DWELL_MS);
    expect(asked).toEqual(['pas-3', 'pas-3']);
  });

  it('never lets a failed preparation reach the page', async () => {
    let unhandled = 0;
    const count = () => void unhandled++;
    window.addEventListener('unhandledrejection', count);
    let calls = 0;
    const p = createPreparer(() => {
      calls++;
      return Promise.reject(new Error('busy'));
    }, () => at);
    p.now('pas-4');
    vi.useRealTimers();
    await new Promise((resolve) => setTimeout(resolve, 20));
    window.removeEventListener('unhandledrejection', count);
    // Asked once, and the failure swallowed: opening fetches the tokens itself.
    expect([calls, unhandled]).toEqual([1, 0]);
  });
});
