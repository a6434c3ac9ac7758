#!/usr/bin/env bash
# Runs one command against a throwaway PostgreSQL cluster, then stops the cluster and deletes it.
#
#   scripts/with-postgres.sh dotnet test tests/Parley.Tests --filter FullyQualifiedName~Inbox
#
# The command sees PARLEY_TEST_POSTGRES="Host=127.0.0.1;Port=<port>;Username=postgres;Database=postgres".
# The cluster lives in a temp directory (data, unix socket, log), listens on 127.0.0.1 only, on the
# first free port from 55432 (PARLEY_PG_PORT to start elsewhere), with trust authentication and
# fsync off (PARLEY_PG_DURABLE=1 keeps PostgreSQL's durable defaults, for benchmarks). It is stopped
# and deleted when the command ends, fails or is interrupted; clusters left behind by a run that was
# killed outright are removed by the next run. As root, the server runs as the postgres OS user (initdb
# refuses root). Needs Debian's postgresql package (./test.sh installs it).
set -euo pipefail

if (($# == 0)); then
    echo "usage: $0 command [args...]" >&2
    exit 2
fi

pg_bin=${PARLEY_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)}
for tool in initdb pg_ctl pg_isready postgres; do
    if [[ ! -x ${pg_bin:-/nonexistent}/$tool ]]; then
        echo "with-postgres: no $tool under /usr/lib/postgresql/*/bin; install Debian's postgresql package (./test.sh does)" >&2
        exit 1
    fi
done

is_root() { [[ $(id -u) -eq 0 ]]; }
# PostgreSQL's own tools, as the postgres OS user when we are root, from inside the cluster directory
# (the postgres user may not be allowed into the current one).
as_pg() {
    local dir=$1; shift
    if is_root; then (cd "$dir" && runuser -u postgres -- "$@"); else (cd "$dir" && "$@"); fi
}

stop_cluster() { # dir
    local dir=$1 pid
    if [[ -f $dir/data/postmaster.pid ]]; then
        as_pg "$dir" "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w -t 20 stop >/dev/null 2>&1 || true
    fi
    if [[ -f $dir/data/postmaster.pid ]]; then
        # pg_ctl gave up: end that server by its own pid, if it is still this cluster's postmaster.
        pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
        if [[ $pid =~ ^[0-9]+$ ]] && grep -qaF -- "$dir/data" "/proc/$pid/cmdline" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$dir"
}

tmp_root=/tmp
is_root || tmp_root=${TMPDIR:-/tmp}

# Clusters whose run is gone (killed with SIGKILL, machine lost power): stop and delete them.
for old in "$tmp_root"/parley-pg.*; do
    [[ -f $old/owner && -O $old/owner ]] || continue
    owner=$(<"$old/owner")
    [[ $owner =~ ^[0-9]+$ && ! -d /proc/$owner ]] || continue
    echo "with-postgres: removing a cluster left behind by run $owner ($old)" >&2
    stop_cluster "$old"
done

dir=$(mktemp -d "$tmp_root/parley-pg.XXXXXX")
echo $$ >"$dir/owner"
cleanup() { stop_cluster "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
is_root && chown postgres:postgres "$dir"

if ! as_pg "$dir" "$pg_bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$dir/initdb.log" 2>&1; then
    echo "with-postgres: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    exit 1
fi

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Tests need no durability; a benchmark of what Parley acknowledges only after a commit does.
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[[ ${PARLEY_PG_DURABLE:-0} == 1 ]] && durability=
first=${PARLEY_PG_PORT:-55432}
port=""
for ((candidate = first; candidate < first + 100; candidate++)); do
    in_use "$candidate" && continue
    log="$dir/server-$candidate.log"
    if as_pg "$dir" "$pg_bin/pg_ctl" -D "$dir/data" -l "$log" -w -t 60 -s start -o \
        "-p $candidate -k $dir -c listen_addresses=127.0.0.1 $durability -c max_connections=200" \
        >/dev/null 2>&1; then
        port=$candidate
        break
    fi
    # Another process took the port between the check and the start: try the next one.
    grep -q "could not bind\|Address already in use" "$log" 2>/dev/null && continue
    echo "with-postgres: PostgreSQL did not start:" >&2
    cat "$log" >&2 || true
    exit 1
done
if [[ -z $port ]]; then
    echo "with-postgres: no free port in $first..$((first + 99))" >&2
    exit 1
fi

for ((i = 0; ; i++)); do
    "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres && break
    if ((i >= 120)); then
        echo "with-postgres: PostgreSQL on port $port did not answer within 60s" >&2
        exit 1
    fi
    sleep 0.5
done

echo "with-postgres: PostgreSQL $("$pg_bin/postgres" -V | awk '{print $3}') on 127.0.0.1:$port ($dir)" >&2
export PARLEY_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
status=0
"$@" || status=$?
exit "$status"
