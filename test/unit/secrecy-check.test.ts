import { describe, expect, it } from 'vitest';
import { findEmailLeaks, findSecretLeaks } from '../support/secrecy.ts';

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

describe('the suite-wide email check', () => {
  const email = 'Grace.Hopper@example.com';
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  const base64url = (text: string) => Buffer.from(text).toString('base64url');

  it.each([
    ['plain', `{"msg":"x","url":"/users/${email}"}`],
    ['lower-cased', `{"reason":"${email.toLowerCase()} exists"}`],
    ['percent-encoded', `{"url":"/users/grace%40example.com"}`],
    ['base64', `{"cursor":"${base64(JSON.stringify({ emailAddress: email }))}"}`],
    [
      'base64url, past other characters',
      `{"url":"/users?x=1&cursor=A${base64url(`{"e":"${email}"}`)}"}`,
    ],
  ])('finds an email %s', (_kind, line) => {
    expect(findEmailLeaks([{ name: 'log', texts: [line] }])).toHaveLength(1);
  });

  it('passes lines that hold ids, hashes and masked emails only', () => {
    const clean = [
      '{"msg":"command processed","commandId":"signup-7f3a","messageId":"0f9c2f1e-3b1a-4d5e-9a8b-7c6d5e4f3a2b"}',
      `{"groupId":"${'ab12'.repeat(16)}","url":"/users/[email]","cursor":"[redacted]"}`,
      '{"passwordHash":"[redacted]","err":{"message":"connect ECONNREFUSED 127.0.0.1:9"}}',
    ];
    expect(findEmailLeaks([{ name: 'log', texts: clean }])).toEqual([]);
  });
});
