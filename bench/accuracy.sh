#!/bin/sh
# Precision and recall per category over the detection cases
# (tests/cases/<category>/*.case), for `measured check` and for a plain
# keyword baseline (bench/keywords.txt: each category's trigger words, no
# negation, scope or date logic), side by side.  Results go in
# docs/ACCURACY.md with the command that made them.
#
# usage: bench/accuracy.sh BUILDDIR [CASEDIR]
set -eu
build=${1:?usage: accuracy.sh BUILDDIR [CASEDIR]}
here=$(cd "$(dirname "$0")" && pwd)
cases=${2:-$here/../tests/cases}
measured="$build/measured"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/measured-accuracy.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Split every case into its header fields and its body, grouped by the
# date and kind it is checked as, so that one `measured check` runs a group.
awk -v tmp="$tmp" '
	FNR == 1 { n++; body = 0; date = ""; kind = "notice"; expect = "" }
	body { print > (tmp "/" n ".txt"); next }
	/^date:/ { date = $2; next }
	/^kind:/ { kind = $2; next }
	/^expect:/ { sub(/^expect: */, ""); expect = $0; next }
	/^---$/ {
		body = 1
		printf "" > (tmp "/" n ".txt")
		print n "\t" expect >> (tmp "/expect")
		print tmp "/" n ".txt" >> (tmp "/group." date "." kind)
	}
	END { print n > (tmp "/count") }' "$cases"/*/*.case
n=$(cat "$tmp/count")
[ "$n" -gt 0 ] || { echo "accuracy: no cases in $cases" >&2; exit 1; }

# The engine: one line per case, "N<TAB>categories".
for g in "$tmp"/group.*; do
	set -- $(basename "$g" | tr '.' ' ')
	rc=0
	# shellcheck disable=SC2046
	"$measured" check --format json --date "$2" --kind "$3" $(cat "$g") \
		> "$tmp/out.json" || rc=$?
	[ "$rc" -le 1 ] || { echo "accuracy: measured check failed" >&2; exit 1; }
	while IFS= read -r line; do
		id=$(printf '%s' "$line" | sed -n 's/^{"input":"[^"]*\/\([0-9]*\)\.txt".*/\1/p')
		cats=$(printf '%s' "$line" | grep -o '"category":"[a-z._]*"' |
			sed 's/"category":"\(.*\)"/\1/' | sort -u | tr '\n' ' ')
		printf '%s\t%s\n' "$id" "$cats"
	done < "$tmp/out.json" >> "$tmp/engine"
done

# The baseline: every category whose words occur anywhere in the text.
i=0
while [ $i -lt "$n" ]; do i=$((i + 1)); echo "$tmp/$i.txt"; done > "$tmp/texts"
# shellcheck disable=SC2046
awk -F '\t' '
	FILENAME == ARGV[1] { if ($1 !~ /^#/ && $1 != "") { ncat++; cat[ncat] = $1; words[ncat] = $2 } next }
	function flush(   k, cats) {
		cats = ""
		for (k = 1; k <= ncat; k++) if (text ~ words[k]) cats = cats cat[k] " "
		print id "\t" cats
	}
	FNR == 1 { if (id != "") flush(); id = FILENAME; sub(/.*\//, "", id); sub(/\.txt$/, "", id); text = "" }
	{ text = text $0 "\n" }
	END { if (id != "") flush() }' "$here/keywords.txt" $(cat "$tmp/texts") > "$tmp/keyword"

# Precision and recall per category, the two methods side by side.
awk -F '\t' -v n="$n" '
	FILENAME ~ /expect$/ { split($2, a, " "); for (k in a) if (a[k] != "none") { ex[$1, a[k]] = 1; cats[a[k]] = 1; pos[a[k]]++ } next }
	FILENAME ~ /engine$/ { split($2, a, " "); for (k in a) { eng[$1, a[k]] = 1; cats[a[k]] = 1 } next }
	FILENAME ~ /keyword$/ { split($2, a, " "); for (k in a) { kw[$1, a[k]] = 1 } next }
	function pr(tp, fp, fn) {
		p = tp + fp ? sprintf("%.2f", tp / (tp + fp)) : "-"
		r = tp + fn ? sprintf("%.2f", tp / (tp + fn)) : "-"
		return sprintf("%6s %6s", p, r)
	}
	END {
		printf "%d cases\n", n
		printf "%-22s %5s   %-13s   %-13s\n", "category", "cases", "engine P   R", "keyword P   R"
		for (c in cats) names[++m] = c
		for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (names[y] < names[x]) { t = names[x]; names[x] = names[y]; names[y] = t }
		for (x = 1; x <= m; x++) {
			c = names[x]; etp = efp = efn = ktp = kfp = kfn = 0
			for (i = 1; i <= n; i++) {
				e = ((i, c) in ex); g = ((i, c) in eng); k = ((i, c) in kw)
				if (e && g) etp++; else if (g) efp++; else if (e) efn++
				if (e && k) ktp++; else if (k) kfp++; else if (e) kfn++
			}
			printf "%-22s %5d   %s   %s\n", c, pos[c], pr(etp, efp, efn), pr(ktp, kfp, kfn)
			tetp += etp; tefp += efp; tefn += efn; tktp += ktp; tkfp += kfp; tkfn += kfn
		}
		printf "%-22s %5s   %s   %s\n", "all", "", pr(tetp, tefp, tefn), pr(tktp, tkfp, tkfn)
	}' "$tmp/expect" "$tmp/engine" "$tmp/keyword"
