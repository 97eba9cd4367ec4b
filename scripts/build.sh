#!/bin/sh
# Generates the build system if needed and builds measured in DIR (default
# _build/default) with the given configure options.  Used by run.sh and
# test.sh; prints where the build is.
# Usage: scripts/build.sh DIR [configure options...]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-_build/default}
[ $# -gt 0 ] && shift
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >&2
fi
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ]; then
	"$top/configure" -q "$@" >&2
fi
make -j"$(nproc)" >&2
echo "$top/$dir"
