#!/usr/bin/env bash
# The one test command of Vigil. Installs what the tests need when it is missing, builds the solution once in
# Release, runs every test project listed in Vigil.slnx, and ends with exactly one line:
#   N passed, N failed, N skipped
# It exits non-zero when a test failed, a test project could not run, or no test ran at all.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
RESULTS="$ROOT/artifacts/test-results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Debian packages the tests need. Later capabilities add theirs here (postgresql, prometheus, chromium, ...).
# chromium: the UI tests (tests/Vigil.Ui.Tests) drive it with Playwright, which never downloads a browser here;
# fonts-dejavu-core gives its screenshots the same text everywhere.
DEBIAN_PACKAGES=(prometheus prometheus-node-exporter postgresql dnsmasq-base prometheus-blackbox-exporter chromium fonts-dejavu-core)

# A single test that runs longer than this is hung: fail it instead of eating CI's 90 minutes.
HANG_TIMEOUT=${VIGIL_TEST_HANG_TIMEOUT:-10m}

log() { printf '==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: root is needed to run: $*" >&2
        return 1
    fi
}

# ensure_debian_packages PKG...: installs the packages that are not installed yet; runs apt-get update (with retries)
# only when something must be installed.
ensure_debian_packages() {
    local missing=() pkg attempt
    for pkg in "$@"; do
        if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi

    log "installing Debian packages: ${missing[*]}"
    for attempt in 1 2 3 4 5; do
        if as_root apt-get update -q; then
            break
        fi
        if [ "$attempt" -eq 5 ]; then
            echo "error: apt-get update failed 5 times" >&2
            return 1
        fi
        sleep $((attempt * 5))
    done
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# trx_count FILE ATTRIBUTE: one counter of a trx file's <Counters> element (0 when absent).
trx_count() {
    local value
    value=$(grep -o '<Counters [^>]*>' "$1" | head -n 1 | sed -n "s/.* $2=\"\([0-9]*\)\".*/\1/p")
    echo "${value:-0}"
}

if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET SDK (dotnet) is not on PATH; see global.json for the version" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

ensure_debian_packages "${DEBIAN_PACKAGES[@]}"

mapfile -t PROJECTS < <(grep -o 'Path="tests/[^"]*\.csproj"' Vigil.slnx | sed 's/^Path="//; s/"$//')
if [ "${#PROJECTS[@]}" -eq 0 ]; then
    echo "error: Vigil.slnx lists no test project under tests/" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

log "building Vigil.slnx (Release)"
if ! dotnet build Vigil.slnx -c Release -v:minimal; then
    echo "error: the build failed" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
passed=0 failed=0 skipped=0
broken=()
for project in "${PROJECTS[@]}"; do
    name=$(basename "$project" .csproj)
    trx="$RESULTS/$name.trx"
    log "testing $name"
    status=0
    dotnet test "$project" --no-build -c Release \
        --results-directory "$RESULTS" \
        --logger "trx;LogFileName=$name.trx" \
        --logger "console;verbosity=minimal" \
        --blame-hang-timeout "$HANG_TIMEOUT" --blame-hang-dump-type none \
        || status=$?

    if [ ! -f "$trx" ]; then
        # No result file: the test host never ran or died before reporting. Count the project as one failure.
        echo "error: $name produced no results (exit $status)" >&2
        broken+=("$name")
        failed=$((failed + 1))
        continue
    fi

    p=$(trx_count "$trx" passed)
    f=$(( $(trx_count "$trx" failed) + $(trx_count "$trx" error) + $(trx_count "$trx" timeout) + $(trx_count "$trx" aborted) ))
    # Skipped tests are results with outcome NotExecuted, but the trx logger leaves them out of the notExecuted
    # counter: count them as those that did not execute.
    s=$(( $(trx_count "$trx" total) - $(trx_count "$trx" executed) ))
    if [ "$s" -lt "$(trx_count "$trx" notExecuted)" ]; then
        s=$(trx_count "$trx" notExecuted)
    fi
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        # The runner failed without a failed test (a crash after the last result): still a failure.
        echo "error: $name exited $status with no failed test recorded" >&2
        broken+=("$name")
        f=1
    fi
    log "$name: $p passed, $f failed, $s skipped"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

code=0
if [ "${#broken[@]}" -gt 0 ]; then
    echo "error: test projects that did not run cleanly: ${broken[*]}" >&2
    code=1
fi
if [ "$failed" -gt 0 ]; then
    code=1
fi
if [ $((passed + failed)) -eq 0 ]; then
    echo "error: no test ran" >&2
    code=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$code"
