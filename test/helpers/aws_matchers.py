"""moto's EventBridge pattern and SNS filter-policy matchers, as a referee for the TypeScript ones.

Used by scripts/check-matchers.ts (npm run test:matchers), never by jest. Reads a JSON list of
cases on stdin and prints a JSON list with, per case, true/false or {"error": "..."}:
  {"kind": "event", "pattern": {...}, "event": {...}}
  {"kind": "sns", "policy": {...}, "scope": "MessageAttributes" | "MessageBody",
   "attributes": {"status": {"Type": "String", "Value": "PAID"}}, "body": "..."}

Exits 3, saying what it needs, when moto 5.x cannot be imported.
"""
import json
import sys

try:
    import moto
    from moto.events.models import EventPattern
    from moto.sns.utils import FilterPolicyMatcher
except ImportError as error:
    print(f"needs moto 5.x importable by {sys.executable}: {error}", file=sys.stderr)
    sys.exit(3)

if not moto.__version__.startswith("5."):
    print(f"needs moto 5.x, {sys.executable} has moto {moto.__version__}", file=sys.stderr)
    sys.exit(3)


def match(case):
    if case["kind"] == "event":
        return EventPattern.load(json.dumps(case["pattern"])).matches_event(case["event"])
    if case["kind"] == "sns":
        matcher = FilterPolicyMatcher(case["policy"], case.get("scope", "MessageAttributes"))
        return matcher.matches(case.get("attributes", {}), case.get("body", ""))
    raise ValueError(f"unknown case kind: {case['kind']}")


def safe_match(case):
    try:
        return bool(match(case))
    except Exception as error:  # reported per case; the TypeScript side counts it as a disagreement
        return {"error": f"{type(error).__name__}: {error}"}


if len(sys.argv) > 1 and sys.argv[1] == "--version":
    print(json.dumps({"moto": moto.__version__, "python": sys.version.split()[0], "executable": sys.executable}))
else:
    print(json.dumps([safe_match(c) for c in json.load(sys.stdin)]))
