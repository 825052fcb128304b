import { originAllowed, TOKEN_PATTERN } from './origin';

describe('originAllowed', () => {
  const publicUrl = 'https://console.example.com';
  it('lets non-browser clients (no Origin) through to the token check', () => {
    expect(originAllowed(undefined, 'x:6080', publicUrl, [])).toBe(true);
  });
  it("accepts the proxy's own page, by Host or by public URL", () => {
    expect(originAllowed('http://10.0.0.5:6080', '10.0.0.5:6080', publicUrl, [])).toBe(true);
    expect(originAllowed('https://console.example.com', 'internal:6080', publicUrl, [])).toBe(true);
  });
  it('accepts configured dashboards and refuses every other page', () => {
    const dash = ['https://dash.example.com'];
    expect(originAllowed('https://dash.example.com', 'h:6080', publicUrl, dash)).toBe(true);
    expect(originAllowed('https://evil.example.com', 'h:6080', publicUrl, dash)).toBe(false);
    expect(originAllowed('null', 'h:6080', publicUrl, dash)).toBe(false);
    expect(originAllowed('http://console.example.com', 'h:6080', publicUrl, dash)).toBe(false);
  });
});

describe('TOKEN_PATTERN', () => {
  it('matches 32 random bytes in base64url only', () => {
    expect(TOKEN_PATTERN.test('a'.repeat(43))).toBe(true);
    expect(TOKEN_PATTERN.test('a'.repeat(42))).toBe(false);
    expect(TOKEN_PATTERN.test('a'.repeat(42) + '/')).toBe(false);
  });
});
