#!/usr/bin/env python3
"""LocalStack healthcheck: healthy only once every ready.d hook has finished successfully.

/_localstack/health turns green before the hooks run, so it cannot gate the api and the
worker; /_localstack/init/ready reports each hook's state. No hooks at all is not healthy
either: it means the ready.d mount is missing and no resource exists.
Usage: healthcheck.py [base URL, default http://127.0.0.1:4566]
"""
import json
import sys
import urllib.request

base_url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:4566"
try:
    with urllib.request.urlopen(f"{base_url}/_localstack/init/ready", timeout=3) as response:
        stage = json.load(response)
except Exception as error:  # unreachable, not JSON, ...: all mean "not yet"
    print(f"not ready: {error}")
    sys.exit(1)

scripts = stage.get("scripts") or []
finished = all(script.get("state") == "SUCCESSFUL" for script in scripts)
if not (stage.get("completed") is True and scripts and finished):
    print(f"not ready: {json.dumps(stage)}")
    sys.exit(1)
print(f"ready: {', '.join(script.get('name', '?') for script in scripts)}")
