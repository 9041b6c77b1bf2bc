#!/usr/bin/env python3
"""LocalStack healthcheck: healthy only when SQS and DynamoDB really answer.

LocalStack's port opens before its services can serve. /_localstack/health reports a state
per service: ours must be `running` (or `available`: LocalStack starts it at the first call),
and each must then answer a real read, ListQueues and ListTables. DynamoDB is a Java server
that LocalStack starts beside itself; its state alone does not prove that it serves.
Usage: healthcheck.py [base URL, default http://127.0.0.1:4566]
"""
import json
import sys
import urllib.request

base_url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:4566"
READS = {"sqs": "AmazonSQS.ListQueues", "dynamodb": "DynamoDB_20120810.ListTables"}
SERVING_STATES = ("available", "running")


def fail(reason):
    print(f"not ready: {reason}")
    sys.exit(1)


def read(service, target):
    request = urllib.request.Request(
        f"{base_url}/",
        data=b"{}",
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": target,
            # LocalStack routes on the service named in the credential scope; no signature check.
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20200101/us-east-1/"
            f"{service}/aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    with urllib.request.urlopen(request, timeout=3) as response:
        json.load(response)


try:
    with urllib.request.urlopen(f"{base_url}/_localstack/health", timeout=3) as response:
        states = json.load(response).get("services") or {}
except Exception as error:  # unreachable, not JSON, ...: all mean "not yet"
    fail(error)

for service, target in READS.items():
    state = states.get(service)
    if state not in SERVING_STATES:
        fail(f"{service} is {state or 'not reported'}")
    try:
        read(service, target)
    except Exception as error:
        fail(f"{service} ({state}) does not answer {target}: {error}")
print(f"ready: {', '.join(READS)}")
