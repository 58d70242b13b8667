#!/usr/bin/env bash
# Qt's desktop (xcb) plugin needs a few X libraries on Linux that minimal systems lack; install them once.
set -u
[ "$(uname -s)" = "Linux" ] || exit 0
[ -n "${WAYLAND_DISPLAY:-}${DISPLAY:-}" ] || exit 0          # no desktop session: nothing to prepare
PACKAGES="libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"
missing=""
for lib in libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-keysyms.so.1; do
    ldconfig -p 2>/dev/null | grep -q "$lib" || missing="$missing $lib"
done
[ -z "$missing" ] && exit 0
if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y $PACKAGES
    elif command -v sudo >/dev/null 2>&1; then
        echo "Therapy Desk needs the system packages $PACKAGES; installing them with sudo."
        sudo apt-get install -y $PACKAGES
    fi
else
    echo "Therapy Desk needs these libraries from your distribution's packages:$missing"
fi
exit 0
