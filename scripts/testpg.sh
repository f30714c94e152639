#!/usr/bin/env bash
# testpg.sh COMMAND [ARG...] runs COMMAND with a throwaway PostgreSQL cluster
# and CLOISON_TEST_DATABASE_URL pointing at it, then stops the cluster and
# removes it, whatever COMMAND did.
#
# The cluster lives in a temporary directory, listens only on a Unix socket
# in that directory (no TCP port to collide with another run or another
# engineer's), trusts whoever can reach the socket (only the owner of the
# directory and root can), and runs without fsync: its data is thrown away,
# so nothing is lost by not waiting for the disk. With TESTPG_DURABLE=1 it
# keeps PostgreSQL's defaults instead (fsync, synchronous_commit and
# full_page_writes on): a benchmark (make bench DATABASE=postgres) must pay
# for durable commits as a real server does, or it flatters PostgreSQL
# against SQLite, which the store runs with its durable settings.
#
# Besides CLOISON_TEST_DATABASE_URL the command gets CLOISON_TEST_PGDATA, the
# cluster's data directory (its postmaster.pid names the server process,
# whose CPU the benchmark counts with cloison's).
#
# When CLOISON_TEST_DATABASE_URL is already set (a server of one's own), the
# command runs against it and no cluster is started.
#
# The binaries come from Debian's postgresql package: installed with apt-get
# when missing and running as root, as `make test` does for Chromium;
# otherwise the script says what to install and fails. initdb refuses to run
# as root, so as root the cluster belongs to the postgres user the package
# creates.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi
if [ -n "${CLOISON_TEST_DATABASE_URL:-}" ]; then
  exec "$@"
fi

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bin=$(bindir)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's postgresql for the PostgreSQL tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin=$(bindir)
  fi
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "The PostgreSQL tests need PostgreSQL's server binaries (initdb, pg_ctl, postgres) under /usr/lib/postgresql/*/bin."
    echo "Install them with: sudo apt-get install postgresql   (Debian/Ubuntu)"
    echo "or point CLOISON_TEST_DATABASE_URL=postgres://… at a server where the user may create databases."
    exit 1
  fi
fi

as=()
if [ "$(id -u)" = 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "Running as root, the throwaway cluster needs the postgres user Debian's postgresql package creates." >&2
    exit 1
  fi
  as=(runuser -u postgres --)
fi

# /tmp rather than $TMPDIR: a Unix socket's path must stay under ~100 bytes.
dir=$(mktemp -d /tmp/cloison-pg.XXXXXX)
[ ${#as[@]} -eq 0 ] || chown postgres: "$dir"
chmod 700 "$dir"
stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

# C.UTF-8: lower() and upper() know accented letters (with the C locale they
# only change ASCII), and sorting does not depend on the machine's locale.
if ! "${as[@]}" "$bin/initdb" -D "$dir/data" -U cloison -A trust -E UTF8 --locale=C.UTF-8 --no-sync --no-instructions >"$dir/initdb.log" 2>&1; then
  cat "$dir/initdb.log" >&2
  exit 1
fi
opts="-c listen_addresses='' -k $dir -c max_connections=400"
if [ "${TESTPG_DURABLE:-}" != 1 ]; then
  opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi
if ! "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s start -o "$opts"; then
  cat "$dir/server.log" >&2
  exit 1
fi

export CLOISON_TEST_DATABASE_URL="postgres://cloison@/postgres?host=$dir"
export CLOISON_TEST_PGDATA="$dir/data"
# Not exec: the trap must stop the cluster once the command has finished.
set +e
"$@"
status=$?
set -e
exit $status
