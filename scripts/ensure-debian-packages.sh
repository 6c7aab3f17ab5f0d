#!/usr/bin/env bash
# Make sure the named Debian packages are installed (apt-get, as root or through sudo); does
# nothing for those installed already. `make demo` needs fonts-noto-cjk (CJK text in the
# report's plots, see report/fonts.py); `make test` also needs chromium (the report site opened
# headless in tests/report/test_browser.py).
set -euo pipefail

missing=()
for package in "$@"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" != "installed" ]; then
        missing+=("$package")
    fi
done
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "ensure-debian-packages: missing and we are not root: apt-get install ${missing[*]}" >&2
    exit 1
fi

echo "ensure-debian-packages: installing Debian's ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
