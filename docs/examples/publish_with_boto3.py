#!/usr/bin/env python3
"""Publish user commands straight to the user-commands.fifo queue with boto3.

    HASH=$(node -e "console.log(require('bcryptjs').hashSync('correct horse battery', 10))")
    python3 docs/examples/publish_with_boto3.py create grace@example.com \\
        --first-name Grace --last-name Hopper --password-hash "$HASH"
    python3 docs/examples/publish_with_boto3.py update grace@example.com --last-name 'Murray Hopper'
    python3 docs/examples/publish_with_boto3.py delete grace@example.com

Each call sends one command and prints its id, then its outcome as the API reports it.
The defaults fit `npm run dev`. Elsewhere set QUEUE_URL, API_URL (empty: do not wait for
the outcome) and SQS_ENDPOINT (empty on real AWS); credentials and region come from the
usual AWS settings (with an endpoint and no credentials, it uses the emulator's `test`). boto3 must speak SQS's JSON protocol (botocore 1.34.90 or later) to
talk to the embedded emulator; real SQS accepts both protocols.

The queue carries a bcrypt hash, never a password: pass --password-hash or PASSWORD_HASH.
"""

import argparse
import hashlib
import json
import os
import sys
import urllib.request
import uuid
from datetime import datetime, timezone

import boto3

SQS_ENDPOINT = os.environ.get("SQS_ENDPOINT", "http://127.0.0.1:9324")
QUEUE_URL = os.environ.get(
    "QUEUE_URL", "http://127.0.0.1:9324/000000000000/user-commands.fifo"
)
API_URL = os.environ.get("API_URL", "http://127.0.0.1:5000")


def normalize_email(email):
    """The user key: trimmed and lower-cased, as the service normalizes it."""
    return email.strip().lower()


def message_group_id(email):
    """One group per user keeps a user's commands in order: SHA-256 of the normalized email."""
    return hashlib.sha256(normalize_email(email).encode("utf-8")).hexdigest()


def build_command(command_type, payload):
    return {
        "schemaVersion": 1,
        # The idempotency key: publish a retry with the same id and it is applied once.
        "commandId": str(uuid.uuid4()),
        "type": command_type,
        # Becomes the user's dateCreated/dateUpdated.
        "issuedAt": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "payload": payload,
    }


def publish(sqs, command):
    sqs.send_message(
        QueueUrl=QUEUE_URL,
        MessageBody=json.dumps(command),
        MessageGroupId=message_group_id(command["payload"]["emailAddress"]),
        MessageDeduplicationId=command["commandId"],
    )


def wait_for_outcome(command_id, seconds=5):
    """GET /commands/{id}?waitSeconds=: answers once the worker has settled the command."""
    url = f"{API_URL}/commands/{command_id}?waitSeconds={seconds}"
    with urllib.request.urlopen(url, timeout=seconds + 5) as response:
        return json.load(response)


def payload_from(args):
    payload = {"emailAddress": normalize_email(args.email)}
    if args.command == "delete":
        return payload
    for field, value in (("firstName", args.first_name), ("lastName", args.last_name)):
        if value is not None:
            payload[field] = value
    password_hash = args.password_hash or os.environ.get("PASSWORD_HASH")
    if password_hash:
        payload["passwordHash"] = password_hash
    return payload


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Publish one user command to the queue.")
    parser.add_argument("command", choices=["create", "update", "delete"])
    parser.add_argument("email")
    parser.add_argument("--first-name")
    parser.add_argument("--last-name")
    parser.add_argument("--password-hash", help="bcrypt hash (default: $PASSWORD_HASH)")
    args = parser.parse_args(argv)
    payload = payload_from(args)
    if args.command == "create" and len(payload) < 4:
        parser.error("create needs --first-name, --last-name and --password-hash")
    if args.command == "update" and len(payload) < 2:
        parser.error("update needs at least one of --first-name, --last-name, --password-hash")
    return args, payload


def sqs_client():
    session = boto3.session.Session()
    if SQS_ENDPOINT and session.get_credentials() is None:
        # An emulator takes any credentials; real AWS needs yours.
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test")
    region = session.region_name or "us-east-1"
    return session.client("sqs", endpoint_url=SQS_ENDPOINT or None, region_name=region)


def main(argv):
    args, payload = parse_args(argv)
    sqs = sqs_client()
    command = build_command(f"user.{args.command}", payload)
    publish(sqs, command)
    print(f"published {command['type']} {command['commandId']}")
    if API_URL:
        print(json.dumps(wait_for_outcome(command["commandId"])))


if __name__ == "__main__":
    main(sys.argv[1:])
