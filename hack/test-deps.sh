#!/usr/bin/env bash
# Installs what the tests need beyond Go: Debian's chromium, in which the HTML
# report test renders the report. Quiet and quick when it is already there.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
	exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "chromium is missing: install Debian's chromium package (apt-get install chromium)" >&2
	exit 1
fi
echo "installing chromium (Debian package) for the HTML report test" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
