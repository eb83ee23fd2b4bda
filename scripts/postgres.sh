#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 for user postgres (the store tests use it).
# When none answers: install Debian's postgresql with apt, start its cluster, and trust local TCP
# connections of user postgres. A server that already answers is left exactly as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/apt.sh
. scripts/apt.sh

answers() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

if answers; then
  echo "postgres: a server answers on 127.0.0.1:5432"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  echo "postgres: installing Debian's postgresql"
  apt_install postgresql >/dev/null
fi

version="$(ls /etc/postgresql | sort -V | tail -n 1)"
conf="/etc/postgresql/$version/main"
if ! $sudo grep -q "heard: trust local TCP" "$conf/pg_hba.conf"; then
  # Put the rule first so that it wins over Debian's scram-sha-256 lines for 127.0.0.1.
  $sudo sed -i '1i # heard: trust local TCP connections of user postgres (tests)\nhost all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$conf/pg_hba.conf"
fi
$sudo sed -i "s/^#\?listen_addresses.*/listen_addresses = 'localhost'/" "$conf/postgresql.conf"
$sudo sed -i "s/^#\?port = .*/port = 5432/" "$conf/postgresql.conf"
$sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start || \
  $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main reload

for _ in $(seq 1 30); do
  answers && break
  sleep 1
done
answers || { echo "postgres: the server did not start" >&2; exit 1; }
psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" |
  grep -q 1 || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
echo "postgres: started PostgreSQL $version on 127.0.0.1:5432"
