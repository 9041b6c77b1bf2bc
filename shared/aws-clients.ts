import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsConfig } from './config.ts';

export interface ClientOptions {
  /** Upper bound of one HTTP call. Long-polling receivers need more than their wait time. */
  requestTimeoutMs: number;
  /** SDK attempts per call (standard retry mode, with backoff and jitter). */
  maxAttempts?: number;
  /** Only for emulators started in-process; everything else uses the standard chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const CONNECTION_TIMEOUT_MS = 1000;

/**
 * The SQS client. The endpoint is passed explicitly (never left to the environment alone)
 * and queue URLs are not used as endpoints, so queue URLs whose host does not resolve
 * (emulators, LocalStack inside compose) still work.
 */
export function createSqsClient(aws: AwsConfig, options: ClientOptions): SQSClient {
  return new SQSClient({
    region: aws.region,
    ...(aws.sqsEndpoint ? { endpoint: aws.sqsEndpoint } : {}),
    useQueueUrlAsEndpoint: false,
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs,
    },
  });
}

export function createDynamoDbClient(aws: AwsConfig, options: ClientOptions): DynamoDBClient {
  return new DynamoDBClient({
    region: aws.region,
    ...(aws.dynamoDbEndpoint ? { endpoint: aws.dynamoDbEndpoint } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs,
    },
  });
}

/** The DynamoDB document client: plain JS objects in and out, undefined values dropped. */
export function createDynamoDbDocumentClient(
  aws: AwsConfig,
  options: ClientOptions,
): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(createDynamoDbClient(aws, options), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
