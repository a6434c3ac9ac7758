#!/usr/bin/env bash
# Runs Parley's whole test suite, as CI does (.ci/run calls exactly this):
#   1. installs the Debian packages the tests need (postgresql, chromium) when they are missing, and
#      the npm client the browser pass drives the sandbox with (npm ci in tests/npm-client);
#   2. checks whitespace formatting (dotnet format Parley.slnx whitespace --verify-no-changes);
#   3. builds once (Release);
#   4. tests/Parley.Tests on SQLite;
#   5. tests/Parley.Tests again on a throwaway PostgreSQL cluster (scripts/with-postgres.sh);
#   6. tests/Parley.BrowserTests (headless Chromium) on SQLite, when that project exists.
# It goes on through every pass when one fails, then prints a summary whose last line is the total,
# "N passed, N failed, N skipped", and exits non-zero if anything failed or a pass ran no tests.
# Extra arguments go to every `dotnet test`, e.g.  ./test.sh --filter FullyQualifiedName~SignIn
# (with a filter, a pass that matches nothing is fine as long as some pass ran tests).
# Results: .test/results/<pass>.trx
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root=$PWD
results=$root/.test/results
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MSBUILDDISABLENODEREUSE=1 # no MSBuild nodes left running after the script
extra=("$@")

say() { printf '\n== %s\n' "$*"; }
now_ms() { local us=${EPOCHREALTIME//[.,]/}; echo $((us / 1000)); }
since() { local ms=$(($(now_ms) - $1)); printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)); }

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
policy_rc_d=/usr/sbin/policy-rc.d
made_policy_rc_d=0
on_exit() {
    if ((made_policy_rc_d)); then as_root rm -f "$policy_rc_d" || true; fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

summary=() # one line per step, for the summary
failures=()
total_passed=0 total_failed=0 total_skipped=0 total_executed=0

# --- 1. Debian packages -----------------------------------------------------------------------------
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
missing=()
[[ -n $pg_bin && -x $pg_bin/initdb && -x $pg_bin/pg_ctl && -x $pg_bin/pg_isready ]] || missing+=(postgresql)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
if ((${#missing[@]})); then
    say "installing ${missing[*]} (apt-get)"
    if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then
        echo "test.sh: ${missing[*]} missing, and installing needs root or sudo: apt-get install ${missing[*]}" >&2
        exit 1
    fi
    t=$(now_ms)
    mkdir -p "$root/.test"
    apt_log=$root/.test/apt.log
    # The postgresql package would create and start a system cluster on port 5432; the tests don't
    # use it, so keep services from starting during the install (the Docker way), if nothing does yet.
    if [[ ! -e $policy_rc_d ]]; then
        printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy_rc_d" >/dev/null
        as_root chmod 755 "$policy_rc_d"
        made_policy_rc_d=1
    fi
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$apt_log" 2>&1 ||
        ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "${missing[@]}" </dev/null >>"$apt_log" 2>&1; then
        tail -n 30 "$apt_log" >&2
        echo "test.sh: could not install ${missing[*]} (full log: $apt_log)" >&2
        exit 1
    fi
    if ((made_policy_rc_d)); then
        as_root rm -f "$policy_rc_d"
        made_policy_rc_d=0
    fi
    summary+=("install:   ${missing[*]} ($(since "$t"))")
fi

# A third-party Cloud API client from npm, pinned by tests/npm-client/package-lock.json.
if [[ -f tests/npm-client/package-lock.json && ! -d tests/npm-client/node_modules ]]; then
    say "installing tests/npm-client (npm ci)"
    t=$(now_ms)
    if ! (cd tests/npm-client && npm ci --no-audit --no-fund); then
        echo "test.sh: npm ci in tests/npm-client failed (it needs node, npm and the npm registry)" >&2
        exit 1
    fi
    summary+=("install:   tests/npm-client ($(since "$t"))")
fi

# --- 2. formatting ----------------------------------------------------------------------------------
say "format check: dotnet format Parley.slnx whitespace --verify-no-changes"
t=$(now_ms)
rc=0
dotnet format Parley.slnx whitespace --verify-no-changes || rc=$?
case $rc in
    0) summary+=("format:    ok ($(since "$t"))") ;;
    2)
        summary+=("format:    FAILED, files need formatting ($(since "$t"))")
        failures+=("format: files need formatting (listed above); fix with: dotnet format Parley.slnx whitespace")
        ;;
    *)
        summary+=("format:    FAILED, dotnet format exited with $rc ($(since "$t"))")
        failures+=("format: dotnet format itself failed (exit $rc)")
        ;;
esac

# --- 3. build ---------------------------------------------------------------------------------------
test_projects=(tests/Parley.Tests)
[[ -f tests/Parley.BrowserTests/Parley.BrowserTests.csproj ]] && test_projects+=(tests/Parley.BrowserTests)

say "build: dotnet build Parley.slnx -c Release"
t=$(now_ms)
built=1
dotnet build Parley.slnx -c Release -nologo -v quiet || built=0
for project in "${test_projects[@]}"; do # a test project the solution doesn't list yet
    if ((built)) && ! grep -qF "\"$project/$(basename "$project").csproj\"" Parley.slnx; then
        echo "($project is not in Parley.slnx; building it on its own)"
        dotnet build "$project" -c Release -nologo -v quiet || built=0
    fi
done
if ((built)); then
    summary+=("build:     ok ($(since "$t"))")
else
    summary+=("build:     FAILED ($(since "$t")); no tests ran")
    failures+=("build failed (errors above)")
fi

# --- 4-6. test passes -------------------------------------------------------------------------------
rm -rf "$results"
mkdir -p "$results"

# name, project, then the command that wraps `dotnet test` (sets up its database)
run_pass() {
    local name=$1 project=$2
    shift 2
    local trx=$results/$name.trx t rc=0
    say "tests: $name ($project)"
    t=$(now_ms)
    "$@" dotnet test "$project" -c Release --no-build --nologo \
        --logger "trx;LogFileName=$trx" --logger "console;verbosity=minimal" "${extra[@]}" || rc=$?
    local took
    took=$(since "$t")

    if [[ ! -f $trx ]]; then
        summary+=("$(printf '%-10s' "$name:") no results, dotnet test exited with $rc ($took)")
        failures+=("$name: no test results (dotnet test exited with $rc)")
        return
    fi
    local counters
    counters=$(grep -o '<Counters [^>]*' "$trx" | head -n 1)
    count() { local v; v=$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<" $counters"); echo "${v:-0}"; }
    local total executed passed failed skipped
    total=$(count total)
    executed=$(count executed)
    passed=$(count passed)
    failed=$(($(count failed) + $(count error) + $(count timeout) + $(count aborted)))
    skipped=$((total - executed))
    summary+=("$(printf '%-10s %s passed, %s failed, %s skipped (%s)' "$name:" "$passed" "$failed" "$skipped" "$took")")
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))
    total_executed=$((total_executed + executed))

    if ((failed > 0)); then
        failures+=("$name: $failed failed")
        # The names of the failed tests, so the summary at the end says which ones.
        local test
        while IFS= read -r test; do
            failures+=("$name:   $test")
        done < <(grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*' "$trx" |
            sed -n 's/.* testName="\([^"]*\)".*/\1/p' | head -n 20)
    elif ((rc != 0)); then
        failures+=("$name: dotnet test exited with $rc")
    fi
    if ((executed == 0 && ${#extra[@]} == 0)); then
        failures+=("$name: ran no tests")
    fi
}

if ((built)); then
    run_pass sqlite tests/Parley.Tests env -u PARLEY_TEST_POSTGRES
    run_pass postgres tests/Parley.Tests scripts/with-postgres.sh
    if [[ -d tests/Parley.BrowserTests ]]; then
        run_pass browser tests/Parley.BrowserTests env -u PARLEY_TEST_POSTGRES
    fi
    if ((total_executed == 0 && ${#extra[@]} > 0)); then
        failures+=("no test matched: ${extra[*]}")
    fi
fi

# --- summary ----------------------------------------------------------------------------------------
say "summary"
printf '%s\n' "${summary[@]}"
status=0
if ((${#failures[@]})); then
    status=1
    echo
    printf 'FAILED  %s\n' "${failures[@]}"
fi
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
exit "$status"
