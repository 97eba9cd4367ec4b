#!/bin/sh
# The README's first command: installs the dependencies, builds measured
# with its embedded defaults (the bundled plugins, rules and measures
# catalogues, SQLite in the build folder, loopback), checks the bundled
# example documents, and runs the daemon in the foreground on
# 127.0.0.1:8080 until Ctrl-C (which drains it and exits 0).
# Options are passed to the daemon, e.g. `scripts/run.sh -l 127.0.0.1:9090`.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
build=$("$top/scripts/build.sh" _build/default)
"$build/measured" -T
status=0
"$build/measured" check "$top"/examples/*.txt || status=$?
# 1 means "findings", which is what the examples are for.
[ "$status" -le 1 ]
cat >&2 <<MSG

measured: starting the daemon.  In another terminal, make tokens with
  $build/measured token add --role submitter --platform hotline --name hotline-1
  $build/measured token add --role reviewer --name reviewer-1
and see README.md for a submission and a review.

MSG
exec "$build/measured" "$@"
