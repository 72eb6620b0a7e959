/**
 * Whether to print the banner: when stdout is a terminal, unless `SIGHTLINE_BANNER` says otherwise
 * (`1`/`true` forces it, e.g. under a process manager with a log viewer; `0`/`false` turns it off).
 */
export function wantBanner(isTTY: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.SIGHTLINE_BANNER?.toLowerCase();
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  return isTTY === true;
}
