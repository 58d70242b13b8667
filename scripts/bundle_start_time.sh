#!/usr/bin/env bash
# Time from launching the built app to its unlock window on screen, on a virtual X server (Linux).
#   scripts/bundle_start_time.sh [PROGRAM] [VAULT]   (defaults: dist/therapy-desk/therapy-desk, a demo vault
#   built by that program in a temporary folder). Needs the Debian packages xvfb and xdotool.
# The window is looked for every 10 ms (xdotool's own --sync polls only every half second), five launches.
set -euo pipefail
if [ "${1:-}" != "--inside" ]; then
    for tool in xvfb-run xdotool; do
        command -v "$tool" >/dev/null || { echo "$0: needs $tool (apt-get install xvfb xdotool)" >&2; exit 2; }
    done
    program=$(realpath "${1:-dist/therapy-desk/therapy-desk}")
    [ -x "$program" ] || { echo "$0: no program at $program; build it with python build_installer.py" >&2; exit 2; }
    vault=${2:-}
    if [ -z "$vault" ]; then
        vault=$(mktemp -d)/vault
        printf 'start-time-demo\nstart-time-demo\n' | QT_QPA_PLATFORM=offscreen "$program" demo --vault "$vault" \
            --clients 20 --years 1 --passphrase-stdin >/dev/null
    fi
    exec xvfb-run -a -s "-screen 0 1920x1080x24" "$0" --inside "$program" "$vault"
fi
program=$2 vault=$3
unset QT_QPA_PLATFORM
for run in 1 2 3 4 5; do
    start=$(date +%s%N)
    "$program" --vault "$vault" 2>/dev/null &
    pid=$!
    until xdotool search --onlyvisible --name "Unlock" >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || { echo "the app exited before its unlock window showed" >&2; exit 1; }
        sleep 0.01
    done
    end=$(date +%s%N)
    echo "launch $run: unlock window after $(( (end - start) / 1000000 )) ms"
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
