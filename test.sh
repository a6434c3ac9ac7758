#!/usr/bin/env bash
# Runs Parley's whole test suite as CI does: format check, build, the suite on SQLite, the same suite
# on a throwaway PostgreSQL cluster, and the browser tests in headless Chromium. Installs the Debian
# packages it needs (postgresql, chromium) when they are missing. Extra arguments go to `dotnet test`,
# e.g. ./test.sh --filter FullyQualifiedName~SignIn
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
results="$root/.test/results"
rm -rf "$results" && mkdir -p "$results"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '\n== %s\n' "$*"; }

# --- what the tests need from Debian --------------------------------------------------------------
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
missing=()
[[ -x "${pg_bin:-}/initdb" ]] || missing+=(postgresql)
command -v chromium >/dev/null || missing+=(chromium)
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# --- a throwaway PostgreSQL cluster on a loopback port ----------------------------------------------
pg_dir=$(mktemp -d /tmp/parley-pg.XXXXXX)
pg_user=$(id -un)
run_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[[ $(id -u) -eq 0 ]] && { chown postgres "$pg_dir"; pg_user=postgres; }
stop_pg() {
    run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
}
trap stop_pg EXIT INT TERM
pg_port=55432
while (echo >"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do pg_port=$((pg_port + 1)); done
run_pg "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U "$pg_user" -E UTF8 --locale=C.UTF-8 >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
postgres="Host=127.0.0.1;Port=$pg_port;Username=$pg_user;Database=postgres"

# --- format, build, test ---------------------------------------------------------------------------
say "format check"
if ! dotnet format Parley.slnx whitespace --verify-no-changes; then
    echo "Files are not formatted. Run: dotnet format Parley.slnx whitespace" >&2
    exit 1
fi

say "build"
dotnet build Parley.slnx -c Release -nologo -v quiet

status=0
pass() { # name, project, extra environment...
    local name=$1 project=$2; shift 2
    say "tests: $name"
    if ! env "$@" dotnet test "$project" -c Release --no-build --nologo -v quiet \
        --logger "trx;LogFileName=$results/$name.trx" "${extra[@]}"; then
        status=1
    fi
}
extra=("$@")
pass sqlite tests/Parley.Tests PARLEY_TEST_POSTGRES=
pass postgres tests/Parley.Tests "PARLEY_TEST_POSTGRES=$postgres"
if [[ -d tests/Parley.BrowserTests ]] && ls tests/Parley.BrowserTests/*.csproj >/dev/null 2>&1; then
    pass browser tests/Parley.BrowserTests PARLEY_TEST_POSTGRES=
fi

# --- summary ---------------------------------------------------------------------------------------
say "summary"
total_passed=0 total_failed=0 total_skipped=0
for trx in "$results"/*.trx; do
    [[ -f $trx ]] || continue
    counters=$(grep -o '<Counters [^>]*' "$trx" | head -n 1)
    get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
    total=$(get total); passed=$(get passed); failed=$(get failed); executed=$(get executed)
    skipped=$((total - executed))
    printf '%s: %s passed, %s failed, %s skipped\n' "$(basename "$trx" .trx)" "$passed" "$failed" "$skipped"
    [[ ${executed:-0} -gt 0 ]] || status=1
    total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed)); total_skipped=$((total_skipped + skipped))
done
[[ $total_failed -eq 0 ]] || status=1
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
exit $status
