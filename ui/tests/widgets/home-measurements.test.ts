import { describe, expect, it } from 'vitest';
import HomeMeasurements from '../../src/components/patient/HomeMeasurements.svelte';
import { HOSTILE, patientRecord, sourceStatus } from '../fixtures/patient';
import { hoursAgo, shownDateTime } from '../fixtures/time';
import { wardWorklist } from '../fixtures/worklists';
import { render, textOf } from './render';

const series = () => patientRecord(wardWorklist().entries[0]!).home;

describe('HomeMeasurements', () => {
  it('shows per kind the latest reading, its trend, the one before, how many and the device', () => {
    const r = render(HomeMeasurements, { series: series(), source: sourceStatus('municipal', { state: 'fresh' }) });
    const [bp, weight] = r.all('home-series');
    expect(textOf(bp?.querySelector('[data-testid="home-latest"]'))).toBe('148/92 mmHg');
    expect(bp?.dataset.trend).toBe('up');
    expect(textOf(bp)).toContain('høyere enn forrige');
    expect(textOf(bp)).toContain('139/85 mmHg');
    expect(textOf(bp)).toContain('Blodtrykksmåler (syntetisk)');
    expect(bp?.querySelector('[data-testid="item-source"]')).not.toBeNull();
    const cells = [...(bp?.querySelectorAll('td') ?? [])].map(textOf);
    expect(cells[1]).toBe(shownDateTime(series()[0]!.readings[0]!.effective));
    expect(cells[3]).toBe('3');
    // One reading: no trend, nothing before it.
    expect(weight?.dataset.trend).toBeUndefined();
    expect([...(weight?.querySelectorAll('td') ?? [])].map(textOf)[2]).toBe('–');
  });

  it('says which way a falling value went, in words as well as the arrow', () => {
    const falling = series()[0]!;
    falling.readings[0] = { value: 120, display: '120/80', effective: hoursAgo(1) };
    const r = render(HomeMeasurements, { series: [falling] });
    expect(r.get('home-series').dataset.trend).toBe('down');
    expect(r.text()).toContain('lavere enn forrige');
  });

  it('says there are none, and when they come from the saved copy', () => {
    const r = render(HomeMeasurements, { series: [], source: sourceStatus('municipal', { state: 'cached' }) });
    expect(r.text()).toContain('Ingen målinger fra velferdsteknologi de siste to ukene.');
    expect(r.get('source-notice').dataset.state).toBe('cached');
    expect(r.query('home-series')).toBeNull();
  });

  it('shows a label with markup as text', () => {
    const hostile = { ...series()[0]!, label: HOSTILE, device: HOSTILE };
    const r = render(HomeMeasurements, { series: [hostile] });
    expect(r.get('home-series').querySelector('img')).toBeNull();
    expect(r.get('home-series').querySelector('th')?.textContent).toBe(HOSTILE);
  });
});
