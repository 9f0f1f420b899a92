#!/usr/bin/env python3
"""Verifies one received webhook delivery with the Standard Webhooks reference
verifier (the `standardwebhooks` package from PyPI).

Reads JSON on stdin: {"secret": "whsec_...", "headers": {name: value}, "body": "<raw body>"}.
Exits 0 and prints the verified payload's type if the signature verifies,
exits 1 with the verifier's error otherwise, 2 if the package is missing.
"""
import json
import sys

try:
    from standardwebhooks.webhooks import Webhook
except ImportError as error:  # the test names the fix
    print(f"standardwebhooks is not installed ({error}): python3 -m pip install standardwebhooks", file=sys.stderr)
    sys.exit(2)

request = json.load(sys.stdin)
try:
    payload = Webhook(request["secret"]).verify(request["body"], request["headers"])
except Exception as error:  # the verifier raises WebhookVerificationError
    print(f"does not verify: {error!r}", file=sys.stderr)
    sys.exit(1)
print(payload["type"])
