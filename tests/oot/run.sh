#!/bin/sh
# Builds tests/oot/hello.c against the installed plugin header, found the
# way a plugin author finds it (pkg-config measured-plugin), and checks that
# the installed measured loads it next to the bundled plugins.
# Usage: run.sh PREFIX BINDIR LIBDIR SRCDIR CC
set -eu
prefix=$1 bindir=$2 libdir=$3 srcdir=$4 cc=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

PKG_CONFIG_PATH="$libdir/pkgconfig"
export PKG_CONFIG_PATH
cflags=$(pkg-config --cflags measured-plugin)
plugindir=$(pkg-config --variable=plugindir measured-plugin)
case "$cflags" in
*"$prefix"*) ;;
*) echo "oot: measured-plugin.pc points outside $prefix: $cflags" >&2; exit 1 ;;
esac
mkdir "$tmp/plugins" "$tmp/rules"
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden $cflags \
	-o "$tmp/plugins/hello.so" "$srcdir/tests/oot/hello.c"
cp "$srcdir/tests/oot/hello.rules.xml" "$tmp/rules/"
cat > "$tmp/measured.conf" <<CONF
<?xml version="1.0" encoding="UTF-8"?>
<measured xmlns="urn:measured:config:1">
  <plugin-dir>$plugindir</plugin-dir>
  <plugin-dir>$tmp/plugins</plugin-dir>
  <rules-dir>$prefix/share/measured/rules</rules-dir>
  <rules-dir>$tmp/rules</rules-dir>
</measured>
CONF
"$bindir/measured" -c "$tmp/measured.conf" -T
printf '今天火星人都不来上学。\n' > "$tmp/doc.txt"
rc=0
"$bindir/measured" -c "$tmp/measured.conf" check --date 2022-11-20 \
	--format json "$tmp/doc.txt" > "$tmp/out.json" || rc=$?
cat "$tmp/out.json"
[ "$rc" -eq 1 ] || { echo "oot: expected exit 1 (a finding), got $rc" >&2; exit 1; }
grep -q '"rule":"hello.martians"' "$tmp/out.json" || {
	echo "oot: the out-of-tree plugin's finding is missing" >&2; exit 1; }
echo "oot: out-of-tree plugin built against the installed header and loaded"
