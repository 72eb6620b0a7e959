import type { AttrValue } from './span-row.js';

/** A tag value as Tempo's v2 tag-values API lists it. */
export interface TagValue {
  type: string;
  value: string;
}

/** A value's type as the tag-values API names it. */
export function tagValueType(v: AttrValue): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return Number.isInteger(v) ? 'int' : 'float';
}

/**
 * How a tag-values API counts a value against `max_bytes_per_tag_values_query`, as Tempo's combiners do: v1 lists
 * strings (a value's UTF-8 length; `1` and `"1"` are one value), v2 lists typed values (the type's name and the
 * value's UTF-8 length; `1` and `"1"` are two).
 */
export type TagValuesApi = 'v1' | 'v2';

/**
 * The distinct tag values of one lookup, collected while their size stays under `maxBytes` (0: unlimited) — Tempo's
 * `DistinctValue` collector behind `max_bytes_per_tag_values_query`: a value whose size would bring the total to the
 * limit or past it (a repeated one too: the check comes first, as Tempo's) ends the collection, and what was collected
 * before is the answer (Tempo answers 200 with those, no error).
 */
export class DistinctTagValues {
  /** Each value collected (v2: the value itself, so `1` and `"1"` differ; v1: its string) and its size. */
  private readonly seen = new Map<AttrValue, number>();
  private bytes = 0;
  private over = false;

  constructor(
    readonly maxBytes: number,
    private readonly api: TagValuesApi = 'v2',
  ) {}

  /** Add `v` unless already collected; true once the limit is reached (then nothing more is added: stop reading). */
  collect(v: AttrValue): boolean {
    if (this.over) return true;
    const key = this.api === 'v1' && typeof v !== 'string' ? String(v) : v;
    const known = this.seen.get(key);
    const size = known ?? Buffer.byteLength(String(key)) + (this.api === 'v2' ? tagValueType(v).length : 0);
    if (this.maxBytes > 0 && this.bytes + size >= this.maxBytes) return (this.over = true);
    if (known !== undefined) return false;
    this.seen.set(key, size);
    this.bytes += size;
    return false;
  }

  /** True once a value did not fit: the values are partial. */
  get exceeded(): boolean {
    return this.over;
  }

  /** Bytes of the values collected, as counted against the limit. */
  get size(): number {
    return this.bytes;
  }

  /** The values collected, in the order found (v1's all typed `string`). */
  values(): TagValue[] {
    return [...this.seen.keys()].map((v) => ({ type: tagValueType(v), value: String(v) }));
  }
}
