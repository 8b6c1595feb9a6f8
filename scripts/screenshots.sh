#!/usr/bin/env bash
# Refreshes the UI screenshots in docs/screenshots/: runs the UI tests (each page test saves its screenshot to
# artifacts/screenshots/NAME.png) and copies every PNG there to docs/screenshots/, printing what it copied.
# Needs what the UI tests need: Debian's chromium and Node.js 20+ (scripts/test.sh installs chromium).
# Extra arguments go to `dotnet test`, e.g. --filter "FullyQualifiedName~ReleasePage".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SOURCE=artifacts/screenshots
TARGET=docs/screenshots

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Stale images of a renamed or removed test must not be copied again.
rm -rf "$SOURCE"
status=0
dotnet test tests/Vigil.Ui.Tests -c Release "$@" || status=$?

shopt -s nullglob
images=("$SOURCE"/*.png)
if [ "${#images[@]}" -eq 0 ]; then
    echo "error: the UI tests saved no screenshot in $SOURCE (dotnet test exited $status)" >&2
    exit 1
fi

mkdir -p "$TARGET"
for image in "${images[@]}"; do
    cp "$image" "$TARGET/"
    echo "copied $image -> $TARGET/$(basename "$image")"
done
echo "${#images[@]} screenshot(s) in $TARGET"
if [ "$status" -ne 0 ]; then
    echo "error: some UI tests failed (dotnet test exited $status); the screenshots of those that ran were copied" >&2
fi
exit "$status"
