#!/bin/sh
# Installs everything measured needs to build, test and benchmark on
# Debian 12.  Run as root.  Safe to run again: apt-get skips what is there.
set -eu

# tidy (HTML Tidy 5) validates the weekly report's HTML in the tests.
pkgs="build-essential autoconf automake libtool pkg-config
      libevent-dev libpcre2-dev libxml2-dev libxml2-utils libjansson-dev
      libsqlite3-dev libcurl4-openssl-dev libopencc-dev check valgrind
      tidy wrk curl sqlite3
      chromium chromium-driver fonts-noto-cjk nodejs"

export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: run as root (it calls apt-get)" >&2
	exit 1
fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $pkgs
# The browser tests (tests/browser.test): playwright-core, pinned in
# package-lock.json, drives Debian's chromium; it never downloads a
# browser.  npm comes with nodejs from some sources; Debian's own is a
# separate package.  playwright-core is pinned to 1.61.0, the last
# release that runs on node 18 (Debian 12's nodejs); the test skips on
# an older node and says so.
command -v npm >/dev/null 2>&1 ||
	apt-get install -y -qq --no-install-recommends npm
top=$(cd "$(dirname "$0")/.." && pwd)
(cd "$top" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts \
	--no-audit --no-fund --loglevel=error)
# Hyperscan exists only for x86-64; it is an optional, auto-detected
# dependency (the engine's prefilter and the benchmark's baseline).
if apt-cache show libhyperscan-dev >/dev/null 2>&1; then
	apt-get install -y -qq --no-install-recommends libhyperscan-dev
fi
