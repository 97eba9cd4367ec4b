#!/bin/sh
# catalogue-verbatim.sh SEED CATALOGUE
#
# Checks that every <item> of a measures catalogue holds the notice's own
# words: its <text> must be found verbatim in the seed text, and its number
# attribute followed by its <text> must be a whole paragraph of the seed.
# Exits 0 when every item passes, 1 naming each item that does not, 2 on
# usage or tool errors.
#
# The seed is compared after exactly the repairs the catalogue documents in
# its <note>s, and no others:
#   - page breaks: a paragraph that stops without closing punctuation
#     (。 ： ；) and is not a heading (一、 ...) is joined, with nothing added,
#     to the next non-blank line when that line does not open a new item
#     ("(一)", "（七）") or heading;
#   - markdown: "**" markers are removed;
#   - LaTeX: "\geq" becomes "≥".
# Carriage returns are dropped first, so a CRLF checkout compares the same.
#
# Only sh, tr, sed, awk, grep and xmllint --xpath: no python in CI.  Bytes
# are compared as they are (LC_ALL=C), so no locale can fold characters.

LC_ALL=C
export LC_ALL
XMLLINT=${XMLLINT:-xmllint}

if [ "$#" -ne 2 ]; then
	echo "usage: $0 SEED CATALOGUE" >&2
	exit 2
fi
seed=$1
catalogue=$2
for f in "$seed" "$catalogue"; do
	if [ ! -r "$f" ]; then
		echo "$0: cannot read $f" >&2
		exit 2
	fi
done

# The seed, repaired, one paragraph per line.
norm=$(tr -d '\r' < "$seed" | sed -e 's/\*\*//g' -e 's/\\geq/≥/g' | awk '
	function heading(s) { return s ~ /^(一|二|三|四|五|六|七|八|九|十)+、/ }
	function opens(s) { return s ~ /^(\(|（)/ || heading(s) }
	function closed(s) { return s ~ /(。|：|；)$/ }
	$0 == "" { next }
	buf != "" && !closed(buf) && !heading(buf) && !opens($0) {
		buf = buf $0
		next
	}
	{ if (buf != "") print buf; buf = $0 }
	END { if (buf != "") print buf }
') || {
	echo "$0: cannot read the seed $seed" >&2
	exit 2
}

item="/*[local-name()='measures']/*[local-name()='item']"
xp() {
	"$XMLLINT" --xpath "$1" "$catalogue" 2>/dev/null
}
n=$(xp "count($item)") || n=
case $n in
'' | *[!0-9]*)
	echo "$0: $catalogue: not a catalogue xmllint can read" >&2
	exit 2
	;;
esac
if [ "$n" -eq 0 ]; then
	echo "$0: $catalogue: no items" >&2
	exit 1
fi

nl='
'
bad=0
i=1
while [ "$i" -le "$n" ]; do
	id=$(xp "string($item[$i]/@id)")
	number=$(xp "string($item[$i]/@number)")
	text=$(xp "string($item[$i]/*[local-name()='text'])")
	[ -n "$id" ] || id="#$i"
	case $text in
	'')
		echo "item $id: empty text" >&2
		bad=1
		;;
	*"$nl"*)
		echo "item $id: text spans lines; not in the seed" >&2
		bad=1
		;;
	*)
		if ! printf '%s\n' "$norm" | grep -Fq -e "$text"; then
			echo "item $id: text not found in $seed" >&2
			bad=1
		elif ! printf '%s\n' "$norm" | grep -Fxq -e "$number$text"; then
			echo "item $id: \"$number\" and its text are not a whole paragraph of $seed" >&2
			bad=1
		fi
		;;
	esac
	i=$((i + 1))
done
exit "$bad"
