#!/usr/bin/env bash
# npm run local:deploy | local:destroy — the `localstack` profile on LocalStack with cdklocal.
#
#   deploy:  cdklocal bootstrap, then cdklocal deploy --all (outputs in cdk.out/localstack-outputs.json)
#   destroy: cdklocal destroy --all --force
#
# Endpoint: AWS_ENDPOINT_URL (default http://localhost:4566). Region and credentials: whatever is
# exported (default us-east-1, test/test) — the same values `npm run smoke` then uses.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

action=${1:-}
shift || true
case "$action" in deploy | destroy) ;; *) echo "usage: $0 deploy|destroy [cdk options]" >&2; exit 2 ;; esac

export AWS_ENDPOINT_URL=${AWS_ENDPOINT_URL:-http://localhost:4566}
# cdklocal needs an explicit S3 endpoint next to AWS_ENDPOINT_URL. The CDK uploads assets to
# virtual-hosted bucket URLs (<bucket>.<host>), and <bucket>.localhost does not resolve everywhere;
# for an IP endpoint the SDK switches to path-style URLs, so map localhost to 127.0.0.1.
if [ -z "${AWS_ENDPOINT_URL_S3:-}" ]; then
  AWS_ENDPOINT_URL_S3=$(node -e 'const u = new URL(process.argv[1]); if (u.hostname === "localhost") u.hostname = "127.0.0.1"; console.log(u.origin)' "$AWS_ENDPOINT_URL")
  export AWS_ENDPOINT_URL_S3
fi
# cdklocal drops every AWS_* variable it is not told to keep; keep region and credentials so the
# deployment lands where `npm run smoke` looks for it.
export AWS_ENVAR_ALLOWLIST=${AWS_ENVAR_ALLOWLIST:-AWS_REGION,AWS_DEFAULT_REGION,AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY,AWS_SESSION_TOKEN}
export CDK_DISABLE_CLI_TELEMETRY=true

# The localstack profile (it uses strong cross-stack references: Export/ImportValue).
context=(-c profile=localstack)
out=cdk.out/localstack
echo "cdklocal $action: endpoint $AWS_ENDPOINT_URL (S3 $AWS_ENDPOINT_URL_S3), region ${AWS_REGION:-us-east-1}"

if [ "$action" = deploy ]; then
  npx --no-install cdklocal bootstrap --no-notices "${context[@]}" -o "$out" "$@"
  npx --no-install cdklocal deploy --all --no-notices "${context[@]}" -o "$out" --require-approval never \
    --outputs-file cdk.out/localstack-outputs.json "$@"
  echo "deployed; now: npm run smoke   (outputs also in cdk.out/localstack-outputs.json)"
else
  npx --no-install cdklocal destroy --all --force --no-notices "${context[@]}" -o "$out" "$@"
fi
