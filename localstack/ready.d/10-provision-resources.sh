#!/usr/bin/env bash
# LocalStack ready.d hook: creates every table and queue of shared/resources.json, the same
# definitions `npm run provision` reads, under the same name overrides (USERS_TABLE, ...).
# LocalStack keeps no state between starts, so this runs at every start: it is idempotent,
# and any failure exits non-zero, which keeps the compose healthcheck (and so the api and
# the worker) from ever going green.
set -euo pipefail

# Init hooks get no credentials of their own; LocalStack accepts any.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION" AWS_PAGER=''
definitions="${RESOURCE_DEFINITIONS:-/etc/localstack/resources.json}"

# One line per resource, fields separated by \x1f (empty fields survive `read`, unlike tabs);
# dead-letter queues come before the queues whose redrive policy points at them.
plan="$(
  python3 - "$definitions" <<'PY'
import json, os, sys

with open(sys.argv[1]) as file:
    definitions = json.load(file)

# Each resource names the variable that renames it (as shared/config.ts reads it); empty
# counts as unset there too.
def name(kind, key):
    resource = definitions[kind][key]
    return os.environ.get(resource["nameVariable"]) or resource["name"]

def line(*fields):
    print("\x1f".join(str(field) for field in fields))

# The CreateTable request, as shared/provision.ts builds it: the hash key, on-demand or 5/5
# provisioned, and each global secondary index with its key attributes.
def create_table_input(table_name, table):
    throughput = ({"ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}
                  if table["billingMode"] == "PROVISIONED" else {})
    indexes = table.get("indexes", [])
    keys = [table["hashKey"]] + [k for i in indexes for k in (i["hashKey"], i.get("rangeKey")) if k]
    attributes = {k["name"]: k["type"] for k in keys}
    request = {
        "TableName": table_name,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in attributes.items()],
        "KeySchema": [{"AttributeName": table["hashKey"]["name"], "KeyType": "HASH"}],
        "BillingMode": table["billingMode"],
        **throughput,
    }
    if indexes:
        request["GlobalSecondaryIndexes"] = [{
            "IndexName": i["name"],
            "KeySchema": [{"AttributeName": i["hashKey"]["name"], "KeyType": "HASH"}]
                + ([{"AttributeName": i["rangeKey"]["name"], "KeyType": "RANGE"}] if i.get("rangeKey") else []),
            "Projection": {"ProjectionType": i["projection"]},
            **throughput,
        } for i in indexes]
    return json.dumps(request)

for key, table in definitions["tables"].items():
    table_name = name("tables", key)
    line("table", table_name, create_table_input(table_name, table), table.get("ttlAttribute", ""))

queues = sorted(definitions["queues"].items(), key=lambda item: "deadLetter" in item[1])
for key, queue in queues:
    dead_letter = queue.get("deadLetter")
    line("queue", name("queues", key), json.dumps(queue["attributes"]),
         name("queues", dead_letter["queue"]) if dead_letter else "",
         dead_letter["maxReceiveCount"] if dead_letter else "")
PY
)"

provision_table() {
  local name=$1 create_input=$2 ttl=$3 status
  if awslocal dynamodb describe-table --table-name "$name" >/dev/null 2>&1; then
    echo "exists      table $name"
  else
    awslocal dynamodb create-table --cli-input-json "$create_input" >/dev/null
    echo "created     table $name"
  fi
  awslocal dynamodb wait table-exists --table-name "$name"
  [[ -z $ttl ]] && return 0
  status="$(awslocal dynamodb describe-time-to-live --table-name "$name" \
    --query TimeToLiveDescription.TimeToLiveStatus --output text)"
  # Enabling TTL twice is an error on AWS, so only when it is off.
  if [[ $status != ENABLED && $status != ENABLING ]]; then
    awslocal dynamodb update-time-to-live --table-name "$name" \
      --time-to-live-specification "Enabled=true,AttributeName=$ttl" >/dev/null
    echo "ttl-enabled table $name ($ttl)"
  fi
}

queue_url() {
  awslocal sqs get-queue-url --queue-name "$1" --query QueueUrl --output text
}

provision_queue() {
  local name=$1 attributes=$2 dead_letter=$3 max_receive_count=$4 target_arn
  if queue_url "$name" >/dev/null 2>&1; then
    echo "exists      queue $name"
    return 0
  fi
  if [[ -n $dead_letter ]]; then
    target_arn="$(awslocal sqs get-queue-attributes --queue-url "$(queue_url "$dead_letter")" \
      --attribute-names QueueArn --query Attributes.QueueArn --output text)"
    attributes="$(python3 -c '
import json, sys
attributes = json.loads(sys.argv[1])
attributes["RedrivePolicy"] = json.dumps(
    {"deadLetterTargetArn": sys.argv[2], "maxReceiveCount": int(sys.argv[3])})
print(json.dumps(attributes))' "$attributes" "$target_arn" "$max_receive_count")"
  fi
  awslocal sqs create-queue --queue-name "$name" --attributes "$attributes" >/dev/null
  echo "created     queue $name"
}

while IFS=$'\x1f' read -r kind name a b c d; do
  case "$kind" in
    table) provision_table "$name" "$a" "$b" ;;
    queue) provision_queue "$name" "$a" "$b" "$c" ;;
    *) echo "unknown resource kind: $kind" >&2; exit 1 ;;
  esac
done <<<"$plan"
echo "resources ready ($definitions)"
