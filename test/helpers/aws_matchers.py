"""Matches EventBridge patterns and SNS filter policies with moto's implementations.

Reads a JSON list of cases on stdin and prints a JSON list of booleans:
  {"kind": "event", "pattern": {...}, "event": {...}}
  {"kind": "sns", "policy": {...}, "scope": "MessageAttributes" | "MessageBody",
   "attributes": {"status": {"Type": "String", "Value": "PAID"}}, "body": "..."}
"""
import json
import sys

from moto.events.models import EventPattern
from moto.sns.utils import FilterPolicyMatcher


def match(case):
    if case["kind"] == "event":
        return EventPattern.load(json.dumps(case["pattern"])).matches_event(case["event"])
    if case["kind"] == "sns":
        matcher = FilterPolicyMatcher(case["policy"], case.get("scope", "MessageAttributes"))
        return matcher.matches(case.get("attributes", {}), case.get("body", ""))
    raise ValueError(f"unknown case kind: {case['kind']}")


print(json.dumps([match(c) for c in json.load(sys.stdin)]))
