import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import bcrypt from 'bcryptjs';
import Fastify from 'fastify';
import { createDynamoDbDocumentClient } from '../shared/aws-clients.ts';
import { loadConfigOrExit } from '../shared/config.ts';

/**
 * The tutorial's design, for comparison only: check, hash and write inside the request
 * (bcryptjs on the event loop, as the tutorial does). Not part of the service.
 */
const config = loadConfigOrExit();
const dynamoDb = createDynamoDbDocumentClient(config.aws, { requestTimeoutMs: 10_000 });
const TableName = config.resources.tables.users;
const app = Fastify();

app.get('/health', async () => ({ status: 'ok' }));
app.post<{ Body: { firstName: string; lastName: string; emailAddress: string; password: string } }>(
  '/users',
  async (request, reply) => {
    const { firstName, lastName, emailAddress, password } = request.body;
    const { Item } = await dynamoDb.send(new GetCommand({ TableName, Key: { emailAddress } }));
    if (Item) return reply.code(409).send({ message: 'User already exists' });
    const passwordHash = await bcrypt.hash(password, config.env.BCRYPT_COST);
    const now = new Date().toISOString();
    await dynamoDb.send(
      new PutCommand({
        TableName,
        Item: {
          emailAddress,
          firstName,
          lastName,
          passwordHash,
          dateCreated: now,
          dateUpdated: now,
        },
      }),
    );
    return reply.code(201).send({ emailAddress });
  },
);

const url = await app.listen({ port: config.env.PORT, host: '127.0.0.1' });
// The line the harness waits for (test/harness/processes.ts); no logger, as in the tutorial.
process.stdout.write(`${JSON.stringify({ msg: `Server listening at ${url}` })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
