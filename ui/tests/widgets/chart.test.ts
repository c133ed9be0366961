/** The vital-signs chart's geometry (src/lib/chart.ts): pure, no DOM. */
import { describe, expect, it } from 'vitest';
import type { VitalPoint } from '../../src/lib/bindings/VitalPoint';
import { MAX_DOTS, NORMAL_RANGE, plot, toMs } from '../../src/lib/chart';

const WIDTH = 600;
const HEIGHT = 80;
const HOUR = 3_600_000;
const to = Date.parse('2026-11-22T12:00:00Z');
const from = to - 24 * HOUR;

/** `values` spread evenly over the period, oldest first, the last one at its end. */
function series(values: number[]): VitalPoint[] {
  return values.map((value, i) => ({
    at: new Date(from + ((i + 1) / values.length) * (to - from)).toISOString(),
    value,
  }));
}

/** The polyline's points as numbers. */
function coordinates(line: string): { x: number; y: number }[] {
  return line
    .split(' ')
    .filter(Boolean)
    .map((pair) => {
      const [x, y] = pair.split(',').map(Number);
      return { x: x ?? NaN, y: y ?? NaN };
    });
}

function expectInsideBox(points: { x: number; y: number }[]): void {
  for (const p of points) {
    expect(Number.isFinite(p.x) && Number.isFinite(p.y), JSON.stringify(p)).toBe(true);
    expect(p.x).toBeGreaterThanOrEqual(0);
    expect(p.x).toBeLessThanOrEqual(WIDTH);
    expect(p.y).toBeGreaterThanOrEqual(0);
    expect(p.y).toBeLessThanOrEqual(HEIGHT);
  }
}

describe('plot', () => {
  it('puts the oldest point left, the newest right, higher values higher, all inside the box', () => {
    const pulse = series([72, 95, 60, 88]);
    const p = plot(pulse, from, to, WIDTH, HEIGHT, NORMAL_RANGE.pulse);
    const xy = coordinates(p.line);
    expect(xy).toHaveLength(4);
    expectInsideBox(xy);
    expect(xy.map((c) => c.x)).toEqual([...xy.map((c) => c.x)].sort((a, b) => a - b));
    // The last point is at the period's end: the right edge.
    expect(xy.at(-1)?.x).toBe(WIDTH);
    expect(xy[0]?.x).toBeCloseTo(WIDTH / 4, 0);
    // SVG's y grows downwards: 95 is drawn above 60.
    expect(xy[1]!.y).toBeLessThan(xy[2]!.y);
    expect(p.dots).toEqual(xy);
    expect(p.min).toBe(51);
    expect(p.max).toBe(95);
  });

  it('places a point by its time within the period', () => {
    const at = new Date(from + 6 * HOUR).toISOString();
    const p = plot([{ at, value: 37 }], from, to, WIDTH, HEIGHT);
    expect(p.dots[0]?.x).toBe(WIDTH / 4);
    expect(toMs(at)).toBe(from + 6 * HOUR);
  });

  it('draws the normal band inside the box, the range covering both it and the data', () => {
    const temperature = series([37.2, 38.6, 39.1]);
    const p = plot(temperature, from, to, WIDTH, HEIGHT, NORMAL_RANGE.temperature);
    expect(p.band).not.toBeNull();
    const { y1, y2 } = p.band!;
    expect(y1).toBeGreaterThan(0);
    expect(y2).toBeLessThan(HEIGHT);
    // y1 is the band's top (the higher value).
    expect(y1).toBeLessThan(y2);
    expect(p.min).toBe(36.1);
    expect(p.max).toBe(39.1);
    // 39.1 lies above the band, 37.2 inside it.
    const [inside, , above] = coordinates(p.line);
    expect(above!.y).toBeLessThan(y1);
    expect(inside!.y).toBeGreaterThan(y1);
    expect(inside!.y).toBeLessThan(y2);
  });

  it('has no band where NEWS2 has no normal range', () => {
    expect(NORMAL_RANGE.diastolic_bp).toBeUndefined();
    expect(plot(series([80, 75]), from, to, WIDTH, HEIGHT, NORMAL_RANGE.diastolic_bp).band).toBeNull();
  });

  it(`draws dots for up to ${MAX_DOTS} points, the line alone beyond`, () => {
    const values = (n: number): number[] => Array.from({ length: n }, (_, i) => 90 + (i % 7));
    const many = plot(series(values(MAX_DOTS)), from, to, WIDTH, HEIGHT, NORMAL_RANGE.spo2);
    expect(many.dots).toHaveLength(MAX_DOTS);
    const tooMany = plot(series(values(MAX_DOTS + 1)), from, to, WIDTH, HEIGHT, NORMAL_RANGE.spo2);
    expect(tooMany.dots).toEqual([]);
    const line = coordinates(tooMany.line);
    expect(line).toHaveLength(MAX_DOTS + 1);
    expectInsideBox(line);
  });

  it('places a single point inside the box, without NaN', () => {
    for (const normal of [undefined, NORMAL_RANGE.pulse]) {
      const p = plot(series([70]), from, to, WIDTH, HEIGHT, normal);
      expect(p.line).not.toContain('NaN');
      expectInsideBox(coordinates(p.line));
      expect(p.dots).toHaveLength(1);
    }
    // A single value and no band: the range is that value, still a line of its own.
    const alone = plot(series([70]), from, to, WIDTH, HEIGHT);
    expect([alone.min, alone.max]).toEqual([70, 70]);
    expect(alone.dots[0]?.y).toBe(HEIGHT / 2);
  });

  it('gives an empty series an empty line and a finite range', () => {
    for (const normal of [undefined, NORMAL_RANGE.respiratory_rate]) {
      const p = plot([], from, to, WIDTH, HEIGHT, normal);
      expect(p.line).toBe('');
      expect(p.dots).toEqual([]);
      expect(Number.isFinite(p.min) && Number.isFinite(p.max)).toBe(true);
      if (p.band) expect(Number.isNaN(p.band.y1) || Number.isNaN(p.band.y2)).toBe(false);
    }
  });

  it('copes with a period of no length (from = to)', () => {
    const p = plot(series([1, 2]), to, to, WIDTH, HEIGHT);
    expect(p.line).not.toContain('NaN');
    expect(p.line).not.toContain('Infinity');
  });
});
