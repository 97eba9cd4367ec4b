#!/bin/sh
# The README's first command: installs the dependencies, builds measured
# with its embedded defaults (the bundled plugins, rules and measures
# catalogues) and runs the main job: `measured -T`, then `measured check`
# on the bundled example documents.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
build=$("$top/scripts/build.sh" _build/default)
"$build/measured" -T
status=0
"$build/measured" check "$top"/examples/*.txt || status=$?
# 1 means "findings", which is what the examples are for.
[ "$status" -le 1 ]
