/**
 * How panels show numbers, as Grafana's field config does: units by Grafana's unit ids (with decimals), reductions
 * (`lastNotNull`, `mean`, ...), threshold colours with Grafana's named colours, and value mappings. Pure.
 */
import type { FieldDefaults, ThresholdStep } from './model.js';

const SI = ['', ' k', ' M', ' G', ' T', ' P', ' E'];
const SI_SMALL = ['', ' m', ' µ', ' n', ' p'];

function fixed(v: number, decimals: number | undefined): string {
  if (decimals !== undefined) return v.toFixed(Math.min(20, Math.max(0, decimals)));
  const a = Math.abs(v);
  if (a === 0) return '0';
  // Grafana-like automatic decimals: about three significant digits, no trailing zeros
  const d = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : Math.min(10, 2 - Math.floor(Math.log10(a)));
  return String(Number(v.toFixed(d)));
}

function scaledBy(v: number, base: number, suffixes: string[], decimals: number | undefined, unit = ''): string {
  let i = 0;
  let x = v;
  while (Math.abs(x) >= base && i < suffixes.length - 1) {
    x /= base;
    i++;
  }
  return `${fixed(x, decimals)}${suffixes[i]}${unit}`;
}

/** SI prefixes below 1 too (`0.005 s` is `5 ms`). */
function siUnit(v: number, unit: string, decimals: number | undefined): string {
  if (v !== 0 && Math.abs(v) < 1) {
    let x = v;
    let i = 0;
    while (Math.abs(x) < 1 && i < SI_SMALL.length - 1) {
      x *= 1000;
      i++;
    }
    return `${fixed(x, decimals)}${SI_SMALL[i]}${unit}`;
  }
  return scaledBy(v, 1000, SI.map((s) => (s === '' ? ' ' : s)), decimals, unit);
}

function duration(v: number, unitMs: number, decimals: number | undefined): string {
  const ms = v * unitMs;
  const a = Math.abs(ms);
  if (a < 1e-3) return `${fixed(ms * 1e6, decimals)} ns`;
  if (a < 1) return `${fixed(ms * 1e3, decimals)} µs`;
  if (a < 1000) return `${fixed(ms, decimals)} ms`;
  if (a < 60_000) return `${fixed(ms / 1000, decimals)} s`;
  if (a < 3_600_000) return `${fixed(ms / 60_000, decimals)} min`;
  if (a < 86_400_000) return `${fixed(ms / 3_600_000, decimals)} hour`;
  if (a < 7 * 86_400_000) return `${fixed(ms / 86_400_000, decimals)} day`;
  if (a < 365 * 86_400_000) return `${fixed(ms / (7 * 86_400_000), decimals)} week`;
  return `${fixed(ms / (365 * 86_400_000), decimals)} year`;
}

const IEC = [' B', ' KiB', ' MiB', ' GiB', ' TiB', ' PiB', ' EiB'];
const SI_BYTES = [' B', ' kB', ' MB', ' GB', ' TB', ' PB', ' EB'];
const BITS_IEC = [' b', ' Kib', ' Mib', ' Gib', ' Tib', ' Pib'];
const BITS_SI = [' b', ' kb', ' Mb', ' Gb', ' Tb', ' Pb'];

const SUFFIXED: Record<string, string> = {
  reqps: ' req/s', rps: ' rps', wps: ' wps', iops: ' io/s', ops: ' ops/s', opm: ' ops/min', rpm: ' rpm', cps: ' c/s', mps: ' msg/s',
  celsius: '°C', fahrenheit: '°F', humidity: '%H', watt: 'W', volt: 'V', amp: 'A', hertz: 'Hz', lengthm: 'm', kwatt: 'kW',
};

/** A value in a Grafana unit (`bytes`, `percent`, `s`, `reqps`, `suffix: x`, ...); unknown units become a suffix. */
export function formatUnit(v: number | null | undefined, unit: string | undefined, decimals?: number | null): string {
  if (v === null || v === undefined) return 'No data';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const d = decimals === null ? undefined : decimals;
  const u = unit ?? 'short';
  switch (u) {
    case '':
    case 'short':
      return Math.abs(v) < 1000 ? fixed(v, d) : scaledBy(v, 1000, ['', ' K', ' Mil', ' Bil', ' Tri', ' Quadr'], d);
    case 'none':
    case 'string':
      return fixed(v, d);
    case 'percent':
      return `${fixed(v, d)}%`;
    case 'percentunit':
      return `${fixed(v * 100, d)}%`;
    case 'bytes':
    case 'decbytes':
    case 'bits':
    case 'decbits':
    case 'kbytes':
    case 'mbytes':
    case 'gbytes':
    case 'deckbytes':
    case 'decmbytes':
    case 'decgbytes': {
      const mult = { kbytes: 1024, mbytes: 1024 ** 2, gbytes: 1024 ** 3, deckbytes: 1e3, decmbytes: 1e6, decgbytes: 1e9 }[u as 'kbytes'] ?? 1;
      const iec = u === 'bytes' || u === 'bits' || u === 'kbytes' || u === 'mbytes' || u === 'gbytes';
      const names = u.endsWith('bits') ? (iec ? BITS_IEC : BITS_SI) : iec ? IEC : SI_BYTES;
      return scaledBy(v * mult, iec ? 1024 : 1000, names, d);
    }
    case 'Bps':
    case 'binBps':
      return scaledBy(v, u === 'Bps' ? 1000 : 1024, (u === 'Bps' ? SI_BYTES : IEC).map((s) => `${s}/s`), d);
    case 'bps':
    case 'binbps':
      return scaledBy(v, u === 'bps' ? 1000 : 1024, (u === 'bps' ? BITS_SI : BITS_IEC).map((s) => `${s}ps`), d);
    case 's':
      return duration(v, 1000, d);
    case 'ms':
      return duration(v, 1, d);
    case 'µs':
    case 'us':
      return duration(v, 1e-3, d);
    case 'ns':
      return duration(v, 1e-6, d);
    case 'm':
      return duration(v, 60_000, d);
    case 'h':
      return duration(v, 3_600_000, d);
    case 'd':
      return duration(v, 86_400_000, d);
    case 'dtdurations':
    case 'dtdhms': {
      const s = Math.floor(Math.abs(v));
      const parts: string[] = [];
      const days = Math.floor(s / 86400);
      if (days) parts.push(`${days} day${days === 1 ? '' : 's'}`);
      const hh = Math.floor((s % 86400) / 3600);
      const mm = Math.floor((s % 3600) / 60);
      const ss = s % 60;
      if (hh) parts.push(`${hh} hour${hh === 1 ? '' : 's'}`);
      if (mm && parts.length < 2) parts.push(`${mm} minute${mm === 1 ? '' : 's'}`);
      if (parts.length === 0) parts.push(`${ss} second${ss === 1 ? '' : 's'}`);
      return parts.slice(0, 2).join(', ');
    }
    case 'dateTimeAsIso':
    case 'dateTimeAsSystem':
      return new Date(v).toISOString().replace('T', ' ').slice(0, 19);
    case 'dateTimeFromNow': {
      const s = Math.round((Date.now() - v) / 1000);
      return s < 60 ? `${s} seconds ago` : s < 3600 ? `${Math.round(s / 60)} minutes ago` : s < 86400 ? `${Math.round(s / 3600)} hours ago` : `${Math.round(s / 86400)} days ago`;
    }
    case 'bool':
      return v ? 'True' : 'False';
    case 'bool_on_off':
      return v ? 'On' : 'Off';
    case 'bool_yes_no':
      return v ? 'Yes' : 'No';
    default: {
      if (u.startsWith('suffix:')) return `${fixed(v, d)}${u.slice(7)}`;
      if (u.startsWith('prefix:')) return `${u.slice(7)}${fixed(v, d)}`;
      if (u.startsWith('si:')) return siUnit(v, u.slice(3), d);
      if (SUFFIXED[u] !== undefined) return `${Math.abs(v) < 1000 ? fixed(v, d) : scaledBy(v, 1000, ['', ' K', ' M', ' G', ' T'], d)}${SUFFIXED[u]}`;
      return `${fixed(v, d)} ${u}`;
    }
  }
}

export type Calc = 'lastNotNull' | 'last' | 'firstNotNull' | 'first' | 'mean' | 'max' | 'min' | 'sum' | 'count' | 'range' | 'delta' | 'diff' | 'median';

/** Grafana's reducers over one series' values (nulls skipped where Grafana skips them). */
export function reduce(values: readonly (number | null)[], calc: string): number | null {
  const nn = values.filter((v): v is number => v !== null && !Number.isNaN(v));
  switch (calc) {
    case 'last':
      return values.length ? values[values.length - 1]! : null;
    case 'first':
      return values.length ? values[0]! : null;
    case 'firstNotNull':
      return nn.length ? nn[0]! : null;
    case 'mean':
    case 'avg':
      return nn.length ? nn.reduce((a, b) => a + b, 0) / nn.length : null;
    case 'max':
      return nn.length ? Math.max(...nn) : null;
    case 'min':
      return nn.length ? Math.min(...nn) : null;
    case 'sum':
    case 'total':
      return nn.length ? nn.reduce((a, b) => a + b, 0) : null;
    case 'count':
      return values.length;
    case 'range':
      return nn.length ? Math.max(...nn) - Math.min(...nn) : null;
    case 'diff':
      return nn.length ? nn[nn.length - 1]! - nn[0]! : null;
    case 'delta': {
      let d = 0;
      for (let i = 1; i < nn.length; i++) d += nn[i]! >= nn[i - 1]! ? nn[i]! - nn[i - 1]! : nn[i]!;
      return nn.length ? d : null;
    }
    case 'median': {
      if (!nn.length) return null;
      const s = [...nn].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    }
    default:
      return nn.length ? nn[nn.length - 1]! : null;
  }
}

/** Grafana's named colours (the main shades) as CSS colours; anything else (hex, rgb()) is used as written. */
const NAMED: Record<string, string> = {
  green: '#73BF69', 'dark-green': '#37872D', 'semi-dark-green': '#56A64B', 'light-green': '#96D98D', 'super-light-green': '#C8F2C2',
  red: '#F2495C', 'dark-red': '#C4162A', 'semi-dark-red': '#E02F44', 'light-red': '#FF7383', 'super-light-red': '#FFA6B0',
  orange: '#FF9830', 'dark-orange': '#FA6400', 'semi-dark-orange': '#FF780A', 'light-orange': '#FFB357', 'super-light-orange': '#FFCB7D',
  yellow: '#FADE2A', 'dark-yellow': '#E0B400', 'semi-dark-yellow': '#F2CC0C', 'light-yellow': '#FFEE52', 'super-light-yellow': '#FFF899',
  blue: '#5794F2', 'dark-blue': '#1F60C4', 'semi-dark-blue': '#3274D9', 'light-blue': '#8AB8FF', 'super-light-blue': '#C0D8FF',
  purple: '#B877D9', 'dark-purple': '#8F3BB8', 'semi-dark-purple': '#A352CC', 'light-purple': '#CA95E5', 'super-light-purple': '#DEB6F2',
  text: '#CCCCDC', transparent: 'transparent',
};

export const cssColor = (c: string | undefined): string => (c === undefined ? NAMED.green! : (NAMED[c] ?? c));

/** The threshold step a value falls in (the last step whose value is at most it; the base step has value null). */
export function thresholdColor(v: number | null, steps: ThresholdStep[] | undefined, mode: string | undefined, min = 0, max = 100): string {
  const list = steps && steps.length ? steps : [{ value: null, color: 'green' }];
  if (v === null) return cssColor(list[0]!.color);
  const x = mode === 'percentage' ? ((v - min) / (max - min || 1)) * 100 : v;
  let color = list[0]!.color;
  for (const s of list) if (s.value === null || s.value === undefined || x >= s.value) color = s.color;
  return cssColor(color);
}

interface ValueMapping {
  type?: string;
  options?: Record<string, unknown>;
}

/** Grafana's value mappings (value, range, special): the mapped text and colour, if any applies. */
export function applyMappings(v: number | null, mappings: unknown[] | undefined): { text?: string; color?: string } | undefined {
  for (const m of (mappings ?? []) as ValueMapping[]) {
    const o = m.options ?? {};
    const res = (r: unknown) => {
      const x = (r ?? {}) as { text?: string; color?: string };
      return { ...(x.text !== undefined ? { text: x.text } : {}), ...(x.color ? { color: cssColor(x.color) } : {}) };
    };
    if (m.type === 'value' && v !== null) {
      const hit = o[String(v)];
      if (hit) return res(hit);
    } else if (m.type === 'range' && v !== null) {
      const from = typeof o.from === 'number' ? o.from : -Infinity;
      const to = typeof o.to === 'number' ? o.to : Infinity;
      if (v >= from && v <= to) return res(o.result);
    } else if (m.type === 'special') {
      const match = o.match;
      if ((match === 'null' || match === 'null+nan') && v === null) return res(o.result);
      if ((match === 'nan' || match === 'null+nan') && v !== null && Number.isNaN(v)) return res(o.result);
    }
  }
  return undefined;
}

/** A reduced value as a panel shows it: text with unit, and its colour from mappings or thresholds. */
export function displayValue(v: number | null, f: FieldDefaults): { text: string; color: string } {
  const mapped = applyMappings(v, f.mappings);
  const color = mapped?.color ?? (f.color?.mode === 'fixed' && f.color.fixedColor ? cssColor(f.color.fixedColor) : thresholdColor(v, f.thresholds?.steps, f.thresholds?.mode, f.min ?? 0, f.max ?? 100));
  return { text: mapped?.text ?? formatUnit(v, f.unit, f.decimals), color };
}
