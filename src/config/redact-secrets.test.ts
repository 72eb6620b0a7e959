import { describe, expect, it } from 'vitest';
import { redactSecretsYaml } from './redact-secrets.js';

describe('redactSecretsYaml', () => {
  it('replaces secret values and keeps everything else, comments included', () => {
    const out = redactSecretsYaml(
      [
        '# top',
        'basic_auth: { username: u, password: p1 }',
        'tls_config: { cert_file: c.pem, key: INLINE }',
        'webhook_configs:',
        '  - url: http://h/x?token=t',
        'remote_write:',
        '  - url: http://plain/',
        '    password_file: /run/secret',
        'attributes: [{ key: http.url, action: delete }]',
        '',
      ].join('\n'),
    );
    expect(out).toContain('# top');
    expect(out).toContain('username: u');
    expect(out).not.toMatch(/p1|INLINE|token=t/);
    expect(out.match(/<secret>/g)).toHaveLength(3);
    expect(out).toContain('url: http://plain/');
    expect(out).toContain('password_file: /run/secret');
    expect(out).toContain('key: http.url');
  });

  it('withholds text that is not YAML rather than show it', () => {
    expect(redactSecretsYaml('a: [unclosed\npassword: x')).not.toContain('x\n');
    expect(redactSecretsYaml('')).toBe('');
  });
});
