import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { TENANT_ID_RE, TENANT_SCOPES } from '../config/index.js';
import { hashTenantToken, newTenantToken } from '../server/index.js';

export interface CliOutput {
  stdout(s: string): void;
  stderr(s: string): void;
}

const TOKENS_USAGE = `usage: sightline tokens create --tenant ID [--tenant ID...] --scope SCOPE [--scope SCOPE...] [--name NAME]
       sightline tokens hash < token
       sightline tokens bcrypt [--user NAME] [--cost N] < password

  create  prints a new random token once (store it in the client's secret), then the server.tenant_tokens entry
          holding only its SHA-256 to add to sightline.yaml.
  hash    prints the SHA-256 of a token read from stdin (to rebuild an entry for an existing token).
  bcrypt  prints a bcrypt hash of a password read from stdin for the web configuration's basic_auth_users; the
          default cost is the smallest whose check takes at least 50 ms on this machine (about 50-150 ms).

scopes: ${TENANT_SCOPES.join(', ')}
`;

/**
 * `sightline tokens ...`: tenant-bound tokens for `server.tenant_tokens`. The configuration stores only the token's
 * SHA-256, so the token itself is shown once, here, and nowhere else. Exit 0 on success, 2 on a usage error.
 */
export function runTokens(argv: string[], out: CliOutput, stdin: () => string = () => ''): number {
  const [cmd, ...rest] = argv;
  if (cmd === 'hash') {
    const token = stdin().replace(/\r?\n$/, '');
    if (token === '') return usage(out, 'no token on stdin');
    out.stdout(`${hashTenantToken(token)}\n`);
    return 0;
  }
  if (cmd === 'bcrypt') return runBcrypt(rest, out, stdin);
  if (cmd !== 'create') return usage(out, cmd === undefined ? 'missing command' : `unknown command "${cmd}"`);
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { tenant: { type: 'string', multiple: true }, scope: { type: 'string', multiple: true }, name: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    return usage(out, (e as Error).message);
  }
  const tenants = values.tenant ?? [];
  const scopes = values.scope ?? [];
  if (tenants.length === 0) return usage(out, 'at least one --tenant is required');
  if (scopes.length === 0) return usage(out, 'at least one --scope is required');
  const badTenant = tenants.find((t) => !TENANT_ID_RE.test(t));
  if (badTenant !== undefined) return usage(out, `invalid tenant ID "${badTenant}"`);
  const badScope = scopes.find((s) => !(TENANT_SCOPES as readonly string[]).includes(s));
  if (badScope !== undefined) return usage(out, `unknown scope "${badScope}"`);
  const { token, sha256 } = newTenantToken();
  const entry = { ...(values.name ? { name: values.name } : {}), token_sha256: sha256, tenants, scopes };
  out.stdout(`token: ${token}\n`);
  out.stdout(`# add to sightline.yaml under server.tenant_tokens (the token above is not stored anywhere):\n`);
  out.stdout(stringify([entry]));
  return 0;
}

function usage(out: CliOutput, why: string): number {
  out.stderr(`sightline tokens: ${why}\n\n${TOKENS_USAGE}`);
  return 2;
}

/** The smallest bcrypt cost whose hash takes at least `minMs` here: each step doubles the work, so 50-100+ ms. */
export function calibrateBcryptCost(minMs = 50): number {
  const probe = 6;
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    bcrypt.hashSync('calibration', probe);
    times.push(performance.now() - t0);
  }
  let est = times.sort((a, b) => a - b)[1];
  let cost = probe;
  while (est < minMs && cost < 31) {
    cost++;
    est *= 2;
  }
  // The estimate from the small probe runs short (warm-up, noise): check the chosen cost and step up until it holds.
  for (;;) {
    const t0 = performance.now();
    bcrypt.hashSync('calibration', cost);
    if (performance.now() - t0 >= minMs || cost >= 31) return cost;
    cost++;
  }
}

function runBcrypt(args: string[], out: CliOutput, stdin: () => string): number {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { cost: { type: 'string' }, user: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (e) {
    return usage(out, (e as Error).message);
  }
  const password = stdin().replace(/\r?\n$/, '');
  if (password === '') return usage(out, 'no password on stdin');
  const cost = values.cost === undefined ? calibrateBcryptCost() : Number(values.cost);
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) return usage(out, `--cost must be an integer from 4 to 31`);
  const hash = bcrypt.hashSync(password, cost);
  out.stdout(values.user ? `${stringify({ [values.user]: hash })}` : `${hash}\n`);
  if (values.cost === undefined) out.stderr(`# bcrypt cost ${cost}: the smallest whose check takes at least 50 ms here\n`);
  return 0;
}
