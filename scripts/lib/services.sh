# Shared by scripts/demo.sh and scripts/test.sh: make sure the toolchain and the local services exist and
# run, installing them from Debian/Ubuntu packages when absent. Meant for a developer or CI machine.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
APT_UPDATED=""

apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

ensure_toolchain() {
  if ! command -v java >/dev/null 2>&1 || ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then
    echo "installing a JDK (17+)..."
    apt_install openjdk-17-jdk-headless
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    echo "installing Maven..."
    apt_install maven
  fi
  if ! command -v curl >/dev/null 2>&1 || ! command -v jq >/dev/null 2>&1; then
    echo "installing curl and jq (the README's API tour uses them; ApiTourTest runs it)..."
    apt_install curl jq
  fi
  # npm packs the /docs page's Redoc bundle at build time; npx runs the API contract's linter in the test suite.
  if ! command -v npx >/dev/null 2>&1; then
    echo "installing Node.js and npm (API docs bundle and contract lint)..."
    apt_install nodejs npm
  fi
  if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
    echo "warning: Node.js $(node --version) is older than 20.19, which the contract lint (ContractLintTest, Redocly CLI) needs;" \
      "install a newer Node.js (e.g. from NodeSource) or that test fails" >&2
  fi
}

ensure_postgres() {
  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    echo "installing PostgreSQL..."
    apt_install postgresql
  fi
  local version
  version=$(pg_lsclusters -h | awk 'NR==1 {print $1}')
  if [ -z "$version" ]; then
    echo "no PostgreSQL cluster found (pg_lsclusters is empty)" >&2
    exit 1
  fi
  if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
    echo "starting PostgreSQL $version..."
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  # The engine and the tests connect as postgres over TCP without a password (a development set-up).
  if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    echo "allowing local TCP connections for the postgres user (trust, 127.0.0.1 only)..."
    local hba
    hba=$($SUDO -u postgres psql -tAc 'show hba_file' 2>/dev/null || echo "/etc/postgresql/$version/main/pg_hba.conf")
    $SUDO sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  fi
}

ensure_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "installing Redis..."
    apt_install redis-server
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "starting Redis..."
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
}

# scripts/bench.sh: wrk (closed loops), pgbench (ceilings; in postgresql-contrib on older releases, in the
# server package on Debian 12), the PostgreSQL 15 server binaries (its own instance), jstat (the JDK).
ensure_bench_tools() {
  if ! command -v wrk >/dev/null 2>&1; then
    echo "installing wrk..."
    apt_install wrk
  fi
  if ! command -v pgbench >/dev/null 2>&1 || [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
    echo "installing pgbench and the PostgreSQL 15 server binaries..."
    apt_install postgresql-15 postgresql-client-15
    command -v pgbench >/dev/null 2>&1 || apt_install postgresql-contrib
  fi
  if ! command -v python3 >/dev/null 2>&1; then
    apt_install python3
  fi
}

ensure_all() {
  ensure_toolchain
  ensure_postgres
  ensure_redis
}

# promtool checks and unit-tests the Prometheus alerting rules in docker/prometheus (AlertingRulesTest).
# Debian's prometheus package ships it; installing the package does not start a Prometheus server here
# (no systemd in containers), and where systemd runs we stop the one it starts: only the tool is wanted.
ensure_promtool() {
  if ! command -v promtool >/dev/null 2>&1; then
    echo "installing promtool (Debian package prometheus)..."
    apt_install prometheus
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
      $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
  fi
}
