export interface UpdateExpression {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

export interface UpdateFields {
  /** SET each field that is defined; undefined ones are skipped. */
  set: Record<string, unknown>;
  /** SET only where the item has no such attribute yet. */
  setIfAbsent?: Record<string, unknown>;
  /** Append these items to each list, making the list where the item has none yet. */
  append?: Record<string, unknown[] | undefined>;
  remove?: string[];
}

/**
 * Builds `SET #a = :a, #b = :b` from the fields that are present, as the tutorial's update
 * does, but with placeholders for names too, so no attribute name can clash with a
 * DynamoDB reserved word or inject syntax. `prefix` keeps the placeholders apart from those
 * of a condition expression on the same request.
 */
export function buildUpdateExpression(fields: UpdateFields, prefix = 'f'): UpdateExpression {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  let index = 0;
  const placeholder = (name: string, value?: unknown) => {
    const at = index++;
    names[`#${prefix}${at}`] = name;
    if (value !== undefined) values[`:${prefix}${at}`] = value;
    return at;
  };
  const assignments = [
    ...definedEntries(fields.set).map(([name, value]) => {
      const at = placeholder(name, value);
      return `#${prefix}${at} = :${prefix}${at}`;
    }),
    ...definedEntries(fields.setIfAbsent ?? {}).map(([name, value]) => {
      const at = placeholder(name, value);
      return `#${prefix}${at} = if_not_exists(#${prefix}${at}, :${prefix}${at})`;
    }),
    ...definedEntries(fields.append ?? {}).map(([name, items]) => {
      const at = placeholder(name, items);
      values[`:${prefix}${at}none`] = [];
      return `#${prefix}${at} = list_append(if_not_exists(#${prefix}${at}, :${prefix}${at}none), :${prefix}${at})`;
    }),
  ];
  if (assignments.length === 0) throw new Error('an update needs at least one field to set');
  const removals = (fields.remove ?? []).map((name) => `#${prefix}${placeholder(name)}`);
  return {
    UpdateExpression: `SET ${assignments.join(', ')}${removals.length > 0 ? ` REMOVE ${removals.join(', ')}` : ''}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

function definedEntries(fields: Record<string, unknown>): [string, unknown][] {
  return Object.entries(fields).filter(([, value]) => value !== undefined);
}
