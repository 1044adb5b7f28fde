import { describe, expect, it } from 'vitest';
import { consoleContentSecurityPolicy, consolePage } from './serve-console.js';

const TEMPLATE = '<head>\n    <!-- broker-settings -->\n    <title>console</title></head>';

describe('the console page and its policy', () => {
  it('allows scripts and styles only from the broker, connections only to it and the issuer, and no framing', () => {
    const policy = consoleContentSecurityPolicy({
      oidc: { issuer: 'https://login.example.test/realms/x', clientId: 'c' },
    });
    expect(policy.split('; ')).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self' https://login.example.test",
        "frame-ancestors 'none'",
      ]),
    );
    expect(policy).not.toContain('unsafe');
    expect(consoleContentSecurityPolicy({ oidc: undefined })).toContain("connect-src 'self';");
  });

  it('puts the sign-in settings in meta tags, escaped', () => {
    const page = consolePage(TEMPLATE, { oidc: { issuer: 'https://login.example.test/"><script>', clientId: 'c&d' } });
    expect(page).toContain(
      '<meta name="broker-oidc-issuer" content="https://login.example.test/&quot;&gt;&lt;script&gt;">',
    );
    expect(page).toContain('<meta name="broker-oidc-client-id" content="c&amp;d">');
    expect(page).not.toContain('<script>');
    expect(consolePage(TEMPLATE, { oidc: undefined })).not.toContain('<meta');
  });
});
