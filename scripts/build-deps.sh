#!/usr/bin/env bash
# The Linux bundle carries the X client libraries Qt's desktop (xcb) plugin needs, copied from the build
# machine (build_installer.py): install the ones a minimal build machine lacks (Debian package names).
set -u
[ "$(uname -s)" = "Linux" ] || exit 0
PACKAGES="libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxkbcommon-x11-0"
missing=""
for lib in libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-keysyms.so.1 libxcb-image.so.0 libxcb-render-util.so.0 \
           libxcb-shape.so.0 libxkbcommon-x11.so.0; do
    ldconfig -p 2>/dev/null | grep -q "$lib" || missing="$missing $lib"
done
[ -z "$missing" ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y $PACKAGES
elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    echo "The build needs the system packages $PACKAGES; installing them with sudo."
    sudo apt-get install -y $PACKAGES
else
    echo "The build needs these libraries from your distribution's packages:$missing" >&2
    exit 1
fi
