/** Value formatting for axes, legends and tooltips. */
export type Unit = 'short' | 'none' | 'bytes' | 'seconds' | 'percentunit' | 'reqps';

export const UNITS: { value: Unit; label: string }[] = [
  { value: 'short', label: 'Short (k, M, G)' },
  { value: 'none', label: 'None' },
  { value: 'bytes', label: 'Bytes (IEC)' },
  { value: 'seconds', label: 'Seconds' },
  { value: 'percentunit', label: 'Percent (0.0-1.0)' },
  { value: 'reqps', label: 'Requests/sec' },
];

/** Up to `digits` decimals, but three significant digits for small numbers (0.000123 stays readable). */
function trim(n: number, digits = 2): string {
  if (n !== 0 && Math.abs(n) < 1) return Number(n.toPrecision(3)).toString();
  return Number(n.toFixed(digits)).toString();
}

function scaled(v: number, base: number, suffixes: string[]): string {
  let i = 0;
  let x = Math.abs(v);
  while (x >= base && i < suffixes.length - 1) {
    x /= base;
    i++;
  }
  return `${v < 0 ? '-' : ''}${trim(x)}${suffixes[i]}`;
}

export function formatValue(v: number | null | undefined, unit: Unit): string {
  if (v === null || v === undefined) return '–';
  if (!Number.isFinite(v)) return String(v);
  switch (unit) {
    case 'none':
      return String(v);
    case 'bytes':
      return scaled(v, 1024, [' B', ' KiB', ' MiB', ' GiB', ' TiB', ' PiB']);
    case 'seconds':
      if (Math.abs(v) < 1e-3) return `${trim(v * 1e6)} µs`;
      if (Math.abs(v) < 1) return `${trim(v * 1e3)} ms`;
      if (Math.abs(v) < 60) return `${trim(v)} s`;
      if (Math.abs(v) < 3600) return `${trim(v / 60)} min`;
      return `${trim(v / 3600)} hour`;
    case 'percentunit':
      return `${trim(v * 100)}%`;
    case 'reqps':
      return `${scaled(v, 1000, ['', 'K', 'M', 'B', 'T'])} req/s`;
    default:
      return Math.abs(v) < 1000 ? trim(v, 3) : scaled(v, 1000, ['', ' K', ' Mil', ' Bil', ' Tri']);
  }
}
