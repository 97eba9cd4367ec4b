#!/bin/sh
# The README's second command (and what .ci/run runs): installs the
# dependencies, then builds and runs the whole test suite three ways:
#   1. -Werror with AddressSanitizer and UndefinedBehaviorSanitizer;
#   2. every test program and the measured binary under valgrind
#      (leaks are errors);
#   3. make distcheck (a tarball that builds, tests, installs and runs the
#      out-of-tree plugin test).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/scripts/deps.sh"

step() { printf '\n== %s\n' "$*"; }
check() {
	dir=$1
	shift
	if ! make -C "$dir" -j"$(nproc)" check "$@"; then
		cat "$dir/test-suite.log" >&2 || true
		exit 1
	fi
}

step "build and test with ASan and UBSan (-Werror)"
asan=$("$top/scripts/build.sh" _build/asan --enable-werror --enable-sanitizers)
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	check "$asan"

step "build and test under valgrind"
vg=$("$top/scripts/build.sh" _build/valgrind --enable-werror --enable-valgrind)
check "$vg"

step "make distcheck"
# The dist tree has no node_modules: the browser test finds the source
# tree's here.
MD_NODE_MODULES="$top/node_modules"
export MD_NODE_MODULES
if ! make -C "$vg" distcheck >"$top/_build/distcheck.log" 2>&1; then
	tail -n 100 "$top/_build/distcheck.log" >&2
	exit 1
fi
tail -n 4 "$top/_build/distcheck.log"
step "all tests passed"
