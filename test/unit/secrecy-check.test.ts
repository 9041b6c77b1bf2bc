import { describe, expect, it } from 'vitest';
import { findSecretLeaks } from '../support/secrecy.ts';

describe('the suite-wide secrecy check', () => {
  it('finds a plaintext password in a queued message or a log line', () => {
    expect(
      findSecretLeaks([
        { name: 'queued message', texts: ['{"payload":{"password":"password-1"}}'] },
        { name: 'log', texts: ['{"msg":"x","body":"second-pw-12"}'] },
      ]),
    ).toEqual([
      'queued message: contains the plaintext "password-1": {"payload":{"password":"password-1"}}',
      'log: contains the plaintext "second-pw-12": {"msg":"x","body":"second-pw-12"}',
    ]);
  });

  it('finds a password field a log line did not censor, and passes censored ones and queued hashes', () => {
    expect(
      findSecretLeaks([{ name: 'log', texts: ['{"passwordHash":"$2b$10$abc"}'] }]),
    ).toHaveLength(1);
    expect(
      findSecretLeaks([
        { name: 'log', texts: ['{"password":"[redacted]","passwordHash":"[redacted]"}'] },
        { name: 'queued message', texts: ['{"payload":{"passwordHash":"$2b$10$abc"}}'] },
      ]),
    ).toEqual([]);
  });
});
