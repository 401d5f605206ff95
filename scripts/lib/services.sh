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
