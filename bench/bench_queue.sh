#!/bin/sh
# The reviewer UI's reads on a large store: seeds N flags (default
# 100000) straight into a fresh SQLite store with the sqlite3 shell (the
# daemon creates and migrates the schema first), starts the daemon on
# loopback and times, best of R rounds, what the UI asks for: the queue's
# first page, a page deep in the cursor chain, the counts per filter, a
# flag, and its related flags.  Results go to docs/PERFORMANCE.md.
# Usage: bench/bench_queue.sh BUILDDIR [FLAGS] [ROUNDS]
set -eu
B=${1:?usage: bench_queue.sh BUILDDIR [FLAGS] [ROUNDS]}
N=${2:-100000}
R=${3:-5}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/measured-bench.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$TMP"' EXIT
DB="$TMP/measured.db"
REV=$("$B/measured" -s "sqlite:$DB" token add --role reviewer --name bench 2>/dev/null)

t0=$(date +%s.%N)
sqlite3 "$DB" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO platforms (id, name, created_at) VALUES (1, 'bench', '2022-11-11T00:00:00+08:00');
CREATE TEMP TABLE cats (k INTEGER PRIMARY KEY, c TEXT, item TEXT, sev INTEGER);
INSERT INTO cats (c, item, sev) VALUES
 ('closure.school','2.16',4), ('closure.work','2.16',4), ('closure.lockdown','2.16',5),
 ('closure.medical','2.17',5), ('traffic.block','2.20',4), ('testing.mass','2.6',3),
 ('testing.frequency','2.6',2), ('riskzone.medium','2.4',3), ('riskzone.overbroad','2.4',3),
 ('riskzone.not_lifted','2.4',4), ('quarantine.excess','2.1',4), ('contacts.secondary','2.2',3),
 ('inbound.flight','2.7',3), ('inbound.repeat','2.10',3), ('stranded.refused','2.20',4),
 ('enterprise.shutdown','2.19',4), ('services.supplies','2.17',5), ('medicine.restricted','2.17',3),
 ('testing.certificate','2.6',2);
CREATE TEMP TABLE provs (k INTEGER PRIMARY KEY, p TEXT);
INSERT INTO provs (p) VALUES ('11'),('12'),('13'),('14'),('15'),('21'),('22'),('23'),('31'),('32'),
 ('33'),('34'),('35'),('36'),('37'),('41'),('42'),('43'),('44'),('45'),('46'),('50'),('51'),('52'),
 ('53'),('54'),('61'),('62'),('63'),('64'),('65');
CREATE TEMP TABLE seq AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
 SELECT i, (i * 7919) % 19 + 1 AS ck, (i * 104729) % 31 + 1 AS pk,
  printf('%02d%02d', (i / 31) % 20 + 1, (i / 620) % 15 + 1) AS tail,
  date('2022-11-11', '+' || ((i * 31) % 58) || ' days') AS d,
  CASE WHEN i % 10 < 6 THEN 'open' WHEN i % 10 < 8 THEN 'confirmed'
   WHEN i % 10 = 8 THEN 'dismissed' ELSE 'escalated' END AS st FROM n;
INSERT INTO documents (id, platform_id, external_id, fingerprint, kind, text, region_code,
  region_name, measures_version, date, date_source, received_at)
 SELECT i, 1, 'bench-' || i, 'f', 'complaint',
  '即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。第' || i || '号',
  p || tail, '地区' || p || tail, '2022-11-11', d, 'occurred_at', d || 'T09:00:00+08:00'
 FROM seq JOIN provs ON provs.k = pk;
INSERT INTO findings (id, document_id, seq, category, version, item, number, rule, severity,
  excerpt, json)
 SELECT i, i, 0, c, '2022-11-11', item, '（十六）', c || '.bench', sev,
  '即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。',
  json_object('category', c, 'measure', json_object('version', '2022-11-11', 'item', item,
   'number', '（十六）'), 'also', json_array(), 'rule', c || '.bench', 'plugin', 'bench',
   'severity', sev, 'confidence', 0.9, 'span', json_object('start', 45, 'end', 63),
   'excerpt', '即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。', 'reason', 'bench')
 FROM seq JOIN cats ON cats.k = ck;
INSERT INTO flags (id, finding_id, document_id, status, category, version, item, severity,
  region_code, date, created_at, updated_at)
 SELECT i, i, i, st, c, '2022-11-11', item, sev, p || tail, d, d || 'T09:00:00+08:00',
  d || 'T09:00:00+08:00'
 FROM seq JOIN cats ON cats.k = ck JOIN provs ON provs.k = pk;
COMMIT;
ANALYZE;
SQL
t1=$(date +%s.%N)
echo "seeded $N flags in $(echo "$t1 - $t0" | bc) s ($(du -h "$DB" | cut -f1))"

"$B/measured" -s "sqlite:$DB" -l 127.0.0.1:0 2>"$TMP/log" &
pid=$!
i=0
until grep -q 'serving on http://' "$TMP/log"; do
	i=$((i + 1))
	[ $i -lt 600 ] || { cat "$TMP/log"; exit 1; }
	sleep 0.1
done
URL=$(sed -n 's/.*serving on \(http:[^ ]*\) .*/\1/p' "$TMP/log" | head -1)

# Best of R: milliseconds from request to the last byte.
best() {
	b=
	for _ in $(seq "$R"); do
		t=$(curl -s -o "$TMP/body" -w '%{time_total}' -H "Authorization: Bearer $REV" "$URL$1")
		grep -q '"status":[45]' "$TMP/body" && { echo "$1: $(cat "$TMP/body")" >&2; exit 1; }
		b=$(echo "$t" "$b" | awk '{ if ($2 == "" || $1 < $2) print $1; else print $2 }')
	done
	printf '%-62s %7.1f ms\n' "$1" "$(echo "$b * 1000" | bc)"
}

best "/v1/flags?status=open&limit=50"
best "/v1/flags?status=open&order=severity&limit=50"
best "/v1/flags?status=open&category=closure.school&region=11&limit=50"
# The 1000th page of 50: follow the cursor chain there once, then time it.
cur=
for _ in $(seq 999); do
	cur=$(curl -s -H "Authorization: Bearer $REV" "$URL/v1/flags?status=open&limit=50${cur:+&cursor=$cur}" |
		sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p')
	[ -n "$cur" ] || break
done
[ -n "$cur" ] && best "/v1/flags?status=open&limit=50&cursor=$cur"
best "/v1/flags/counts"
best "/v1/flags/counts?status=open"
best "/v1/flags/counts?status=open&category=closure.school"
best "/v1/flags/counts?status=open&region=11&from=2022-11-20&to=2022-11-30"
best "/v1/flags/counts?status=open&category=closure.school&region=11&severity=4"
best "/v1/flags/$((N / 2))"
best "/v1/flags/$((N / 2))/related"
kill $pid
wait $pid || true
pid=
