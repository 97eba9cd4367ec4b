# Shared by the shell tests: where things are, and how to fail.
# MD_RUN is empty, or the valgrind command when configured --enable-valgrind.
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
MD_RUN=${MD_RUN:-}
MEASURED="$top_builddir/measured"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/measured-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# measured with its exit status in $rc, never aborting the script.
run() {
	rc=0
	# shellcheck disable=SC2086
	$MD_RUN "$MEASURED" "$@" || rc=$?
}
