/*
 * test_store.c - SHA-256 against FIPS 180-4's vectors, store specs, the
 * review transitions, schema migration and its refusal of a newer store,
 * the append-only review history, tokens in the SQLite backend, a
 * group's statement journals kept in memory, the reviewer queue's index
 * and its counts per filter.
 */
#include <check.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "store.h"
#include "testutil.h"

START_TEST(sha256_vectors)
{
	char hex[65];
	struct md_sha256 s;
	unsigned char d[32];
	char *million;
	int i;

	md_sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	md_sha256_hex("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	md_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	/* A million 'a', fed in odd pieces. */
	million = md_xmalloc(1000000);
	memset(million, 'a', 1000000);
	md_sha256_init(&s);
	for (i = 0; i < 1000000; i += 999)
		md_sha256_update(&s, million + i, i + 999 <= 1000000 ? 999 :
		    (size_t)(1000000 - i));
	md_sha256_final(&s, d);
	free(million);
	ck_assert_uint_eq(d[0], 0xcd);
	ck_assert_uint_eq(d[1], 0xc7);
	ck_assert_uint_eq(d[31], 0xd0);
}
END_TEST

START_TEST(backend_specs)
{
	struct md_error err = { 0 };
	const char *loc;

	ck_assert_ptr_eq(md_store_backend_find("sqlite:/x/y.db", &loc, &err),
	    &md_store_sqlite);
	ck_assert_str_eq(loc, "/x/y.db");
	ck_assert_ptr_eq(md_store_backend_find("/x/y.db", &loc, &err),
	    &md_store_sqlite);
	ck_assert_ptr_null(md_store_backend_find("postgres:host=x", &loc,
	    &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown backend \"postgres\""));
	md_error_clear(&err);
	ck_assert_ptr_null(md_store_backend_find("sqlite:", &loc, &err));
}
END_TEST

START_TEST(transitions)
{
	ck_assert_str_eq(md_review_next("confirm", "open"), "confirmed");
	ck_assert_str_eq(md_review_next("dismiss", "open"), "dismissed");
	ck_assert_str_eq(md_review_next("escalate", "confirmed"), "escalated");
	ck_assert_str_eq(md_review_next("rectified", "escalated"), "rectified");
	ck_assert_str_eq(md_review_next("reopen", "dismissed"), "open");
	ck_assert_ptr_null(md_review_next("reopen", "confirmed"));
	ck_assert_ptr_null(md_review_next("rectified", "confirmed"));
	ck_assert_ptr_null(md_review_next("confirm", "rectified"));
	ck_assert(md_review_action_valid("escalate"));
	ck_assert(!md_review_action_valid("approve"));
}
END_TEST

static int
exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

START_TEST(migration_and_history)
{
	const struct md_store_backend *b = &md_store_sqlite;
	struct md_error err = { 0 };
	struct md_store_conn *c;
	struct md_token t = { 0 }, *list = NULL;
	char *dir = tu_tmpdir(), *path = md_xasprintf("%s/s.db", dir);
	size_t n = 0;

	c = b->open(path, 1, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	/* Migrated to the newest version (others append theirs). */
	ck_assert_int_gt(b->schema_version(c), 0);
	t.label = "rev";
	t.role = "reviewer";
	memset(t.hash, 'a', 64);
	ck_assert_int_eq(b->begin(c, &err), 0);
	ck_assert_int_eq(b->token_add(c, &t, &err), MD_STORE_CREATED);
	ck_assert_int_eq(b->token_add(c, &t, &err), MD_STORE_CONFLICT);
	ck_assert_int_eq(b->commit(c, &err), 0);
	ck_assert_int_eq(b->tokens_list(c, &list, &n, &err), MD_STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0].role, "reviewer");
	ck_assert_ptr_null(list[0].revoked_at);
	md_token_free(&list[0]);
	free(list);
	ck_assert_int_eq(b->begin(c, &err), 0);
	ck_assert_int_eq(b->token_revoke(c, "rev", &err), MD_STORE_OK);
	ck_assert_int_eq(b->token_revoke(c, "rev", &err), MD_STORE_NOTFOUND);
	ck_assert_int_eq(b->commit(c, &err), 0);
	b->close(c);

	/* A review row cannot be changed or deleted. */
	ck_assert_int_eq(exec_sql(path, "INSERT INTO platforms (name, "
	    "created_at) VALUES ('p', 'x'); INSERT INTO documents (platform_id, "
	    "external_id, fingerprint, kind, text, date, date_source, "
	    "received_at) VALUES (1, 'e', 'f', 'complaint', 't', '2022-11-20', "
	    "'text', 'x'); INSERT INTO findings (document_id, seq, category, "
	    "version, item, number, rule, severity, excerpt, json) VALUES (1, 0, "
	    "'closure.school', 'v', 'i', 'n', 'r', 4, 'e', '{}'); INSERT INTO "
	    "flags (finding_id, document_id, status, category, version, item, "
	    "severity, date, created_at, updated_at) VALUES (1, 1, 'open', "
	    "'closure.school', 'v', 'i', 4, 'd', 'x', 'x'); INSERT INTO reviews "
	    "(flag_id, action, from_status, to_status, actor, note, at) VALUES "
	    "(1, 'confirm', 'open', 'confirmed', 'a', 'n', 'x');"), SQLITE_OK);
	ck_assert_int_ne(exec_sql(path, "UPDATE reviews SET note = 'changed'"),
	    SQLITE_OK);
	ck_assert_int_ne(exec_sql(path, "DELETE FROM reviews"), SQLITE_OK);
	/* A flag status outside the workflow is refused by the schema. */
	ck_assert_int_ne(exec_sql(path, "UPDATE flags SET status = 'closed'"),
	    SQLITE_OK);

	/* A store from a newer measured is left alone. */
	ck_assert_int_eq(exec_sql(path, "PRAGMA user_version = 99"),
	    SQLITE_OK);
	md_error_clear(&err);
	c = b->open(path, 1, &err);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err.msg, "newer than this measured"));
	free(path);
	tu_rmdir(dir);
}
END_TEST

/* A feed's state survives a reopen; a notice keeps its source URL and
 * its platform is created by name. */
START_TEST(feed_state_and_source)
{
	const struct md_store_backend *b = &md_store_sqlite;
	struct md_error err = { 0 };
	struct md_store_conn *c;
	struct md_feed_state fs = { 0 }, got = { 0 };
	struct md_submission s = { 0 };
	char *dir = tu_tmpdir(), *path = md_xasprintf("%s/s.db", dir);
	json_t *out = NULL;

	c = b->open(path, 1, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_int_eq(b->feed_state_get(c, "gov", &got, &err),
	    MD_STORE_NOTFOUND);
	fs.name = "gov";
	fs.etag = "\"v1\"";
	fs.failures = 3;
	fs.next_poll = 1700000000.5;
	fs.last_error = "HTTP status 503";
	ck_assert_int_eq(b->begin(c, &err), 0);
	ck_assert_int_eq(b->feed_state_put(c, &fs, &err), MD_STORE_OK);
	fs.failures = 4;	/* a second put replaces the first */
	ck_assert_int_eq(b->feed_state_put(c, &fs, &err), MD_STORE_OK);

	s.platform = md_xstrdup("feed:gov");
	s.external_id = md_xstrdup("http://gov.example/n/1.html");
	s.kind = md_xstrdup("notice");
	s.text = md_xstrdup("text");
	s.source_url = md_xstrdup("http://gov.example/n/1.html");
	memset(s.fingerprint, 'f', 64);
	strcpy(s.date, "2022-11-20");
	s.date_source = md_xstrdup("text");
	ck_assert_int_eq(b->submission_put(c, &s, &out, &err),
	    MD_STORE_CREATED);
	ck_assert_int_eq(b->commit(c, &err), 0);
	b->close(c);

	c = b->open(path, 1, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_int_eq(b->feed_state_get(c, "gov", &got, &err), MD_STORE_OK);
	ck_assert_str_eq(got.etag, "\"v1\"");
	ck_assert_ptr_null(got.last_modified);
	ck_assert_int_eq(got.failures, 4);
	ck_assert(got.next_poll == 1700000000.5);
	ck_assert_str_eq(got.last_error, "HTTP status 503");
	md_feed_state_free(&got);
	ck_assert_int_eq(b->submission_get(c, s.id, 0, &out, &err),
	    MD_STORE_OK);
	ck_assert_str_eq(json_string_value(json_object_get(out, "platform")),
	    "feed:gov");
	ck_assert_str_eq(json_string_value(json_object_get(out,
	    "source_url")), "http://gov.example/n/1.html");
	json_decref(out);
	b->close(c);
	md_submission_free(&s);
	free(path);
	tu_rmdir(dir);
}
END_TEST

/* The SQLite temporary files this process has open (unlinked at once,
 * so only /proc/self/fd shows them). */
static int
temp_files_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char path[300], to[300];
	ssize_t n;
	int found = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof path, "/proc/self/fd/%s", de->d_name);
		if ((n = readlink(path, to, sizeof to - 1)) <= 0)
			continue;
		to[n] = '\0';
		if (strstr(to, "etilqs_") != NULL)
			found++;
	}
	closedir(d);
	return found;
}

/*
 * A group of submissions, each in its savepoint as the writer runs them,
 * keeps its statement journal in memory: no temporary file, however many
 * pages the group changes.
 */
START_TEST(group_journal_in_memory)
{
	const struct md_store_backend *b = &md_store_sqlite;
	struct md_error err = { 0 };
	struct md_store_conn *c;
	char *dir = tu_tmpdir(), *path = md_xasprintf("%s/s.db", dir);
	char text[3001];
	json_t *out = NULL;
	int i, k, round;

	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	c = b->open(path, 1, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	for (round = 0; round < 3; round++) {
		ck_assert_int_eq(b->begin(c, &err), 0);
		for (i = 0; i < 200; i++) {
			struct md_submission s = { 0 };

			s.platform = md_xstrdup("hotline");
			s.external_id = md_xasprintf("r%d-%d", round, i);
			s.kind = md_xstrdup("complaint");
			s.text = md_xstrdup(text);
			memset(s.fingerprint, 'a' + i % 26, 64);
			strcpy(s.date, "2022-11-20");
			s.date_source = md_xstrdup("received");
			s.region_code = md_xasprintf("11%04d", i);
			for (k = 0; k < 4; k++)
				tu_add_finding(&s, k % 2 ? "closure.school" :
				    "testing.mass", "2022-11-11", k % 2 ? "16" :
				    "6", k % 2 ? "十六" : "六", "r",
				    1 + (i + k) % 3, text + 2000);
			ck_assert_int_eq(b->savepoint(c, &err), 0);
			ck_assert_int_eq(b->submission_put(c, &s, &out, &err),
			    MD_STORE_CREATED);
			b->release(c, 1);
			md_submission_free(&s);
		}
		ck_assert_int_eq(temp_files_open(), 0);
		ck_assert_int_eq(b->commit(c, &err), 0);
	}
	b->close(c);
	free(path);
	tu_rmdir(dir);
}
END_TEST

/*
 * The weekly report's reads: confirmations in a time range, first
 * reviews (of any kind) in a range, the earliest confirmation; never a
 * contact field.
 */
START_TEST(report_rows)
{
	const struct md_store_backend *b = &md_store_sqlite;
	struct md_error err = { 0 };
	struct md_store_conn *c;
	char *dir = tu_tmpdir(), *path = md_xasprintf("%s/s.db", dir);
	char first[26];
	json_t *out = NULL, *row;
	char *dump;

	c = b->open(path, 1, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_int_eq(b->first_confirmed(c, first, &err), MD_STORE_NOTFOUND);
	b->close(c);
	ck_assert_int_eq(exec_sql(path, "INSERT INTO platforms (name, "
	    "created_at) VALUES ('p', 'x'); INSERT INTO documents (platform_id, "
	    "external_id, fingerprint, kind, text, region_code, region_name, "
	    "contact_name, contact_phone, date, date_source, received_at) "
	    "VALUES (1, 'e', 'f', 'complaint', 't', '110105', '北京市朝阳区', "
	    "'张三', '13800138000', '2022-11-20', 'text', "
	    "'2022-11-20T08:00:00+08:00');"
	    "INSERT INTO findings (document_id, seq, category, version, item, "
	    "number, rule, severity, excerpt, json) VALUES "
	    "(1, 0, 'closure.school', 'v', '2.16', '（十六）', 'r', 4, 'e1', '{}'),"
	    "(1, 1, 'closure.work', 'v', '2.16', '（十六）', 'r', 3, 'e2', '{}'),"
	    "(1, 2, 'closure.work', 'v', '2.16', '（十六）', 'r', 3, 'e3', '{}');"
	    "INSERT INTO flags (finding_id, document_id, status, category, "
	    "version, item, severity, region_code, date, created_at, updated_at) "
	    "VALUES (1, 1, 'rectified', 'closure.school', 'v', '2.16', 4, "
	    "'110105', '2022-11-20', 'x', 'x'), (2, 1, 'confirmed', "
	    "'closure.work', 'v', '2.16', 3, '110105', '2022-11-20', 'x', 'x'),"
	    "(3, 1, 'dismissed', 'closure.work', 'v', '2.16', 3, '110105', "
	    "'2022-11-20', 'x', 'x');"
	    "INSERT INTO reviews (flag_id, action, from_status, to_status, actor, "
	    "note, at) VALUES "
	    "(1, 'confirm', 'open', 'confirmed', 'a', 'n', "
	    "'2022-11-21T00:00:00+08:00'),"
	    "(1, 'escalate', 'confirmed', 'escalated', 'a', 'n', "
	    "'2022-11-22T00:00:00+08:00'),"
	    "(2, 'confirm', 'open', 'confirmed', 'a', 'n', "
	    "'2022-11-20T23:59:59+08:00'),"
	    "(3, 'dismiss', 'open', 'dismissed', 'a', 'n', "
	    "'2022-11-23T00:00:00+08:00');"), SQLITE_OK);
	c = b->open(path, 0, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_int_eq(b->first_confirmed(c, first, &err), MD_STORE_OK);
	ck_assert_str_eq(first, "2022-11-20T23:59:59+08:00");
	/* [Monday 00:00, next Monday 00:00): flag 2 was confirmed a second
	 * before; flag 3 was dismissed, not confirmed. */
	ck_assert_int_eq(b->report_rows(c, "2022-11-21T00:00:00+08:00",
	    "2022-11-28T00:00:00+08:00", "2022-11-21T00:00:00+08:00", &out,
	    &err), MD_STORE_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(out, "confirmed")), 1);
	row = json_array_get(json_object_get(out, "confirmed"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(row, "id")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(row, "status")),
	    "rectified");
	ck_assert_str_eq(json_string_value(json_object_get(row, "confirmed_at")),
	    "2022-11-21T00:00:00+08:00");
	ck_assert_str_eq(json_string_value(json_object_get(row, "region_name")),
	    "北京市朝阳区");
	/* First reviews: flag 1's confirm and flag 3's dismiss, not flag 1's
	 * escalation. */
	ck_assert_uint_eq(json_array_size(json_object_get(out,
	    "first_reviews")), 2);
	dump = json_dumps(out, 0);
	ck_assert_ptr_null(strstr(dump, "13800138000"));
	ck_assert_ptr_null(strstr(dump, "张三"));
	free(dump);
	json_decref(out);
	b->close(c);
	free(path);
	tu_rmdir(dir);
}
END_TEST

/* Names of indexes on the flags table, from sqlite_master. */
static int
has_index(const char *path, const char *name)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM "
	    "sqlite_master WHERE type = 'index' AND tbl_name = 'flags' AND "
	    "name = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
assert_queue_indexes(const char *path)
{
	ck_assert_int_eq(has_index(path, "flags_queue"), 1);
	ck_assert_int_eq(has_index(path, "flags_facets"), 0);
	ck_assert_int_eq(has_index(path, "flags_by_status"), 0);
	ck_assert_int_eq(has_index(path, "flags_by_place"), 0);
	ck_assert_int_eq(has_index(path, "flags_by_document"), 0);
	ck_assert_int_eq(has_index(path, "flags_by_severity"), 1);
}

/*
 * The reviewer queue's one index, (status, id, ...), that new flags
 * append to, and no index whose entries land at random but
 * flags_by_severity's five runs: on a fresh store, and on a store of two
 * versions before, which had flags_facets, flags_by_status and
 * flags_by_place instead.
 */
START_TEST(queue_index_migration)
{
	const struct md_store_backend *b = &md_store_sqlite;
	struct md_error err = { 0 };
	struct md_store_conn *c;
	struct md_flag_query q = { 0 };
	char *dir = tu_tmpdir(), *path = md_xasprintf("%s/s.db", dir);
	char *sql;
	json_t *out = NULL;
	int version;

	c = b->open(path, 1, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	version = b->schema_version(c);
	b->close(c);
	assert_queue_indexes(path);

	/* Back to the version before, with a flag in it. */
	sql = md_xasprintf("DROP INDEX flags_queue;"
	    "CREATE INDEX flags_facets ON flags (status, category, severity, "
	    "item, region_code, date, version);"
	    "CREATE INDEX flags_by_status ON flags (status, id);"
	    "CREATE INDEX flags_by_place ON flags (category, region_code, "
	    "status, date);"
	    "CREATE INDEX flags_by_document ON flags (document_id);"
	    "INSERT INTO flags (finding_id, document_id, status, category, "
	    "version, item, severity, region_code, date, created_at, "
	    "updated_at) VALUES (1, 1, 'open', 'closure.school', 'v', '2.16', "
	    "4, '110105', '2022-11-20', 'x', 'x');"
	    "PRAGMA user_version = %d;", version - 2);
	ck_assert_int_eq(exec_sql(path, sql), SQLITE_OK);
	free(sql);
	ck_assert_int_eq(has_index(path, "flags_facets"), 1);
	ck_assert_int_eq(has_index(path, "flags_by_place"), 1);
	c = b->open(path, 1, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_int_eq(b->schema_version(c), version);
	ck_assert_int_eq(b->flags_counts(c, &q, &out, &err), MD_STORE_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(out, "total")), 1);
	json_decref(out);
	b->close(c);
	assert_queue_indexes(path);
	free(path);
	tu_rmdir(dir);
}
END_TEST

/* The flags of counts_against_brute_force, made up from their number. */
#define NCF 400
#define OR_DASH(s) ((s) ? (s) : "-")

struct cflag {
	const char *status, *category, *item, *version, *region, *date;
	int severity;
};

static const char *const c_status[] = { "open", "confirmed", "dismissed",
	"escalated", "rectified" };
static const char *const c_category[] = { "closure.school", "closure.work",
	"testing.mass", "traffic.block" };
static const char *const c_item[] = { "2.16", "2.1", "2.6", "2.20" };
static const char *const c_version[] = { "2022-11-11", "2022-12-07" };
static const char *const c_region[] = { NULL, "11", "110105", "1101",
	"12", "120101", "32", "3201", "330106", "110229" };
static const char *const c_date[] = { "2022-11-19", "2022-11-20",
	"2022-11-25", "2022-11-30", "2022-12-01" };
static const int c_severity[] = { 1, 2, 3, 4, 5, 10 };

static void
cflag_make(int i, struct cflag *f)
{
	f->status = c_status[(i * 7) % 11 % MD_NELEM(c_status)];
	f->category = c_category[(i / 3) % MD_NELEM(c_category)];
	f->item = c_item[(i * 5 + i / 7) % MD_NELEM(c_item)];
	f->version = c_version[(i / 13) % MD_NELEM(c_version)];
	f->region = c_region[(i * 3 + i / 11) % MD_NELEM(c_region)];
	f->date = c_date[(i * 11 + i / 5) % MD_NELEM(c_date)];
	f->severity = c_severity[(i + i / 4) % MD_NELEM(c_severity)];
}

/* Whether f passes q's filters, less the one of facet skip (a name). */
static int
cflag_passes(const struct cflag *f, const struct md_flag_query *q,
    const char *skip)
{
	if (strcmp(skip, "status") != 0 && q->status &&
	    strcmp(f->status, q->status) != 0)
		return 0;
	if (strcmp(skip, "category") != 0 && q->category &&
	    strcmp(f->category, q->category) != 0)
		return 0;
	if (strcmp(skip, "item") != 0 && q->item &&
	    strcmp(f->item, q->item) != 0)
		return 0;
	if (strcmp(skip, "province") != 0 && q->region && (f->region ==
	    NULL || strncmp(f->region, q->region, strlen(q->region)) != 0))
		return 0;
	if (strcmp(skip, "severity") != 0 && q->severity &&
	    f->severity != q->severity)
		return 0;
	if (strcmp(skip, "severity") != 0 && q->min_severity &&
	    f->severity < q->min_severity)
		return 0;
	if (q->version && strcmp(f->version, q->version) != 0)
		return 0;
	if (q->from && strcmp(f->date, q->from) < 0)
		return 0;
	if (q->to && strcmp(f->date, q->to) > 0)
		return 0;
	return 1;
}

/* f's key in facet name, into buf. */
static const char *
cflag_key(const struct cflag *f, const char *facet, char buf[16])
{
	if (strcmp(facet, "status") == 0)
		return f->status;
	if (strcmp(facet, "category") == 0)
		return f->category;
	if (strcmp(facet, "item") == 0)
		return f->item;
	if (strcmp(facet, "severity") == 0) {
		snprintf(buf, 16, "%d", f->severity);
		return buf;
	}
	if (f->region == NULL)
		return "";
	snprintf(buf, 16, "%.2s", f->region);
	return buf;
}

/* The counts of q against a count of the flags, facet by facet. */
static void
check_counts(const struct cflag *fl, json_t *got,
    const struct md_flag_query *q, const char *label)
{
	static const char *const facet[] = { "status", "category", "item",
		"severity", "province" };
	struct { char key[16]; long long n; } want[NCF];
	char buf[16];
	size_t i, j, k, nkeys;
	long long total = 0;
	const char *key, *prev;
	json_t *m, *v;

	for (i = 0; i < NCF; i++)
		total += cflag_passes(&fl[i], q, "");
	ck_assert_msg(json_integer_value(json_object_get(got, "total")) ==
	    total, "%s: total %lld, want %lld", label, (long long)
	    json_integer_value(json_object_get(got, "total")), total);
	for (k = 0; k < MD_NELEM(facet); k++) {
		nkeys = 0;
		for (i = 0; i < NCF; i++) {
			if (!cflag_passes(&fl[i], q, facet[k]))
				continue;
			key = cflag_key(&fl[i], facet[k], buf);
			for (j = 0; j < nkeys && strcmp(want[j].key, key) != 0;
			    j++)
				;
			if (j == nkeys) {
				snprintf(want[j].key, sizeof want[j].key, "%s",
				    key);
				want[j].n = 0;
				nkeys++;
			}
			want[j].n++;
		}
		m = json_object_get(got, facet[k]);
		ck_assert_msg(json_is_object(m), "%s: no %s", label, facet[k]);
		ck_assert_msg(json_object_size(m) == nkeys, "%s: %s has %zu "
		    "keys, want %zu", label, facet[k], json_object_size(m),
		    nkeys);
		for (j = 0; j < nkeys; j++) {
			v = json_object_get(m, want[j].key);
			ck_assert_msg(v != NULL && json_integer_value(v) ==
			    want[j].n, "%s: %s \"%s\" %lld, want %lld", label,
			    facet[k], want[j].key, v ? (long long)
			    json_integer_value(v) : -1LL, want[j].n);
		}
		/* In GROUP BY's order: by value for severity. */
		prev = NULL;
		json_object_foreach(m, key, v) {
			if (prev != NULL)
				ck_assert_msg(strcmp(facet[k], "severity") == 0 ?
				    atoi(prev) < atoi(key) : strcmp(prev, key) <
				    0, "%s: %s \"%s\" before \"%s\"", label,
				    facet[k], prev, key);
			prev = key;
		}
	}
}

/*
 * The queue's counts, one pass in C, against the flags counted one by
 * one, over combinations of every filter.
 */
START_TEST(counts_against_brute_force)
{
	const struct md_store_backend *b = &md_store_sqlite;
	struct md_error err = { 0 };
	struct md_store_conn *c;
	char *dir = tu_tmpdir(), *path = md_xasprintf("%s/s.db", dir);
	struct cflag fl[NCF];
	sqlite3 *db;
	sqlite3_stmt *st;
	json_t *out;
	int i, combo;

	c = b->open(path, 1, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	b->close(c);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO flags (id, "
	    "finding_id, document_id, status, category, version, item, "
	    "severity, region_code, date, created_at, updated_at) VALUES "
	    "(?1, ?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'x', 'x')", -1, &st, NULL),
	    SQLITE_OK);
	for (i = 0; i < NCF; i++) {
		cflag_make(i, &fl[i]);
		sqlite3_bind_int(st, 1, i + 1);
		sqlite3_bind_text(st, 2, fl[i].status, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, fl[i].category, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, fl[i].version, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, fl[i].item, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, fl[i].severity);
		if (fl[i].region != NULL)
			sqlite3_bind_text(st, 7, fl[i].region, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 7);
		sqlite3_bind_text(st, 8, fl[i].date, -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	ck_assert_int_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);

	c = b->open(path, 0, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	/* Each filter off or on (some two ways), in every combination. */
	for (combo = 0; combo < 3 * 2 * 2 * 2 * 4 * 4 * 2 * 2; combo++) {
		static const char *const status[] = { NULL, "open",
			"dismissed" };
		static const char *const region[] = { NULL, "11", "1101",
			"99" };
		/* Severity 10 passes min 3; 4 and min 5, nothing. */
		static const int sev[][2] = { { 0, 0 }, { 4, 0 }, { 0, 3 },
			{ 4, 5 } };
		struct md_flag_query q = { 0 };
		char label[200];
		int k = combo;

		q.status = status[k % 3];
		k /= 3;
		q.category = k % 2 ? "closure.school" : NULL;
		k /= 2;
		q.item = k % 2 ? "2.1" : NULL;	/* a prefix of "2.16" */
		k /= 2;
		q.version = k % 2 ? "2022-11-11" : NULL;
		k /= 2;
		q.region = region[k % 4];
		k /= 4;
		q.severity = sev[k % 4][0];
		q.min_severity = sev[k % 4][1];
		k /= 4;
		q.from = k % 2 ? "2022-11-20" : NULL;
		k /= 2;
		q.to = k % 2 ? "2022-11-30" : NULL;
		snprintf(label, sizeof label, "status=%s category=%s item=%s "
		    "version=%s region=%s severity=%d min_severity=%d from=%s "
		    "to=%s", OR_DASH(q.status), OR_DASH(q.category),
		    OR_DASH(q.item), OR_DASH(q.version), OR_DASH(q.region),
		    q.severity, q.min_severity, OR_DASH(q.from),
		    OR_DASH(q.to));
		out = NULL;
		ck_assert_int_eq(b->flags_counts(c, &q, &out, &err),
		    MD_STORE_OK);
		check_counts(fl, out, &q, label);
		json_decref(out);
	}
	b->close(c);
	free(path);
	tu_rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, sha256_vectors);
	tcase_add_test(tc, backend_specs);
	tcase_add_test(tc, transitions);
	tcase_add_test(tc, migration_and_history);
	tcase_add_test(tc, report_rows);
	tcase_add_test(tc, feed_state_and_source);
	tcase_add_test(tc, group_journal_in_memory);
	tcase_add_test(tc, queue_index_migration);
	tcase_add_test(tc, counts_against_brute_force);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
