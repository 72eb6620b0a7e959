import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { sightlineConfigSchema, webConfigSchema } from '../config/index.js';
import { TenantTokens, WebConfig } from '../server/index.js';
import { calibrateBcryptCost, runTokens } from './tokens.js';

function run(argv: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const code = runTokens(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, () => stdin);
  return { code, stdout, stderr };
}

describe('sightline tokens', () => {
  it('create prints a token once and a config entry that authenticates exactly that token', () => {
    const r = run(['create', '--tenant', 'team-a', '--tenant', 'team-b', '--scope', 'logs:write', '--scope', 'metrics:read', '--name', 'ci']);
    expect(r.code).toBe(0);
    const token = /^token: (\S+)$/m.exec(r.stdout)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const yamlPart = r.stdout.slice(r.stdout.indexOf('\n', r.stdout.indexOf('# add')) + 1);
    expect(yamlPart).not.toContain(token!);
    const entries = parse(yamlPart) as unknown[];
    // the printed entry is valid configuration as printed
    const { server } = sightlineConfigSchema.parse({ server: { tenant_tokens: entries } });
    const tokens = new TenantTokens(server.tenant_tokens);
    const p = tokens.authenticate(`Bearer ${token}`);
    expect(p?.name).toBe('ci');
    expect(p?.tenants).toEqual(['team-a', 'team-b']);
    expect([...(p?.scopes ?? [])].sort()).toEqual(['logs:write', 'metrics:read']);
    expect(tokens.authenticate(`Bearer ${token}x`)).toBeUndefined();
    // a second token differs
    expect(/^token: (\S+)$/m.exec(run(['create', '--tenant', 'a', '--scope', 'admin']).stdout)?.[1]).not.toBe(token);
  });

  it('hash gives the SHA-256 the configuration stores', () => {
    const r = run(['hash'], 'secret-token\n');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('930bbdc51b6aed5c2a5678fd6e28dee7a05e8a4b643cfc0b4427c3efb86c0d94'); // printf secret-token | sha256sum
    const tokens = new TenantTokens([{ token_sha256: r.stdout.trim(), tenants: ['t'], scopes: ['admin'] }]);
    expect(tokens.authenticate('Basic ' + Buffer.from('any:secret-token').toString('base64'))?.tenants).toEqual(['t']);
  });

  it('bcrypt prints a hash the web configuration accepts and checks, at the given or calibrated cost', async () => {
    const r = run(['bcrypt', '--cost', '4', '--user', 'alice'], 'wonderland\n');
    expect(r.code).toBe(0);
    const users = parse(r.stdout) as Record<string, string>;
    expect(users.alice).toMatch(/^\$2[aby]\$04\$/);
    const web = new WebConfig(webConfigSchema.parse({ basic_auth_users: users }));
    expect(await web.checkBasicAuth('Basic ' + Buffer.from('alice:wonderland').toString('base64'))).toBe(true);
    expect(await web.checkBasicAuth('Basic ' + Buffer.from('alice:wonderlanD').toString('base64'))).toBe(false);
    const cost = calibrateBcryptCost();
    expect(cost).toBeGreaterThanOrEqual(6);
    expect(run(['bcrypt', '--cost', '3'], 'pw\n').code).toBe(2);
    expect(run(['bcrypt'], '').code).toBe(2);
  });

  it.each([
    [['create', '--scope', 'admin'], /at least one --tenant/],
    [['create', '--tenant', 't'], /at least one --scope/],
    [['create', '--tenant', 'bad/tenant', '--scope', 'admin'], /invalid tenant ID "bad\/tenant"/],
    [['create', '--tenant', 't', '--scope', 'logs:delete'], /unknown scope "logs:delete"/],
    [['create', '--tenant', 't', '--scope', 'admin', '--bogus'], /Unknown option '--bogus'/],
    [['revoke'], /unknown command "revoke"/],
    [[], /missing command/],
    [['hash'], /no token on stdin/],
  ])('refuses %j with exit 2 and usage', (argv, msg) => {
    const r = run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).toContain('usage: sightline tokens');
    expect(r.stdout).toBe('');
  });
});
