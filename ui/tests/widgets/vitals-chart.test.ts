/** VitalsChart fetches its history itself: `api.vitalsHistory` is stubbed per test. */
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import VitalsChart from '../../src/components/patient/VitalsChart.svelte';
import { api } from '../../src/lib/api';
import type { VitalsHistory } from '../../src/lib/bindings/VitalsHistory';
import type { VitalsPeriod } from '../../src/lib/bindings/VitalsPeriod';
import { patientRecord, vitalsHistory } from '../fixtures/patient';
import { shownDateTime } from '../fixtures/time';
import { wardWorklist } from '../fixtures/worklists';
import { liveProps } from './live.svelte';
import { press, render, textOf } from './render';

const record = () => patientRecord(wardWorklist().entries[0]!);

afterEach(() => {
  vi.restoreAllMocks();
});

/** An answer the test releases when it wants. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function chart() {
  const onSessionEnded = vi.fn();
  const props = liveProps({ version: 0, onSessionEnded });
  return { r: render(VitalsChart, props), props, onSessionEnded };
}

const radio = (r: ReturnType<typeof chart>['r'], period: VitalsPeriod) =>
  r.get(`chart-period-${period}`) as HTMLInputElement;
/** The radio buttons are hidden behind their labels, which are what one clicks. */
const periodLabel = (r: ReturnType<typeof chart>['r'], period: VitalsPeriod) =>
  radio(r, period).closest('label') as HTMLLabelElement;

describe('VitalsChart', () => {
  it('says it is loading until the history comes, a month being asked first', () => {
    const history = vi.spyOn(api, 'vitalsHistory').mockReturnValue(new Promise<VitalsHistory>(() => {}));
    const { r } = chart();
    expect(history).toHaveBeenCalledExactlyOnceWith('month');
    expect(radio(r, 'month').checked).toBe(true);
    const loading = r.target.querySelector('.loading');
    expect(textOf(loading)).toBe('Henter vitale parametre …');
    expect(loading?.getAttribute('role')).toBe('status');
    expect(r.query('chart-body')).toBeNull();
    expect(textOf(r.target.querySelector('h2'))).toBe('Vitale parametre over tid');
  });

  it('shows an error with a retry that asks again', async () => {
    const history = vi
      .spyOn(api, 'vitalsHistory')
      .mockRejectedValueOnce({ code: 'service_unavailable', detail: 'platform unreachable' })
      .mockImplementation((period) => Promise.resolve(vitalsHistory(record(), period)));
    const { r, onSessionEnded } = chart();
    await expect.poll(() => r.query('chart-error')).not.toBeNull();
    const error = r.get('chart-error');
    expect(error.dataset.errorCode).toBe('service_unavailable');
    expect(error.getAttribute('role')).toBe('alert');
    expect(r.query('chart-body')).toBeNull();
    const retry = error.querySelector('button') as HTMLButtonElement;
    expect(textOf(retry)).toBe('Prøv igjen');
    await userEvent.click(retry);
    await expect.poll(() => r.query('chart-body')).not.toBeNull();
    expect(r.query('chart-error')).toBeNull();
    expect(history.mock.calls).toEqual([['month'], ['month']]);
    expect(onSessionEnded).not.toHaveBeenCalled();
  });

  it('hands a session error to the app instead of showing it', async () => {
    vi.spyOn(api, 'vitalsHistory').mockRejectedValue({ code: 'session_expired', detail: '' });
    const { r, onSessionEnded } = chart();
    await expect.poll(() => onSessionEnded.mock.calls.length).toBe(1);
    expect(onSessionEnded).toHaveBeenCalledWith({ code: 'session_expired', detail: '' });
    expect(r.query('chart-error')).toBeNull();
  });

  it('says there were no measurements in the period', async () => {
    vi.spyOn(api, 'vitalsHistory').mockImplementation((period) =>
      Promise.resolve({ ...vitalsHistory(record(), period), series: [], news2: [] }),
    );
    const { r } = chart();
    await expect.poll(() => r.query('chart-empty')).not.toBeNull();
    expect(textOf(r.get('chart-empty'))).toBe('Ingen målinger i perioden.');
    expect(r.query('chart-series')).toBeNull();
    expect(r.query('chart-table-toggle')).toBeNull();
  });

  it('draws one figure per vital sign, NEWS2 first, each named with its count and range', async () => {
    const answer = vitalsHistory(record(), 'month');
    vi.spyOn(api, 'vitalsHistory').mockResolvedValue(answer);
    const { r } = chart();
    await expect.poll(() => r.query('chart-body')).not.toBeNull();
    const body = r.get('chart-body');
    const figures = [...body.querySelectorAll('figure')];
    expect(figures[0]?.dataset.testid).toBe('chart-news2');
    expect(r.all('chart-series').map((f) => f.dataset.kind)).toEqual(answer.series.map((s) => s.kind));
    expect(figures).toHaveLength(answer.series.length + 1);
    expect(body.dataset.points).toBe(String(answer.news2.length));

    const news2 = r.get('chart-news2');
    expect(textOf(news2.querySelector('figcaption'))).toBe('NEWS2 3');
    expect(news2.querySelector('svg')?.getAttribute('role')).toBe('img');
    expect(news2.querySelector('svg')?.getAttribute('aria-label')).toBe('NEWS2 over perioden: 7 målinger, siste 3.');

    const pulse = r.all('chart-series').find((f) => f.dataset.kind === 'pulse') as HTMLElement;
    expect(pulse.dataset.count).toBe('7');
    expect(pulse.querySelector('svg')?.getAttribute('aria-label')).toMatch(/^Puls: 7 målinger mellom 51 og \d+\.$/);
    expect(textOf(pulse.querySelector('figcaption'))).toContain('88');
    // Dots for every point, a normal band where NEWS2 has one, none for diastolic.
    expect(pulse.querySelectorAll('.dot')).toHaveLength(7);
    expect(pulse.querySelector('.band')).not.toBeNull();
    const diastolic = r.all('chart-series').find((f) => f.dataset.kind === 'diastolic_bp');
    expect(diastolic?.querySelector('.band')).toBeNull();
    for (const line of body.querySelectorAll('polyline')) expect(line.getAttribute('points')).not.toContain('NaN');
    expect(r.get('chart-table-toggle')).not.toBeNull();
  });

  it('asks for the period chosen and shows its answer, never a slower earlier one', async () => {
    const month = deferred<VitalsHistory>();
    const history = vi
      .spyOn(api, 'vitalsHistory')
      .mockReturnValueOnce(month.promise)
      .mockImplementation((period) => {
        const answer = vitalsHistory(record(), period);
        // The week has fewer sets.
        return Promise.resolve({ ...answer, news2: answer.news2.slice(-3) });
      });
    const { r } = chart();
    press(periodLabel(r, 'week'));
    expect(radio(r, 'week').checked).toBe(true);
    expect(history.mock.calls).toEqual([['month'], ['week']]);
    await expect.poll(() => r.query('chart-body')?.dataset.points).toBe('3');
    // The month's answer comes late: it must not replace the week's.
    month.resolve(vitalsHistory(record(), 'month'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(r.get('chart-body').dataset.points).toBe('3');
    expect(r.get('chart-body').getAttribute('aria-busy')).toBe('false');

    press(periodLabel(r, 'two_years'));
    expect(history).toHaveBeenLastCalledWith('two_years');
    // The chosen period is marked for sighted users too.
    expect(radio(r, 'two_years').closest('label')?.classList.contains('chosen')).toBe(true);
    expect(radio(r, 'week').closest('label')?.classList.contains('chosen')).toBe(false);
  });

  it('changes period with the arrow keys, as a radio group does', async () => {
    const history = vi
      .spyOn(api, 'vitalsHistory')
      .mockImplementation((period) => Promise.resolve(vitalsHistory(record(), period)));
    const { r } = chart();
    radio(r, 'month').focus();
    await userEvent.keyboard('{ArrowRight}');
    expect(radio(r, 'half_year').checked).toBe(true);
    expect(document.activeElement).toBe(radio(r, 'half_year'));
    expect(history).toHaveBeenLastCalledWith('half_year');
    const legend = r.target.querySelector('fieldset legend');
    expect(legend?.textContent).toBe('Periode');
  });

  it('fetches again when the record changes', async () => {
    const history = vi
      .spyOn(api, 'vitalsHistory')
      .mockImplementation((period) => Promise.resolve(vitalsHistory(record(), period)));
    const { r, props } = chart();
    await expect.poll(() => r.query('chart-body')).not.toBeNull();
    props.version = 1;
    flushSync();
    expect(history.mock.calls).toEqual([['month'], ['month']]);
  });

  it('lists NEWS2 per set as a table, newest first, marking incomplete scores', async () => {
    const answer = vitalsHistory(record(), 'week');
    answer.news2[0] = { ...answer.news2[0]!, complete: false, total: 1 };
    vi.spyOn(api, 'vitalsHistory').mockResolvedValue(answer);
    const { r } = chart();
    await expect.poll(() => r.query('chart-table-toggle')).not.toBeNull();
    const details = r.get('chart-table-toggle').closest('details') as HTMLDetailsElement;
    expect(details.open).toBe(false);
    press(r.get('chart-table-toggle'));
    expect(details.open).toBe(true);
    const region = details.querySelector('[role="region"]') as HTMLElement;
    expect(region.getAttribute('aria-label')).toBe('NEWS2 per måling');
    expect(region.tabIndex).toBe(0);
    const rows = [...r.get('chart-table').querySelectorAll('tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map(textOf),
    );
    expect(rows).toHaveLength(answer.news2.length);
    expect(rows.map((row) => row[1])).toEqual(
      [...answer.news2].reverse().map((p) => (p.complete ? String(p.total) : `${p.total} (ufullstendig)`)),
    );
    expect(rows.at(-1)?.[1]).toBe('1 (ufullstendig)');
    // Newest first: the times go backwards.
    const times = [...answer.news2].reverse().map((p) => Date.parse(p.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(rows.map((row) => row[0])).toEqual([...answer.news2].reverse().map((p) => shownDateTime(p.at)));
    // The period's ends under the charts.
    expect([...r.target.querySelectorAll('.axis span')].map(textOf)).toEqual([
      shownDateTime(answer.from),
      shownDateTime(answer.to),
    ]);
  });
});
