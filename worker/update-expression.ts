export interface UpdateExpression {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/**
 * Builds `SET #a = :a, #b = :b` from the fields that are present, as the tutorial's update
 * does, but with placeholders for names too, so no attribute name can clash with a
 * DynamoDB reserved word or inject syntax.
 */
export function buildSetExpression(fields: Record<string, unknown>): UpdateExpression {
  const present = Object.entries(fields).filter(([, value]) => value !== undefined);
  if (present.length === 0) throw new Error('buildSetExpression needs at least one field');
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const assignments = present.map(([name, value], index) => {
    names[`#f${index}`] = name;
    values[`:v${index}`] = value;
    return `#f${index} = :v${index}`;
  });
  return {
    UpdateExpression: `SET ${assignments.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
