/** Go's `url.QueryEscape`: everything but `A-Za-z0-9-_.~` percent-encoded, spaces as `+`. */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
