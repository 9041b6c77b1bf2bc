import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { resourceDefinitions } from '../../shared/resources.ts';

/** The commands table's index of final records by message group, from resources.json. */
const BY_GROUP = resourceDefinitions.tables.commands.indexes?.find((i) => i.name === 'by-group');

export interface LaterCommand {
  commandId: string;
  sentAt: number;
}

/** What the ledger knows of a user's commands, for the redrive to keep their order. */
export class CommandHistory {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, commandsTable: string) {
    if (!BY_GROUP?.rangeKey)
      throw new Error('resources.json: the commands table has no by-group index');
    this.#client = client;
    this.#table = commandsTable;
  }

  /**
   * Commands of this message group whose messages were first sent after `sentAt` (epoch
   * ms) and that are applied or rejected (only final records are in the index), other than
   * `except` itself. A few are enough to say that a dead letter has been overtaken.
   */
  async finalSentAfter(groupId: string, sentAt: number, except?: string): Promise<LaterCommand[]> {
    const index = BY_GROUP as NonNullable<typeof BY_GROUP> & { rangeKey: { name: string } };
    const { Items = [] } = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: index.name,
        KeyConditionExpression: '#group = :group AND #sent > :sent',
        ExpressionAttributeNames: { '#group': index.hashKey.name, '#sent': index.rangeKey.name },
        ExpressionAttributeValues: { ':group': groupId, ':sent': sentAt },
        Limit: 6,
      }),
    );
    return Items.filter((item) => item.commandId !== except).map((item) => ({
      commandId: String(item.commandId),
      sentAt: Number(item.sentAt),
    }));
  }
}
