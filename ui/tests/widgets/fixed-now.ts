/**
 * Every widget test runs at NOW. Only Date is mocked (no fake timers), so Svelte's
 * and the tests' own timers keep running.
 */
import { vi } from 'vitest';
import { NOW } from '../fixtures/time';

vi.setSystemTime(NOW);
