import { describe, expect, it } from 'vitest';
import { buildUpdateExpression } from '../../worker/update-expression.ts';

describe('the update expression', () => {
  it('sets only the fields that are given, through name and value placeholders', () => {
    expect(
      buildUpdateExpression({ set: { firstName: 'Ada', lastName: undefined, dateUpdated: 'now' } }),
    ).toEqual({
      UpdateExpression: 'SET #f0 = :f0, #f1 = :f1',
      ExpressionAttributeNames: { '#f0': 'firstName', '#f1': 'dateUpdated' },
      ExpressionAttributeValues: { ':f0': 'Ada', ':f1': 'now' },
    });
  });

  it('sets where absent and removes, with a prefix of its own', () => {
    expect(
      buildUpdateExpression(
        { set: { status: 'invalid' }, setIfAbsent: { fingerprint: 'h' }, remove: ['failure'] },
        'r',
      ),
    ).toEqual({
      UpdateExpression: 'SET #r0 = :r0, #r1 = if_not_exists(#r1, :r1) REMOVE #r2',
      ExpressionAttributeNames: { '#r0': 'status', '#r1': 'fingerprint', '#r2': 'failure' },
      ExpressionAttributeValues: { ':r0': 'invalid', ':r1': 'h' },
    });
  });

  it('appends to a list, making it where the item has none, and skips an undefined one', () => {
    expect(
      buildUpdateExpression({
        set: { attempts: 2 },
        append: { attemptHistory: [{ attempt: 2 }], other: undefined },
      }),
    ).toEqual({
      UpdateExpression: 'SET #f0 = :f0, #f1 = list_append(if_not_exists(#f1, :f1none), :f1)',
      ExpressionAttributeNames: { '#f0': 'attempts', '#f1': 'attemptHistory' },
      ExpressionAttributeValues: { ':f0': 2, ':f1': [{ attempt: 2 }], ':f1none': [] },
    });
  });

  it('refuses to build an update that sets nothing', () => {
    expect(() => buildUpdateExpression({ set: { firstName: undefined } })).toThrow(
      'an update needs at least one field to set',
    );
  });

  it('removes several attributes, and sets where absent only what is defined', () => {
    // Act
    const update = buildUpdateExpression({
      set: {},
      setIfAbsent: { fingerprint: 'h', messageHash: undefined },
      remove: ['failure', 'reason'],
    });

    // Assess
    expect(update).toEqual({
      UpdateExpression: 'SET #f0 = if_not_exists(#f0, :f0) REMOVE #f1, #f2',
      ExpressionAttributeNames: { '#f0': 'fingerprint', '#f1': 'failure', '#f2': 'reason' },
      ExpressionAttributeValues: { ':f0': 'h' },
    });
  });

  it('keeps falsy values that are defined, and names that are reserved words', () => {
    // Act
    const update = buildUpdateExpression({ set: { status: '', attempts: 0, deleted: false } });

    // Assess
    expect(update).toEqual({
      UpdateExpression: 'SET #f0 = :f0, #f1 = :f1, #f2 = :f2',
      ExpressionAttributeNames: { '#f0': 'status', '#f1': 'attempts', '#f2': 'deleted' },
      ExpressionAttributeValues: { ':f0': '', ':f1': 0, ':f2': false },
    });
  });
});
