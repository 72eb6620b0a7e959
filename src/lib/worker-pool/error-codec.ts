import type { AbortReason, WireError } from './protocol.js';

/** An error class a language's errors cross threads as, by its wire type. */
export type ErrorClass = new (message: string) => Error;
/** A wire type: the class its errors are recognised by, and (when its constructor is not `(message)`) how one is rebuilt. */
export type ErrorType = readonly [string, ErrorClass] | readonly [string, abstract new (...args: never[]) => Error, (message: string) => Error];

/**
 * A language's errors across threads: its abort errors (`reasonOf` tells them) as 'timeout' or 'canceled', its
 * own classes by their wire types (first match wins: list subclasses first), anything else as a plain `Error`.
 */
export function errorCodec(types: readonly ErrorType[], abortError: (reason: AbortReason) => Error, reasonOf: (e: unknown) => AbortReason | undefined) {
  return {
    toWire(e: unknown): WireError {
      const reason = reasonOf(e);
      if (reason) return { errType: reason, message: (e as Error).message };
      for (const [errType, cls] of types) if (e instanceof cls) return { errType, message: e.message };
      return { errType: null, message: e instanceof Error ? e.message : String(e) };
    },
    fromWire(w: WireError): Error {
      if (w.errType === 'timeout' || w.errType === 'canceled') return abortError(w.errType);
      const type = types.find(([t]) => t === w.errType);
      if (!type) return new Error(w.message);
      return type.length === 3 ? type[2](w.message) : new type[1](w.message);
    },
  };
}
