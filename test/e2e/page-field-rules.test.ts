import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  EmailAddressSchema,
  FirstNameSchema,
  PasswordSchema,
} from '../../shared/contract/fields.ts';

/**
 * The page restates the API's field rules in plain JavaScript (public/js/rules.js) so people
 * see them before submitting. These checks keep the two from drifting apart: on names and
 * passwords they agree exactly; on emails the page is never stricter than the API.
 */
interface PageRules {
  checkFields(
    raw: Record<string, string>,
    optional?: string[],
  ): { values: Record<string, string>; errors: Record<string, string> };
}
const page = (await import(new URL('../../public/js/rules.js', import.meta.url).href)) as PageRules;

function verdicts(field: string, schema: z.ZodType, samples: string[]) {
  return samples.map((sample) => {
    const api = schema.safeParse(sample);
    const checked = page.checkFields({ [field]: sample });
    return {
      sample,
      api: api.success ? { ok: true, value: api.data } : { ok: false },
      page: field in checked.errors ? { ok: false } : { ok: true, value: checked.values[field] },
    };
  });
}

describe('the page’s field rules against the API’s', () => {
  it('accept and refuse the same names, trimmed the same way', () => {
    const samples = [
      '',
      '   ',
      'A',
      ' Ada ',
      'x'.repeat(100),
      'x'.repeat(101),
      ` ${'x'.repeat(100)} `,
    ];
    samples.push('é'.repeat(100), '😀'.repeat(50), '😀'.repeat(51));
    for (const { sample, api, page } of verdicts('firstName', FirstNameSchema, samples)) {
      expect(page, JSON.stringify(sample)).toEqual(api);
    }
  });

  it('accept and refuse the same passwords, counting UTF-8 bytes as the API does', () => {
    const samples = [
      '1234567',
      '12345678',
      '        ',
      'é'.repeat(4),
      'é'.repeat(36),
      'é'.repeat(37),
    ];
    samples.push(
      'x'.repeat(72),
      'x'.repeat(73),
      '😀'.repeat(18),
      '😀'.repeat(19),
      `${'x'.repeat(71)}é`,
    );
    for (const { sample, api, page } of verdicts('password', PasswordSchema, samples)) {
      expect(page, JSON.stringify(sample)).toEqual(api);
    }
  });

  it('never refuse an email the API accepts, and store it as the API will', () => {
    const samples = [
      'ada@example.com',
      ' Ada@Example.COM ',
      'a.b+c@d-e.example.org',
      `${'a'.repeat(64)}@example.com`,
    ];
    samples.push(`${'a'.repeat(60)}@${'b'.repeat(180)}.example.com`);
    const accepted = verdicts('emailAddress', EmailAddressSchema, samples);
    for (const { sample, api, page } of accepted) {
      expect(api.ok, JSON.stringify(sample)).toBe(true);
      expect(page, JSON.stringify(sample)).toEqual(api);
    }
  });

  it('refuse plainly malformed emails before they are sent, as the API would', () => {
    const samples = [
      '',
      'ada',
      'ada@',
      '@example.com',
      'a da@example.com',
      `${'a'.repeat(250)}@x.io`,
    ];
    for (const { sample, api, page } of verdicts('emailAddress', EmailAddressSchema, samples)) {
      expect({ api: api.ok, page: page.ok }, JSON.stringify(sample)).toEqual({
        api: false,
        page: false,
      });
    }
  });
});
