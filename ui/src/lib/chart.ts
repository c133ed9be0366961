/**
 * Geometry for the vital-signs chart: times and values onto an SVG's coordinates.
 * Pure, so the scales can be tested without a browser and reused by every series.
 */
import type { VitalKind } from './bindings/VitalKind';
import type { VitalPoint } from './bindings/VitalPoint';

export interface Plot {
  /** SVG polyline `points`, one "x,y" per measurement. */
  line: string;
  /** The dots (only drawn when few enough to tell apart). */
  dots: { x: number; y: number }[];
  min: number;
  max: number;
  /** The band of values that give 0 NEWS2 points, where there is one. */
  band: { y1: number; y2: number } | null;
}

/** Values scoring 0 NEWS2 points (scale 1); diastolic pressure has none. */
export const NORMAL_RANGE: Partial<Record<VitalKind, [number, number]>> = {
  respiratory_rate: [12, 20],
  spo2: [96, 100],
  systolic_bp: [111, 219],
  pulse: [51, 90],
  temperature: [36.1, 38],
};

/** Dots are drawn up to this many points; beyond, the line alone is clearer. */
export const MAX_DOTS = 120;

export function toMs(rfc3339: string): number {
  return Date.parse(rfc3339);
}

/**
 * Places `points` (oldest first) in a `width` × `height` box spanning `from`–`to`,
 * with the value axis covering the data and the normal band, padded a little.
 */
export function plot(
  points: readonly VitalPoint[],
  from: number,
  to: number,
  width: number,
  height: number,
  normal?: [number, number],
): Plot {
  const values = points.map((p) => p.value);
  let min = Math.min(...values, ...(normal ?? []));
  let max = Math.max(...values, ...(normal ?? []));
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    min = 0;
    max = 1;
  }
  const pad = (max - min) * 0.08 || 1;
  const lo = min - pad;
  const hi = max + pad;
  const span = Math.max(1, to - from);
  const x = (ms: number): number => round(((ms - from) / span) * width);
  const y = (v: number): number => round(height - ((v - lo) / (hi - lo)) * height);
  const placed = points.map((p) => ({ x: x(toMs(p.at)), y: y(p.value) }));
  return {
    line: placed.map((p) => `${p.x},${p.y}`).join(' '),
    dots: placed.length <= MAX_DOTS ? placed : [],
    min,
    max,
    band: normal ? { y1: y(normal[1]), y2: y(normal[0]) } : null,
  };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
