import { describe, expect, it } from 'vitest';
import { redactEmails } from '../../shared/logger.ts';
import { captureLogs } from '../support/capture-logs.ts';

describe('the logger', () => {
  it('censors passwords, hashes and authorization headers wherever they appear', () => {
    const { log, lines } = captureLogs('unit');
    log.info(
      {
        password: 'p1',
        body: { password: 'p2' },
        payload: { passwordHash: '$2b$10$x' },
        req: { headers: { authorization: 'Bearer t' } },
      },
      'x',
    );
    expect(lines[0]).not.toMatch(/p1|p2|\$2b\$10\$x|Bearer t/);
    expect(lines[0]).toContain('[redacted]');
  });

  it('masks email addresses in request paths, plain or URL-encoded', () => {
    expect(redactEmails('/users/ada@example.com')).toBe('/users/[email]');
    expect(redactEmails('/users/Ada%40Example.com?x=1')).toBe('/users/[email]?x=1');
    expect(redactEmails('/commands/abc-123')).toBe('/commands/abc-123');
  });
});
