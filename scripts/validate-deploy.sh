#!/usr/bin/env bash
# Validates docker/ without a Docker engine or a Kubernetes cluster (none runs on our machines):
#   1. docker/compose.yml        `docker compose config -q` (v2) or `docker-compose config -q` (1.29)
#   2. docker/nginx.conf         `nginx -t` on a copy whose upstream hosts are replaced by 127.0.0.1
#   3. docker/**/*.yml, *.yaml   yamllint (syntax, duplicate keys, indentation)
#   4. docker/prometheus         `promtool check config` (with the alerting rules) and `promtool test rules`
#   5. docker/k8s                `kubectl kustomize` renders the kustomization offline
#   6. docker/k8s/*.yaml         JSON-schema validation of every object (scripts/lib/validate-k8s.mjs, with the
#                                npm packages kubernetes-models and yaml installed into target/deploy-validate)
# A missing tool skips its step and says so; any failing step fails the script. The JUnit test
# DeploymentFilesTest (part of `mvn test`) checks the cross-file facts: env names against the engine's
# configuration keys, probes, ports, selectors. See docs/deployment.md.
# Run from the repository root: scripts/validate-deploy.sh
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
failed=0
skipped=()

step() { printf '\n== %s\n' "$*"; }
ok() { echo "ok: $*"; }
fail() { echo "FAILED: $*"; failed=1; }
skip() { echo "skipped: $*"; skipped+=("$1"); }

step "compose: docker/compose.yml"
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  compose=()
fi
if (( ${#compose[@]} )); then
  if "${compose[@]}" -f docker/compose.yml --profile tools config -q; then
    ok "$("${compose[@]}" version 2>/dev/null | head -n 1): config -q, services: $("${compose[@]}" -f docker/compose.yml \
      --profile tools config --services | tr '\n' ' ')"
  else
    fail "compose config"
  fi
else
  skip "compose (neither docker compose nor docker-compose is installed; Debian: apt-get install docker-compose)"
fi

step "nginx: docker/nginx.conf"
if command -v nginx >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  # nginx -t resolves upstream host names: the compose service names exist only on the compose network.
  sed -E 's/server node[0-9]+:8080/server 127.0.0.1:8080/' docker/nginx.conf > "$tmp/nginx.conf"
  if nginx -t -q -e stderr -p "$tmp" -c "$tmp/nginx.conf" -g "pid $tmp/nginx.pid;"; then
    ok "$(nginx -v 2>&1): syntax and directives"
  else
    fail "nginx -t"
  fi
  rm -rf "$tmp"
else
  skip "nginx (not installed; Debian: apt-get install nginx-light)"
fi

step "yamllint: docker/"
if command -v yamllint >/dev/null 2>&1; then
  # Long lines and document-start markers are style, not errors, in these files.
  if yamllint -s -d '{extends: default, rules: {line-length: {max: 130}, document-start: disable,
      truthy: {check-keys: false}, comments: {min-spaces-from-content: 1}, braces: {max-spaces-inside: 1}}}' \
      docker/compose.yml docker/k8s/*.yaml docker/prometheus/*.yml docker/grafana/provisioning/*/*.yml; then
    ok "$(yamllint --version)"
  else
    fail "yamllint"
  fi
else
  skip "yamllint (not installed; Debian: apt-get install yamllint)"
fi

step "prometheus: docker/prometheus"
if command -v promtool >/dev/null 2>&1; then
  # check config also checks the rule files it loads; test rules runs the alerts' unit tests.
  if promtool check config docker/prometheus/prometheus.yml >/dev/null \
      && promtool test rules docker/prometheus/tests/*.yml >/dev/null; then
    ok "$(promtool --version 2>&1 | head -n 1): config, rules and rule unit tests"
  else
    fail "promtool"
  fi
else
  skip "promtool (not installed; Debian: apt-get install prometheus, or scripts/lib/services.sh ensure_promtool)"
fi

step "kustomize: docker/k8s"
if command -v kubectl >/dev/null 2>&1; then
  if rendered=$(kubectl kustomize docker/k8s); then
    ok "kubectl $(kubectl version --client 2>/dev/null | sed -n 's/^Client Version: //p'): renders" \
      "$(grep -c '^kind:' <<< "$rendered") objects"
  else
    fail "kubectl kustomize"
  fi
else
  skip "kustomize (kubectl is not installed)"
fi

step "kubernetes schemas: docker/k8s/*.yaml"
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  dir=target/deploy-validate
  if [[ ! -d $dir/node_modules/kubernetes-models || ! -d $dir/node_modules/yaml ]]; then
    mkdir -p "$dir"
    [[ -f $dir/package.json ]] || echo '{"private": true, "type": "module"}' > "$dir/package.json"
    npm install --prefix "$dir" --no-audit --no-fund --silent kubernetes-models@5.1.0 yaml@2.9.1 >/dev/null 2>&1 \
      || { fail "npm install kubernetes-models yaml (needs the npm registry once)"; dir=; }
  fi
  if [[ -n $dir ]]; then
    # Node resolves packages from the script's own folder upwards: run a copy next to node_modules.
    cp scripts/lib/validate-k8s.mjs "$dir/"
    if node "$dir/validate-k8s.mjs" docker/k8s/*.yaml; then
      ok "kubernetes-models 5.1.0 schemas"
    else
      fail "kubernetes schemas"
    fi
  fi
else
  skip "kubernetes schemas (node and npm are not installed)"
fi

echo
if (( ${#skipped[@]} )); then
  echo "skipped steps: ${skipped[*]}"
fi
if (( failed )); then
  echo "validation FAILED"
  exit 1
fi
echo "validation passed"
