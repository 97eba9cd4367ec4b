/*
 * store_sqlite.c - the embedded store: one SQLite file in WAL mode with
 * synchronous=FULL, so a committed transaction survives a crash of the
 * process or the machine.  The writer's connection creates the schema and
 * migrates it by version number (PRAGMA user_version); readers open the
 * same file read-only and see each commit whole.
 *
 * Statements on the hot path are prepared once per connection and kept.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "json.h"
#include "outbox.h"
#include "store.h"
#include "walbuf.h"

struct stmt_cache {
	const char *sql;	/* compared by address: the SQL constants */
	sqlite3_stmt *st;
};

struct md_store_conn {
	sqlite3 *db;
	int writer;
	struct stmt_cache cache[64];
	size_t ncache;
};

/*
 * The schema, one entry per version; a database at version N runs the
 * entries after N in one transaction.  Never edit an entry that has
 * shipped: add one.
 */
static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE platforms ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created_at TEXT NOT NULL);"
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  label TEXT NOT NULL UNIQUE,"
	"  hash TEXT NOT NULL UNIQUE,"
	"  role TEXT NOT NULL"
	"    CHECK (role IN ('submitter', 'reviewer', 'admin')),"
	"  platform_id INTEGER REFERENCES platforms(id),"
	"  created_at TEXT NOT NULL,"
	"  revoked_at TEXT,"
	"  CHECK ((role = 'submitter') = (platform_id IS NOT NULL)));"
	"CREATE TABLE documents ("
	"  id INTEGER PRIMARY KEY,"
	"  platform_id INTEGER NOT NULL REFERENCES platforms(id),"
	"  external_id TEXT NOT NULL,"
	"  fingerprint TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  title TEXT,"
	"  text TEXT NOT NULL,"
	"  region_code TEXT,"
	"  region_name TEXT,"
	"  occurred_at TEXT,"
	"  published_at TEXT,"
	"  contact_name TEXT,"
	"  contact_phone TEXT,"
	"  callback_url TEXT,"
	"  measures_version TEXT,"
	"  date TEXT NOT NULL,"
	"  date_source TEXT NOT NULL,"
	"  received_at TEXT NOT NULL,"
	"  UNIQUE (platform_id, external_id));"
	"CREATE TABLE findings ("
	"  id INTEGER PRIMARY KEY,"
	"  document_id INTEGER NOT NULL REFERENCES documents(id),"
	"  seq INTEGER NOT NULL,"
	"  category TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  item TEXT NOT NULL,"
	"  number TEXT NOT NULL,"
	"  rule TEXT NOT NULL,"
	"  severity INTEGER NOT NULL,"
	"  excerpt TEXT NOT NULL,"
	"  json TEXT NOT NULL,"
	"  UNIQUE (document_id, seq));"
	"CREATE TABLE flags ("
	"  id INTEGER PRIMARY KEY,"
	"  finding_id INTEGER NOT NULL UNIQUE REFERENCES findings(id),"
	"  document_id INTEGER NOT NULL REFERENCES documents(id),"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('open', 'confirmed', 'dismissed', 'escalated', 'rectified')),"
	"  category TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  item TEXT NOT NULL,"
	"  severity INTEGER NOT NULL,"
	"  region_code TEXT,"
	"  date TEXT NOT NULL,"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL);"
	"CREATE INDEX flags_by_status ON flags (status, id);"
	"CREATE INDEX flags_by_severity ON flags (severity, id);"
	"CREATE INDEX flags_by_document ON flags (document_id);"
	"CREATE TABLE reviews ("
	"  id INTEGER PRIMARY KEY,"
	"  flag_id INTEGER NOT NULL REFERENCES flags(id),"
	"  action TEXT NOT NULL,"
	"  from_status TEXT NOT NULL,"
	"  to_status TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  note TEXT NOT NULL,"
	"  at TEXT NOT NULL);"
	"CREATE INDEX reviews_by_flag ON reviews (flag_id, id);"
	"CREATE TRIGGER reviews_append_only_u BEFORE UPDATE ON reviews"
	"  BEGIN SELECT RAISE(ABORT, 'the review history is append-only'); END;"
	"CREATE TRIGGER reviews_append_only_d BEFORE DELETE ON reviews"
	"  BEGIN SELECT RAISE(ABORT, 'the review history is append-only'); END;",
	/* issue 6, feeds and the spool (branch feeds): where a notice came
	 * from, and each feed's polling state. */
	"ALTER TABLE documents ADD COLUMN source_url TEXT;"
	"CREATE TABLE feed_state ("
	"  name TEXT PRIMARY KEY,"
	"  etag TEXT,"
	"  last_modified TEXT,"
	"  last_success TEXT,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  next_poll REAL NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  updated_at TEXT NOT NULL);",

	/*
	 * Issue 6, the outbox: messages to work-group webhooks and platform
	 * callbacks, each written in the transaction of the event causing
	 * it.  Times the dispatcher computes with are unix milliseconds.
	 * A review may carry a note meant for the public (the callback's).
	 */
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('webhook', 'callback')),"
	"  url TEXT NOT NULL,"
	"  receiver TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  message_id TEXT NOT NULL UNIQUE,"
	"  flag_id INTEGER REFERENCES flags(id),"
	"  created_at TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  last_error TEXT,"
	"  delivered_at TEXT,"
	"  dead_at TEXT,"
	"  CHECK (delivered_at IS NULL OR dead_at IS NULL));"
	"CREATE INDEX outbox_due ON outbox (next_attempt_at, id)"
	"  WHERE delivered_at IS NULL AND dead_at IS NULL;"
	"CREATE INDEX outbox_by_flag ON outbox (flag_id, kind, id)"
	"  WHERE delivered_at IS NULL AND dead_at IS NULL;"
	"ALTER TABLE reviews ADD COLUMN public_note TEXT;",

	/* issue 5, the weekly report: confirmations and first reviews by
	 * time (report_rows, first_confirmed). */
	"CREATE INDEX reviews_by_time ON reviews (at, action);",

	/*
	 * issue 5, the reviewer UI: the queue's counts per filter from one
	 * covering index (every filter column, led by status), and the
	 * related open flags of one place and category
	 * (docs/PERFORMANCE.md has the timings at 100,000 flags).
	 */
	"CREATE INDEX flags_facets ON flags (status, category, severity, item,"
	"  region_code, date, version);"
	"CREATE INDEX flags_by_place ON flags (category, region_code, status,"
	"  date);",

	/*
	 * The writer's index pages: new flags are open with rising ids, so
	 * entries of (status, id, ...) land on the last pages of the index,
	 * where flags_facets put each on a page of its own.  flags_queue
	 * serves the queue's list by status (as flags_by_status did) and,
	 * covering every filter column, the counts' one pass
	 * (docs/PERFORMANCE.md, "The reviewer queue").
	 */
	"DROP INDEX flags_facets;"
	"DROP INDEX flags_by_status;"
	"CREATE INDEX flags_queue ON flags (status, id, category, severity,"
	"  item, region_code, date, version);",

	/*
	 * The writer's pages again.  flags_by_place was the last reviewer
	 * index whose entries landed at random: each new flag's (category,
	 * region_code) put it on a page of its own, about 6 µs of the
	 * writer's time a submission; related flags read flags_queue's open
	 * range instead (docs/PERFORMANCE.md).  flags_by_document served no
	 * query (a document's flags are found through its findings) and cost
	 * a page rewritten every commit.
	 */
	"DROP INDEX flags_by_place;"
	"DROP INDEX flags_by_document;",
};

#define NMIGRATIONS ((int)MD_NELEM(migrations))

static int
fail(struct md_store_conn *c, struct md_error *err, const char *what)
{
	md_error_set(err, "sqlite: %s: %s", what, sqlite3_errmsg(c->db));
	return MD_STORE_ERROR;
}

static int
exec(struct md_store_conn *c, const char *sql, struct md_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		md_error_set(err, "sqlite: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return MD_STORE_ERROR;
	}
	return 0;
}

/* A prepared statement for sql (a constant), reset and ready to bind. */
static sqlite3_stmt *
prep(struct md_store_conn *c, const char *sql, struct md_error *err)
{
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < c->ncache; i++)
		if (c->cache[i].sql == sql) {
			sqlite3_reset(c->cache[i].st);
			sqlite3_clear_bindings(c->cache[i].st);
			return c->cache[i].st;
		}
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		fail(c, err, "prepare");
		return NULL;
	}
	if (c->ncache < MD_NELEM(c->cache)) {
		c->cache[c->ncache].sql = sql;
		c->cache[c->ncache].st = st;
		c->ncache++;
	} else {
		md_fatal("sqlite statement cache full");
	}
	return st;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static json_t *
col_json_str(sqlite3_stmt *st, int i)
{
	const char *s = col_text(st, i);

	return s ? json_string(s) : json_null();
}

static void
now_iso(char out[26])
{
	md_time_iso(time(NULL), out);
}

static int
migrate(struct md_store_conn *c, struct md_error *err)
{
	sqlite3_stmt *st;
	int version, v;

	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return fail(c, err, "user_version");
	version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (version > NMIGRATIONS) {
		md_error_set(err, "the store's schema is version %d, newer than "
		    "this measured knows (%d): refusing to touch it", version,
		    NMIGRATIONS);
		return MD_STORE_ERROR;
	}
	if (version == NMIGRATIONS)
		return 0;
	if (exec(c, "BEGIN IMMEDIATE", err) != 0)
		return MD_STORE_ERROR;
	for (v = version; v < NMIGRATIONS; v++) {
		char sql[64];

		if (exec(c, migrations[v], err) != 0)
			goto fail;
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (exec(c, sql, err) != 0)
			goto fail;
	}
	if (exec(c, "COMMIT", err) != 0)
		goto fail;
	if (version > 0)
		md_log(5, "store: schema migrated from version %d to %d",
		    version, NMIGRATIONS);
	return 0;
fail:
	exec(c, "ROLLBACK", NULL);
	return MD_STORE_ERROR;
}

static void
sq_close(struct md_store_conn *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ncache; i++)
		sqlite3_finalize(c->cache[i].st);
	sqlite3_close(c->db);
	free(c);
}

static struct md_store_conn *
sq_open(const char *location, int writer, struct md_error *err)
{
	struct md_store_conn *c = md_xcalloc(1, sizeof *c);
	int flags = writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE :
	    SQLITE_OPEN_READONLY;

	c->writer = writer;
	flags |= SQLITE_OPEN_NOMUTEX;
	/* The writer commits with synchronous=FULL and spills no pages
	 * before a commit (after the migrations), as walbuf.c needs. */
	if (sqlite3_open_v2(location, &c->db, flags,
	    writer ? md_walbuf_vfs() : NULL) != SQLITE_OK) {
		md_error_set(err, "%s: %s", location, c->db ?
		    sqlite3_errmsg(c->db) : "cannot open");
		sq_close(c);
		return NULL;
	}
	sqlite3_extended_result_codes(c->db, 1);
	/* Another process (measured token) may hold the lock briefly. */
	sqlite3_busy_timeout(c->db, 5000);
	if (writer) {
		/*
		 * temp_store: each submission of a group is a savepoint,
		 * whose statement journal keeps the pages it changes; past
		 * 64 KB SQLite spills it to a temporary file, and a group of
		 * about 28 then cost a file created and unlinked and about
		 * 400 pwrite calls more (strace under bench/bench_daemon.sh).
		 * In memory it holds one submission's pages at a time: a
		 * savepoint released empties it.
		 */
		if (exec(c, "PRAGMA journal_mode = WAL", err) != 0 ||
		    exec(c, "PRAGMA synchronous = FULL", err) != 0 ||
		    exec(c, "PRAGMA temp_store = MEMORY", err) != 0 ||
		    exec(c, "PRAGMA foreign_keys = ON", err) != 0 ||
		    migrate(c, err) != 0 ||
		    exec(c, "PRAGMA cache_spill = OFF", err) != 0)
			goto fail;
	} else if (exec(c, "PRAGMA query_only = ON", err) != 0) {
		goto fail;
	}
	return c;
fail:
	md_error_set(err, "%s: cannot prepare the store", location);
	sq_close(c);
	return NULL;
}

/*
 * Runs one of the transaction statements below, prepared once: through
 * sqlite3_exec() each was parsed and compiled again, three times a
 * submission (its savepoint and release, and the group's BEGIN and
 * COMMIT), 7% of the writer's time under bench/bench_daemon.sh.
 */
static int
run(struct md_store_conn *c, const char *sql, struct md_error *err)
{
	sqlite3_stmt *st = prep(c, sql, err);
	int rc;

	if (st == NULL)
		return MD_STORE_ERROR;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail(c, err, sql);
	return 0;
}

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_SAVEPOINT[] = "SAVEPOINT job";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO job";
static const char SQL_RELEASE[] = "RELEASE job";

static int
sq_begin(struct md_store_conn *c, struct md_error *err)
{
	return run(c, SQL_BEGIN, err);
}

static int
sq_commit(struct md_store_conn *c, struct md_error *err)
{
	return run(c, SQL_COMMIT, err);
}

static void
sq_rollback(struct md_store_conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		exec(c, "ROLLBACK", NULL);
}

static int
sq_savepoint(struct md_store_conn *c, struct md_error *err)
{
	return run(c, SQL_SAVEPOINT, err);
}

static void
sq_release(struct md_store_conn *c, int keep)
{
	if (!keep)
		run(c, SQL_ROLLBACK_TO, NULL);
	run(c, SQL_RELEASE, NULL);
}

/* --- submissions -------------------------------------------------------- */

static const char SQL_PLATFORM_ID[] =
    "SELECT id FROM platforms WHERE name = ?1";
static const char SQL_PLATFORM_ADD[] =
    "INSERT INTO platforms (name, created_at) VALUES (?1, ?2)";
static const char SQL_DOC_BY_KEY[] =
    "SELECT id, fingerprint FROM documents "
    "WHERE platform_id = ?1 AND external_id = ?2";
static const char SQL_DOC_ADD[] =
    "INSERT INTO documents (platform_id, external_id, fingerprint, kind, "
    "title, text, region_code, region_name, occurred_at, published_at, "
    "contact_name, contact_phone, callback_url, measures_version, date, "
    "date_source, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
static const char SQL_FINDING_ADD[] =
    "INSERT INTO findings (document_id, seq, category, version, item, "
    "number, rule, severity, excerpt, json) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char SQL_FLAG_ADD[] =
    "INSERT INTO flags (finding_id, document_id, status, category, version, "
    "item, severity, region_code, date, created_at, updated_at) "
    "VALUES (?1, ?2, 'open', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)";
static const char SQL_DOC_GET[] =
    "SELECT d.id, p.name, d.external_id, d.kind, d.title, d.region_code, "
    "d.region_name, d.occurred_at, d.published_at, d.callback_url, "
    "d.measures_version, d.date, d.date_source, d.received_at, "
    "d.platform_id, d.text, d.contact_name, d.contact_phone, d.source_url "
    "FROM documents d JOIN platforms p ON p.id = d.platform_id "
    "WHERE d.id = ?1";
static const char SQL_DOC_FINDINGS[] =
    "SELECT f.json, g.id, g.status FROM findings f "
    "JOIN flags g ON g.finding_id = f.id "
    "WHERE f.document_id = ?1 ORDER BY f.seq";
static const char SQL_DOC_SOURCE[] =
    "UPDATE documents SET source_url = ?2 WHERE id = ?1";
static const char SQL_DOC_FIND[] =
    "SELECT id FROM documents WHERE external_id = ?1 "
    "AND (?2 = 0 OR platform_id = ?2) ORDER BY id";

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const char SQL_OUTBOX_ADD[] =
    "INSERT INTO outbox (kind, url, receiver, body, message_id, flag_id, "
    "created_at, created_ms, next_attempt_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";

/* Queues a message; body is taken (decref'd). */
static int
outbox_add(struct md_store_conn *c, const char *kind, const char *url,
    const char *receiver, json_t *body, const char *message_id,
    int64_t flag_id, const char *now, struct md_error *err)
{
	sqlite3_stmt *st;
	char *js;

	if ((st = prep(c, SQL_OUTBOX_ADD, err)) == NULL) {
		json_decref(body);
		return MD_STORE_ERROR;
	}
	js = md_json_dumps(body, NULL);
	json_decref(body);
	bind_text(st, 1, kind);
	bind_text(st, 2, url);
	bind_text(st, 3, receiver);
	sqlite3_bind_text(st, 4, js, -1, free);
	bind_text(st, 5, message_id);
	sqlite3_bind_int64(st, 6, flag_id);
	bind_text(st, 7, now);
	sqlite3_bind_int64(st, 8, md_wall_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		return fail(c, err, "outbox");
	return 0;
}

/* The webhook messages of a submission just stored. */
static int
add_webhooks(struct md_store_conn *c, struct md_submission *s,
    const char *now, struct md_error *err)
{
	json_t *w;
	size_t i;

	json_array_foreach(s->webhooks, i, w) {
		size_t k = (size_t)json_integer_value(json_object_get(w,
		    "finding"));
		const char *name = jstr(w, "webhook");
		char id[37];

		if (k >= s->nfindings || name == NULL || jstr(w, "url") == NULL)
			continue;
		md_outbox_message_id(id);
		if (outbox_add(c, "webhook", jstr(w, "url"), name,
		    md_outbox_webhook_body(s, k, id, name, now), id,
		    s->findings[k].flag_id, now, err) != 0)
			return MD_STORE_ERROR;
	}
	return 0;
}

static int64_t
platform_id(struct md_store_conn *c, const char *name, int create,
    struct md_error *err)
{
	sqlite3_stmt *st;
	char now[26];
	int rc;

	if ((st = prep(c, SQL_PLATFORM_ID, err)) == NULL)
		return -1;
	bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return sqlite3_column_int64(st, 0);
	if (rc != SQLITE_DONE)
		return fail(c, err, "platform"), -1;
	if (!create)
		return 0;
	if ((st = prep(c, SQL_PLATFORM_ADD, err)) == NULL)
		return -1;
	now_iso(now);
	bind_text(st, 1, name);
	bind_text(st, 2, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return fail(c, err, "platform"), -1;
	return sqlite3_last_insert_rowid(c->db);
}

static json_t *
region_json(sqlite3_stmt *st, int code, int name)
{
	if (sqlite3_column_type(st, code) == SQLITE_NULL &&
	    sqlite3_column_type(st, name) == SQLITE_NULL)
		return json_null();
	return json_pack("{s:o, s:o}", "code", col_json_str(st, code),
	    "name", col_json_str(st, name));
}

/*
 * The submission as the API shows it.  full adds the text and the
 * contact: the flag view only.
 */
static int
document_json(struct md_store_conn *c, int64_t id, int64_t platform,
    int full, json_t **out, struct md_error *err)
{
	sqlite3_stmt *st;
	json_t *o, *findings;
	int rc;

	if ((st = prep(c, SQL_DOC_GET, err)) == NULL)
		return MD_STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return MD_STORE_NOTFOUND;
	if (rc != SQLITE_ROW)
		return fail(c, err, "document");
	if (platform != 0 && sqlite3_column_int64(st, 14) != platform) {
		sqlite3_reset(st);
		return MD_STORE_NOTFOUND;
	}
	o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "platform", col_json_str(st, 1),
	    "external_id", col_json_str(st, 2),
	    "kind", col_json_str(st, 3),
	    "title", col_json_str(st, 4),
	    "region", region_json(st, 5, 6),
	    "occurred_at", col_json_str(st, 7),
	    "published_at", col_json_str(st, 8),
	    "callback_url", col_json_str(st, 9),
	    "measures_version", col_json_str(st, 10),
	    "date", col_json_str(st, 11),
	    "date_source", col_json_str(st, 12),
	    "received_at", col_json_str(st, 13));
	if (sqlite3_column_type(st, 18) != SQLITE_NULL)
		json_object_set_new(o, "source_url", col_json_str(st, 18));
	if (full) {
		json_object_set_new(o, "text", col_json_str(st, 15));
		if (sqlite3_column_type(st, 16) != SQLITE_NULL ||
		    sqlite3_column_type(st, 17) != SQLITE_NULL)
			json_object_set_new(o, "contact", json_pack("{s:o, s:o}",
			    "name", col_json_str(st, 16),
			    "phone", col_json_str(st, 17)));
		else
			json_object_set_new(o, "contact", json_null());
	}
	sqlite3_reset(st);

	if ((st = prep(c, SQL_DOC_FINDINGS, err)) == NULL) {
		json_decref(o);
		return MD_STORE_ERROR;
	}
	findings = json_array();
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *f = json_loads(col_text(st, 0), 0, NULL);

		if (f == NULL)
			f = json_object();
		json_object_set_new(f, "flag_id",
		    json_integer(sqlite3_column_int64(st, 1)));
		json_object_set_new(f, "flag_status", col_json_str(st, 2));
		json_array_append_new(findings, f);
	}
	json_object_set_new(o, "findings", findings);
	if (rc != SQLITE_DONE) {
		json_decref(o);
		return fail(c, err, "findings");
	}
	*out = o;
	return MD_STORE_OK;
}

static int
add_findings(struct md_store_conn *c, int64_t doc, struct md_submission *s,
    const char *now, struct md_error *err)
{
	size_t i;

	for (i = 0; i < s->nfindings; i++) {
		struct md_sub_finding *f = &s->findings[i];
		sqlite3_stmt *st;
		int64_t fid;

		if ((st = prep(c, SQL_FINDING_ADD, err)) == NULL)
			return MD_STORE_ERROR;
		sqlite3_bind_int64(st, 1, doc);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		bind_text(st, 3, f->category);
		bind_text(st, 4, f->version);
		bind_text(st, 5, f->item);
		bind_text(st, 6, f->number);
		bind_text(st, 7, f->rule);
		sqlite3_bind_int(st, 8, f->severity);
		bind_text(st, 9, f->excerpt);
		sqlite3_bind_text(st, 10, f->json, (int)f->json_len,
		    SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return fail(c, err, "finding");
		fid = sqlite3_last_insert_rowid(c->db);

		if ((st = prep(c, SQL_FLAG_ADD, err)) == NULL)
			return MD_STORE_ERROR;
		sqlite3_bind_int64(st, 1, fid);
		sqlite3_bind_int64(st, 2, doc);
		bind_text(st, 3, f->category);
		bind_text(st, 4, f->version);
		bind_text(st, 5, f->item);
		sqlite3_bind_int(st, 6, f->severity);
		bind_text(st, 7, s->region_code);
		bind_text(st, 8, s->date);
		bind_text(st, 9, now);
		if (sqlite3_step(st) != SQLITE_DONE)
			return fail(c, err, "flag");
		f->flag_id = sqlite3_last_insert_rowid(c->db);
	}
	return 0;
}

static int
sq_submission_put(struct md_store_conn *c, struct md_submission *s,
    json_t **out, struct md_error *err)
{
	sqlite3_stmt *st;
	char now[26];
	int64_t pid, doc;
	int rc;

	pid = s->platform_id;
	if (pid == 0 && (pid = platform_id(c, s->platform, 1, err)) < 0)
		return MD_STORE_ERROR;
	if ((st = prep(c, SQL_DOC_BY_KEY, err)) == NULL)
		return MD_STORE_ERROR;
	sqlite3_bind_int64(st, 1, pid);
	bind_text(st, 2, s->external_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int same = strcmp(col_text(st, 1), s->fingerprint) == 0;

		doc = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (!same) {
			md_error_set(err, "external_id \"%s\" is already "
			    "stored as submission %" PRId64 " with a different "
			    "body", s->external_id, doc);
			return MD_STORE_CONFLICT;
		}
		rc = document_json(c, doc, 0, 0, out, err);
		return rc == MD_STORE_OK ? MD_STORE_EXISTS : rc;
	}
	if (rc != SQLITE_DONE)
		return fail(c, err, "lookup");

	now_iso(now);
	if ((st = prep(c, SQL_DOC_ADD, err)) == NULL)
		return MD_STORE_ERROR;
	sqlite3_bind_int64(st, 1, pid);
	bind_text(st, 2, s->external_id);
	bind_text(st, 3, s->fingerprint);
	bind_text(st, 4, s->kind);
	bind_text(st, 5, s->title);
	bind_text(st, 6, s->text);
	bind_text(st, 7, s->region_code);
	bind_text(st, 8, s->region_name);
	bind_text(st, 9, s->occurred_at);
	bind_text(st, 10, s->published_at);
	bind_text(st, 11, s->contact_name);
	bind_text(st, 12, s->contact_phone);
	bind_text(st, 13, s->callback_url);
	bind_text(st, 14, s->measures_version);
	bind_text(st, 15, s->date);
	bind_text(st, 16, s->date_source);
	bind_text(st, 17, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return fail(c, err, "document");
	doc = sqlite3_last_insert_rowid(c->db);
	if (s->source_url != NULL) {
		if ((st = prep(c, SQL_DOC_SOURCE, err)) == NULL)
			return MD_STORE_ERROR;
		sqlite3_bind_int64(st, 1, doc);
		bind_text(st, 2, s->source_url);
		if (sqlite3_step(st) != SQLITE_DONE)
			return fail(c, err, "document");
	}
	if (add_findings(c, doc, s, now, err) != 0)
		return MD_STORE_ERROR;
	s->id = doc;
	memcpy(s->received_at, now, sizeof now);
	if (add_webhooks(c, s, now, err) != 0)
		return MD_STORE_ERROR;
	return MD_STORE_CREATED;
}

static int
sq_submission_get(struct md_store_conn *c, int64_t id, int64_t platform,
    json_t **out, struct md_error *err)
{
	return document_json(c, id, platform, 0, out, err);
}

static int
sq_submission_find(struct md_store_conn *c, const char *external_id,
    int64_t platform, json_t **out, struct md_error *err)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();
	int64_t ids[64];
	size_t n = 0, i;
	int rc;

	if ((st = prep(c, SQL_DOC_FIND, err)) == NULL)
		goto fail;
	bind_text(st, 1, external_id);
	sqlite3_bind_int64(st, 2, platform);
	while (n < MD_NELEM(ids) && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (i = 0; i < n; i++) {
		json_t *d;

		if (document_json(c, ids[i], platform, 0, &d, err) !=
		    MD_STORE_OK)
			goto fail;
		json_array_append_new(arr, d);
	}
	*out = json_pack("{s:o}", "submissions", arr);
	return MD_STORE_OK;
fail:
	json_decref(arr);
	return MD_STORE_ERROR;
}

/* --- flags -------------------------------------------------------------- */

static const char SQL_FLAG_GET[] =
    "SELECT g.id, g.status, g.created_at, g.updated_at, f.json, "
    "g.document_id FROM flags g JOIN findings f ON f.id = g.finding_id "
    "WHERE g.id = ?1";
static const char SQL_FLAG_HISTORY[] =
    "SELECT action, from_status, to_status, actor, note, at, public_note "
    "FROM reviews WHERE flag_id = ?1 ORDER BY id";
static const char SQL_FLAG_STATUS[] =
    "SELECT status FROM flags WHERE id = ?1";
static const char SQL_FLAG_SET[] =
    "UPDATE flags SET status = ?2, updated_at = ?3 WHERE id = ?1";
static const char SQL_REVIEW_ADD[] =
    "INSERT INTO reviews (flag_id, action, from_status, to_status, actor, "
    "note, at, public_note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

static int
sq_flag_get(struct md_store_conn *c, int64_t id, json_t **out,
    struct md_error *err)
{
	sqlite3_stmt *st;
	json_t *o, *f, *doc, *hist;
	int64_t docid;
	int rc;

	if ((st = prep(c, SQL_FLAG_GET, err)) == NULL)
		return MD_STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return MD_STORE_NOTFOUND;
	if (rc != SQLITE_ROW)
		return fail(c, err, "flag");
	f = json_loads(col_text(st, 4), 0, NULL);
	o = f ? f : json_object();
	json_object_set_new(o, "id", json_integer(id));
	json_object_set_new(o, "status", col_json_str(st, 1));
	json_object_set_new(o, "created_at", col_json_str(st, 2));
	json_object_set_new(o, "updated_at", col_json_str(st, 3));
	docid = sqlite3_column_int64(st, 5);
	sqlite3_reset(st);

	if ((rc = document_json(c, docid, 0, 1, &doc, err)) != MD_STORE_OK) {
		json_decref(o);
		return rc == MD_STORE_NOTFOUND ? MD_STORE_ERROR : rc;
	}
	json_object_set_new(o, "submission", doc);

	if ((st = prep(c, SQL_FLAG_HISTORY, err)) == NULL) {
		json_decref(o);
		return MD_STORE_ERROR;
	}
	hist = json_array();
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(hist, json_pack("{s:o, s:o, s:o, s:o, "
		    "s:o, s:o, s:o}", "action", col_json_str(st, 0),
		    "from", col_json_str(st, 1), "to", col_json_str(st, 2),
		    "actor", col_json_str(st, 3), "note", col_json_str(st, 4),
		    "public_note", col_json_str(st, 6),
		    "at", col_json_str(st, 5)));
	json_object_set_new(o, "history", hist);
	if (rc != SQLITE_DONE) {
		json_decref(o);
		return fail(c, err, "history");
	}
	*out = o;
	return MD_STORE_OK;
}

static int
sq_flag_review(struct md_store_conn *c, int64_t id, const char *action,
    const char *actor, const char *note, const char *public_note,
    json_t **out, struct md_error *err)
{
	json_t *flag, *sub;
	sqlite3_stmt *st;
	const char *to;
	char from[16], now[26];
	int rc;

	if ((st = prep(c, SQL_FLAG_STATUS, err)) == NULL)
		return MD_STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return MD_STORE_NOTFOUND;
	if (rc != SQLITE_ROW)
		return fail(c, err, "flag");
	snprintf(from, sizeof from, "%s", col_text(st, 0));
	sqlite3_reset(st);
	if ((to = md_review_next(action, from)) == NULL) {
		md_error_set(err, "flag %" PRId64 " is %s; %s is not allowed "
		    "from %s", id, from, action, from);
		return MD_STORE_CONFLICT;
	}
	now_iso(now);
	if ((st = prep(c, SQL_FLAG_SET, err)) == NULL)
		return MD_STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, to);
	bind_text(st, 3, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return fail(c, err, "flag");
	if ((st = prep(c, SQL_REVIEW_ADD, err)) == NULL)
		return MD_STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, action);
	bind_text(st, 3, from);
	bind_text(st, 4, to);
	bind_text(st, 5, actor);
	bind_text(st, 6, note);
	bind_text(st, 7, now);
	bind_text(st, 8, public_note);
	if (sqlite3_step(st) != SQLITE_DONE)
		return fail(c, err, "review");
	if ((rc = sq_flag_get(c, id, &flag, err)) != MD_STORE_OK)
		return rc;
	/* The platform hears of every change of state of its case. */
	sub = json_object_get(flag, "submission");
	if (jstr(sub, "callback_url") != NULL) {
		char mid[37];

		md_outbox_message_id(mid);
		if (outbox_add(c, "callback", jstr(sub, "callback_url"),
		    jstr(sub, "platform"), md_outbox_callback_body(flag,
		    public_note, mid, now), mid, id, now, err) != 0) {
			json_decref(flag);
			return MD_STORE_ERROR;
		}
	}
	*out = flag;
	return MD_STORE_OK;
}

/* --- the outbox --------------------------------------------------------- */

/*
 * Due rows; a flag's callbacks go one at a time, in order, so that a
 * platform never hears "escalated" before "confirmed": a callback waits
 * while an earlier one of its flag is undelivered (in flight, retried).
 */
static const char SQL_OUTBOX_DUE[] =
    "SELECT id, kind, url, receiver, body, message_id, attempts, created_ms "
    "FROM outbox o WHERE delivered_at IS NULL AND dead_at IS NULL "
    "AND next_attempt_at <= ?1 AND (kind <> 'callback' OR NOT EXISTS ("
    "SELECT 1 FROM outbox e WHERE e.flag_id = o.flag_id "
    "AND e.kind = 'callback' AND e.id < o.id AND e.delivered_at IS NULL "
    "AND e.dead_at IS NULL)) ORDER BY next_attempt_at, id LIMIT ?2";
static const char SQL_OUTBOX_CLAIM[] =
    "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2 "
    "WHERE id = ?1";
static const char SQL_OUTBOX_PENDING[] =
    "SELECT count(*), min(next_attempt_at) FROM outbox "
    "WHERE delivered_at IS NULL AND dead_at IS NULL";
static const char SQL_OUTBOX_DELIVERED[] =
    "UPDATE outbox SET delivered_at = ?2 WHERE id = ?1 "
    "AND delivered_at IS NULL AND dead_at IS NULL";
static const char SQL_OUTBOX_RETRY[] =
    "UPDATE outbox SET last_error = ?2, next_attempt_at = ?3 WHERE id = ?1 "
    "AND delivered_at IS NULL AND dead_at IS NULL";
static const char SQL_OUTBOX_DEAD[] =
    "UPDATE outbox SET last_error = ?2, dead_at = ?3 WHERE id = ?1 "
    "AND delivered_at IS NULL AND dead_at IS NULL";

static int
sq_outbox_claim(struct md_store_conn *c, int64_t now_ms, int limit,
    int64_t lease_ms, json_t **out, struct md_error *err)
{
	sqlite3_stmt *st;
	json_t *msgs = json_array(), *m;
	size_t i;
	int rc;

	if ((st = prep(c, SQL_OUTBOX_DUE, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(msgs, json_pack("{s:I, s:o, s:o, s:o, "
		    "s:o, s:o, s:I, s:I}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "kind", col_json_str(st, 1),
		    "url", col_json_str(st, 2),
		    "receiver", col_json_str(st, 3),
		    "body", col_json_str(st, 4),
		    "message_id", col_json_str(st, 5),
		    /* this claim is an attempt */
		    "attempts", (json_int_t)sqlite3_column_int64(st, 6) + 1,
		    "created_ms", (json_int_t)sqlite3_column_int64(st, 7)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fail(c, err, "outbox");
		goto fail;
	}
	json_array_foreach(msgs, i, m) {
		if ((st = prep(c, SQL_OUTBOX_CLAIM, err)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(m,
		    "id")));
		sqlite3_bind_int64(st, 2, lease_ms);
		if (sqlite3_step(st) != SQLITE_DONE) {
			fail(c, err, "outbox");
			goto fail;
		}
	}
	if ((st = prep(c, SQL_OUTBOX_PENDING, err)) == NULL)
		goto fail;
	if (sqlite3_step(st) != SQLITE_ROW) {
		fail(c, err, "outbox");
		goto fail;
	}
	*out = json_pack("{s:o, s:I, s:o}", "messages", msgs,
	    "pending", (json_int_t)sqlite3_column_int64(st, 0),
	    "next_at", sqlite3_column_type(st, 1) == SQLITE_NULL ?
	    json_null() : json_integer(sqlite3_column_int64(st, 1)));
	sqlite3_reset(st);
	return MD_STORE_OK;
fail:
	json_decref(msgs);
	return MD_STORE_ERROR;
}

static int
sq_outbox_done(struct md_store_conn *c, int64_t id, int outcome,
    const char *error, int64_t next_ms, struct md_error *err)
{
	sqlite3_stmt *st;
	char now[26];

	now_iso(now);
	switch (outcome) {
	case MD_OUTBOX_DELIVERED:
		if ((st = prep(c, SQL_OUTBOX_DELIVERED, err)) == NULL)
			return MD_STORE_ERROR;
		bind_text(st, 2, now);
		break;
	case MD_OUTBOX_RETRY:
		if ((st = prep(c, SQL_OUTBOX_RETRY, err)) == NULL)
			return MD_STORE_ERROR;
		bind_text(st, 2, error);
		sqlite3_bind_int64(st, 3, next_ms);
		break;
	case MD_OUTBOX_DEAD:
		if ((st = prep(c, SQL_OUTBOX_DEAD, err)) == NULL)
			return MD_STORE_ERROR;
		bind_text(st, 2, error);
		bind_text(st, 3, now);
		break;
	default:
		md_error_set(err, "outbox: unknown outcome %d", outcome);
		return MD_STORE_INVALID;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return fail(c, err, "outbox");
	return sqlite3_changes(c->db) == 1 ? MD_STORE_OK : MD_STORE_NOTFOUND;
}

/* One row of a flag listing: the columns flag_row_json reads. */
#define SQL_FLAG_ROW \
    "SELECT g.id, g.status, g.category, g.version, " \
    "g.item, f.number, g.severity, d.region_code, d.region_name, " \
    "g.date, g.created_at, g.document_id, f.excerpt " \
    "FROM flags g JOIN findings f ON f.id = g.finding_id " \
    "JOIN documents d ON d.id = g.document_id"

static json_t *
flag_row_json(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:o, s:o, s:{s:o, s:o, s:o}, s:i, s:o, "
	    "s:o, s:o, s:I, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "status", col_json_str(st, 1),
	    "category", col_json_str(st, 2),
	    "measure", "version", col_json_str(st, 3),
	    "item", col_json_str(st, 4),
	    "number", col_json_str(st, 5),
	    "severity", sqlite3_column_int(st, 6),
	    "region", region_json(st, 7, 8),
	    "date", col_json_str(st, 9),
	    "created_at", col_json_str(st, 10),
	    "submission_id", (json_int_t)sqlite3_column_int64(st, 11),
	    "excerpt", col_json_str(st, 12));
}

/*
 * q's filters as parameters ?1 to ?9, for the WHERE clauses of the list
 * and the counts.  A region is a prefix of digits (the HTTP layer checks
 * it), so GLOB "11*" matches it and, unlike LIKE, can use an index.
 */
static void
bind_filters(sqlite3_stmt *st, const struct md_flag_query *q)
{
	char region[32];

	bind_text(st, 1, q->status);
	bind_text(st, 2, q->category);
	bind_text(st, 3, q->item);
	bind_text(st, 4, q->version);
	if (q->region) {
		snprintf(region, sizeof region, "%s*", q->region);
		sqlite3_bind_text(st, 5, region, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int(st, 6, q->severity);
	sqlite3_bind_int(st, 7, q->min_severity);
	bind_text(st, 8, q->from);
	bind_text(st, 9, q->to);
}

/*
 * Flags, filtered, in a stable order: newest first (id descending) or
 * most severe first (severity, then id, descending).  The cursor is the
 * last row's key: "ID" or "SEVERITY.ID".
 */
static int
sq_flags_list(struct md_store_conn *c, const struct md_flag_query *q,
    json_t **out, struct md_error *err)
{
	struct md_buf sql = { 0 };
	sqlite3_stmt *st = NULL;
	json_t *arr, *last = NULL;
	long long cid = 0, csev = 0;
	int n = 0, rc, limit, more = 0;

	limit = q->limit > 0 ? q->limit : 50;
	if (q->cursor != NULL) {
		char tail;

		if (q->by_severity ? sscanf(q->cursor, "%lld.%lld%c", &csev,
		    &cid, &tail) != 2 : sscanf(q->cursor, "%lld%c", &cid,
		    &tail) != 1) {
			md_error_set(err, "cursor \"%s\" is not one this "
			    "listing gave (was the order changed?)", q->cursor);
			return MD_STORE_INVALID;
		}
	}
	md_buf_adds(&sql, SQL_FLAG_ROW " WHERE 1");
	if (q->status)
		md_buf_adds(&sql, " AND g.status = ?1");
	if (q->category)
		md_buf_adds(&sql, " AND g.category = ?2");
	if (q->item)
		md_buf_adds(&sql, " AND g.item = ?3");
	if (q->version)
		md_buf_adds(&sql, " AND g.version = ?4");
	if (q->region)
		md_buf_adds(&sql, " AND g.region_code GLOB ?5");
	if (q->severity)
		md_buf_adds(&sql, " AND g.severity = ?6");
	if (q->min_severity)
		md_buf_adds(&sql, " AND g.severity >= ?7");
	if (q->from)
		md_buf_adds(&sql, " AND g.date >= ?8");
	if (q->to)
		md_buf_adds(&sql, " AND g.date <= ?9");
	if (q->cursor)
		md_buf_adds(&sql, q->by_severity ?
		    " AND (g.severity < ?10 OR (g.severity = ?10 AND g.id < ?11))" :
		    " AND g.id < ?11");
	md_buf_adds(&sql, q->by_severity ?
	    " ORDER BY g.severity DESC, g.id DESC LIMIT ?12" :
	    " ORDER BY g.id DESC LIMIT ?12");
	if (sqlite3_prepare_v2(c->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
		md_buf_free(&sql);
		return fail(c, err, "flags");
	}
	md_buf_free(&sql);
	bind_filters(st, q);
	sqlite3_bind_int64(st, 10, csev);
	sqlite3_bind_int64(st, 11, cid);
	sqlite3_bind_int(st, 12, limit + 1);

	arr = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o;

		if (n == limit) {
			more = 1;
			break;
		}
		o = flag_row_json(st);
		json_array_append_new(arr, o);
		last = o;
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_decref(arr);
		sqlite3_finalize(st);
		return fail(c, err, "flags");
	}
	sqlite3_finalize(st);
	*out = json_pack("{s:o, s:o}", "flags", arr, "next_cursor",
	    json_null());
	if (more && last != NULL) {
		json_int_t id = json_integer_value(json_object_get(last, "id"));
		json_int_t sev = json_integer_value(json_object_get(last,
		    "severity"));
		char cur[48];

		if (q->by_severity)
			snprintf(cur, sizeof cur, "%lld.%lld", (long long)sev,
			    (long long)id);
		else
			snprintf(cur, sizeof cur, "%lld", (long long)id);
		json_object_set_new(*out, "next_cursor", json_string(cur));
	}
	return MD_STORE_OK;
}

/* --- tokens ------------------------------------------------------------- */

static const char SQL_TOKEN_ADD[] =
    "INSERT INTO tokens (label, hash, role, platform_id, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_TOKEN_LABEL[] =
    "SELECT 1 FROM tokens WHERE label = ?1";
static const char SQL_TOKEN_REVOKE[] =
    "UPDATE tokens SET revoked_at = ?2 WHERE label = ?1 "
    "AND revoked_at IS NULL";
static const char SQL_TOKENS[] =
    "SELECT t.label, t.role, p.name, t.platform_id, t.hash, t.created_at, "
    "t.revoked_at FROM tokens t LEFT JOIN platforms p ON p.id = "
    "t.platform_id ORDER BY t.id";

static int
sq_token_add(struct md_store_conn *c, const struct md_token *t,
    struct md_error *err)
{
	sqlite3_stmt *st;
	char now[26];
	int64_t pid = 0;

	if ((st = prep(c, SQL_TOKEN_LABEL, err)) == NULL)
		return MD_STORE_ERROR;
	bind_text(st, 1, t->label);
	if (sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_reset(st);
		md_error_set(err, "a token labelled \"%s\" already exists",
		    t->label);
		return MD_STORE_CONFLICT;
	}
	sqlite3_reset(st);
	if (t->platform != NULL &&
	    (pid = platform_id(c, t->platform, 1, err)) < 0)
		return MD_STORE_ERROR;
	if ((st = prep(c, SQL_TOKEN_ADD, err)) == NULL)
		return MD_STORE_ERROR;
	now_iso(now);
	bind_text(st, 1, t->label);
	bind_text(st, 2, t->hash);
	bind_text(st, 3, t->role);
	if (pid != 0)
		sqlite3_bind_int64(st, 4, pid);
	bind_text(st, 5, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return fail(c, err, "token");
	return MD_STORE_CREATED;
}

static int
sq_token_revoke(struct md_store_conn *c, const char *label,
    struct md_error *err)
{
	sqlite3_stmt *st;
	char now[26];

	if ((st = prep(c, SQL_TOKEN_REVOKE, err)) == NULL)
		return MD_STORE_ERROR;
	now_iso(now);
	bind_text(st, 1, label);
	bind_text(st, 2, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return fail(c, err, "revoke");
	if (sqlite3_changes(c->db) == 0) {
		md_error_set(err, "no valid token is labelled \"%s\"", label);
		return MD_STORE_NOTFOUND;
	}
	return MD_STORE_OK;
}

static char *
dup_or_null(const char *s)
{
	return s ? md_xstrdup(s) : NULL;
}

static int
sq_tokens_list(struct md_store_conn *c, struct md_token **out, size_t *n,
    struct md_error *err)
{
	sqlite3_stmt *st;
	struct md_token *v = NULL;
	size_t cnt = 0;
	int rc;

	if ((st = prep(c, SQL_TOKENS, err)) == NULL)
		return MD_STORE_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct md_token *t;

		v = md_xreallocarray(v, cnt + 1, sizeof *v);
		t = &v[cnt++];
		memset(t, 0, sizeof *t);
		t->label = md_xstrdup(col_text(st, 0));
		t->role = md_xstrdup(col_text(st, 1));
		t->platform = dup_or_null(col_text(st, 2));
		t->platform_id = sqlite3_column_int64(st, 3);
		snprintf(t->hash, sizeof t->hash, "%s", col_text(st, 4));
		t->created_at = md_xstrdup(col_text(st, 5));
		t->revoked_at = dup_or_null(col_text(st, 6));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		size_t i;

		for (i = 0; i < cnt; i++)
			md_token_free(&v[i]);
		free(v);
		return fail(c, err, "tokens");
	}
	*out = v;
	*n = cnt;
	return MD_STORE_OK;
}

/* --- feed state --------------------------------------------------------- */

static const char SQL_FEED_GET[] =
    "SELECT etag, last_modified, last_success, failures, next_poll, "
    "last_error FROM feed_state WHERE name = ?1";
static const char SQL_FEED_PUT[] =
    "INSERT INTO feed_state (name, etag, last_modified, last_success, "
    "failures, next_poll, last_error, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (name) DO UPDATE "
    "SET etag = ?2, last_modified = ?3, last_success = ?4, failures = ?5, "
    "next_poll = ?6, last_error = ?7, updated_at = ?8";

static char *
dup_col(sqlite3_stmt *st, int i)
{
	const char *s = col_text(st, i);

	return s ? md_xstrdup(s) : NULL;
}

static int
sq_feed_state_get(struct md_store_conn *c, const char *name,
    struct md_feed_state *fs, struct md_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(c, SQL_FEED_GET, err)) == NULL)
		return MD_STORE_ERROR;
	bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return MD_STORE_NOTFOUND;
	if (rc != SQLITE_ROW)
		return fail(c, err, "feed state");
	fs->name = md_xstrdup(name);
	fs->etag = dup_col(st, 0);
	fs->last_modified = dup_col(st, 1);
	fs->last_success = dup_col(st, 2);
	fs->failures = sqlite3_column_int(st, 3);
	fs->next_poll = sqlite3_column_double(st, 4);
	fs->last_error = dup_col(st, 5);
	sqlite3_reset(st);
	return MD_STORE_OK;
}

static int
sq_feed_state_put(struct md_store_conn *c, const struct md_feed_state *fs,
    struct md_error *err)
{
	sqlite3_stmt *st;
	char now[26];

	if ((st = prep(c, SQL_FEED_PUT, err)) == NULL)
		return MD_STORE_ERROR;
	now_iso(now);
	bind_text(st, 1, fs->name);
	bind_text(st, 2, fs->etag);
	bind_text(st, 3, fs->last_modified);
	bind_text(st, 4, fs->last_success);
	sqlite3_bind_int(st, 5, fs->failures);
	sqlite3_bind_double(st, 6, fs->next_poll);
	bind_text(st, 7, fs->last_error);
	bind_text(st, 8, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return fail(c, err, "feed state");
	return MD_STORE_OK;
}

/* --- the weekly report ------------------------------------------------- */

static const char SQL_REPORT_CONFIRMED[] =
    "SELECT g.id, g.category, g.version, g.item, f.number, g.severity, "
    "g.region_code, d.region_name, g.date, g.status, r.at, d.received_at, "
    "f.excerpt, substr(d.text, max(1, instr(d.text, f.excerpt) - 200), "
    "length(f.excerpt) + 400) FROM reviews r JOIN flags g ON g.id = r.flag_id "
    "JOIN findings f ON f.id = g.finding_id "
    "JOIN documents d ON d.id = g.document_id "
    "WHERE r.at >= ?1 AND r.at < ?2 AND r.action = 'confirm' "
    "ORDER BY r.at, g.id";
static const char SQL_REPORT_FIRST[] =
    "SELECT r.flag_id, r.at, d.received_at FROM reviews r "
    "JOIN flags g ON g.id = r.flag_id "
    "JOIN documents d ON d.id = g.document_id "
    "WHERE r.at >= ?1 AND r.at < ?2 AND NOT EXISTS (SELECT 1 FROM reviews p "
    "WHERE p.flag_id = r.flag_id AND p.id < r.id) ORDER BY r.id";
static const char SQL_REPORT_SINCE[] =
    "SELECT MIN(at) FROM reviews WHERE action = 'confirm'";

static int
sq_report_rows(struct md_store_conn *c, const char *from, const char *to,
    const char *first_from, json_t **out, struct md_error *err)
{
	sqlite3_stmt *st;
	json_t *conf = json_array(), *first = json_array();
	int rc;

	if ((st = prep(c, SQL_REPORT_CONFIRMED, err)) == NULL)
		goto fail;
	bind_text(st, 1, from);
	bind_text(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(conf, json_pack("{s:I, s:o, s:o, s:o, "
		    "s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "category", col_json_str(st, 1),
		    "version", col_json_str(st, 2),
		    "item", col_json_str(st, 3),
		    "number", col_json_str(st, 4),
		    "severity", sqlite3_column_int(st, 5),
		    "region_code", col_json_str(st, 6),
		    "region_name", col_json_str(st, 7),
		    "date", col_json_str(st, 8),
		    "status", col_json_str(st, 9),
		    "confirmed_at", col_json_str(st, 10),
		    "received_at", col_json_str(st, 11),
		    "excerpt", col_json_str(st, 12),
		    "context", col_json_str(st, 13)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fail(c, err, "report");
		goto fail;
	}
	if ((st = prep(c, SQL_REPORT_FIRST, err)) == NULL)
		goto fail;
	bind_text(st, 1, first_from);
	bind_text(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(first, json_pack("{s:I, s:o, s:o}",
		    "flag_id", (json_int_t)sqlite3_column_int64(st, 0),
		    "at", col_json_str(st, 1),
		    "received_at", col_json_str(st, 2)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fail(c, err, "report");
		goto fail;
	}
	*out = json_pack("{s:o, s:o}", "confirmed", conf, "first_reviews",
	    first);
	return MD_STORE_OK;
fail:
	json_decref(conf);
	json_decref(first);
	return MD_STORE_ERROR;
}

static int
sq_first_confirmed(struct md_store_conn *c, char out[26],
    struct md_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(c, SQL_REPORT_SINCE, err)) == NULL)
		return MD_STORE_ERROR;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return fail(c, err, "report");
	}
	if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
		sqlite3_reset(st);
		return MD_STORE_NOTFOUND;
	}
	snprintf(out, 26, "%s", col_text(st, 0));
	sqlite3_reset(st);
	return MD_STORE_OK;
}

/* --- the reviewer UI's counts and related flags ------------------------- */

/*
 * The counts are one pass over the covering index flags_queue, every
 * filter checked in C: a flag counts toward the total if it passes every
 * filter, and toward a facet if it passes every filter but the facet's
 * own (so each facet shows what choosing another value gives).  Six
 * GROUP BY queries used to read an index six times.
 *
 * Nothing narrows the pass to a range of the index: the status facet
 * counts every status whatever the status filter, and the other filters
 * are not where flags_queue could seek.  At 100,000 flags a request
 * takes 9-21 ms however few flags pass: less than the old six queries
 * over flags_facets unfiltered (51 ms), more with a category filter,
 * which they could seek (4-6 ms; docs/PERFORMANCE.md).
 */
static const char SQL_COUNT_ROWS[] =
    "SELECT status, category, item, severity, region_code, date, version "
    "FROM flags WHERE 1";

enum { CC_STATUS, CC_CATEGORY, CC_ITEM, CC_SEVERITY, CC_REGION, CC_DATE,
	CC_VERSION };

/* The filters a facet leaves out. */
enum { FACET_STATUS = 1, FACET_CATEGORY = 2, FACET_ITEM = 4,
	FACET_SEVERITY = 8, FACET_REGION = 16 };

/*
 * A count per distinct key, for a facet's few values: open addressing,
 * doubled at half full.  The keys are copies: a column's
 * text lasts only until the next step.
 */
struct tally_slot {
	char *key;		/* NULL: the slot is free */
	size_t len;
	uint32_t hash;
	int64_t n;
};

struct tally {
	struct tally_slot *slot;
	size_t cap, used;
};

/* The key's first and last eight bytes and its length, mixed by one
 * multiplication: the keys are short and few. */
static uint32_t
tally_hash(const char *s, size_t len)
{
	uint64_t a = 0, b = 0;

	if (len >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + len - 8, 8);
	} else {
		memcpy(&a, s, len);
	}
	a ^= (b << 1 | b >> 63) ^ len;
	a *= 0x9e3779b97f4a7c15u;
	return (uint32_t)(a >> 32);
}

static struct tally_slot *
tally_find(struct tally_slot *slot, size_t cap, const char *key, size_t len,
    uint32_t hash)
{
	size_t i = hash & (cap - 1);

	while (slot[i].key != NULL && (slot[i].hash != hash ||
	    slot[i].len != len || memcmp(slot[i].key, key, len) != 0))
		i = (i + 1) & (cap - 1);
	return &slot[i];
}

static void
tally_add(struct tally *t, const char *key, size_t len)
{
	uint32_t hash = tally_hash(key, len);
	struct tally_slot *s;

	if (2 * (t->used + 1) > t->cap) {
		struct tally_slot *old = t->slot;
		size_t i, cap = t->cap;

		t->cap = cap ? 2 * cap : 32;
		t->slot = md_xcalloc(t->cap, sizeof *t->slot);
		for (i = 0; i < cap; i++)
			if (old[i].key != NULL)
				*tally_find(t->slot, t->cap, old[i].key,
				    old[i].len, old[i].hash) = old[i];
		free(old);
	}
	s = tally_find(t->slot, t->cap, key, len, hash);
	if (s->key == NULL) {
		s->key = md_xmalloc(len + 1);
		memcpy(s->key, key, len);
		s->key[len] = '\0';
		s->len = len;
		s->hash = hash;
		t->used++;
	}
	s->n++;
}

static void
tally_free(struct tally *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->slot[i].key);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

/* The order GROUP BY gave the keys in: SQLite's BINARY collation
 * (bytes, then length), or by value for numbers. */
static int
tally_cmp_text(const void *a, const void *b)
{
	const struct tally_slot *x = *(struct tally_slot *const *)a;
	const struct tally_slot *y = *(struct tally_slot *const *)b;
	int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static int
tally_cmp_number(const void *a, const void *b)
{
	long long x = strtoll((*(struct tally_slot *const *)a)->key, NULL, 10);
	long long y = strtoll((*(struct tally_slot *const *)b)->key, NULL, 10);

	return (x > y) - (x < y);
}

/* The counts as a new JSON object, keys in GROUP BY's order (by value
 * if numeric); empties t. */
static json_t *
tally_json(struct tally *t, int numeric)
{
	struct tally_slot **sorted = md_xreallocarray(NULL, t->used + 1,
	    sizeof *sorted);
	json_t *o = json_object();
	size_t i, n = 0;

	for (i = 0; i < t->cap; i++)
		if (t->slot[i].key != NULL)
			sorted[n++] = &t->slot[i];
	qsort(sorted, n, sizeof *sorted, numeric ? tally_cmp_number :
	    tally_cmp_text);
	for (i = 0; i < n; i++)
		json_object_set_new(o, sorted[i]->key,
		    json_integer(sorted[i]->n));
	free(sorted);
	tally_free(t);
	return o;
}

/*
 * The facets: the column a flag counts under and the filter the facet
 * leaves out.  A province is the first two characters of the region
 * code (substr(region_code, 1, 2)); flags without a region count under
 * "".
 */
static const struct {
	const char *name;
	int column;		/* of SQL_COUNT_ROWS */
	int skip;
} facets[] = {
	{ "status", CC_STATUS, FACET_STATUS },
	{ "category", CC_CATEGORY, FACET_CATEGORY },
	{ "item", CC_ITEM, FACET_ITEM },
	{ "severity", CC_SEVERITY, FACET_SEVERITY },
	{ "province", CC_REGION, FACET_REGION },
};

/* A text filter of the counts: its value and length, or NULL. */
struct count_text {
	const char *s;
	size_t len;
};

static struct count_text
count_text(const char *s)
{
	struct count_text f = { s, s ? strlen(s) : 0 };

	return f;
}

/* Whether column i of the row starts with f (equals it, if whole). */
static int
count_match(sqlite3_stmt *st, int i, struct count_text f, int whole)
{
	const char *s = col_text(st, i);
	size_t len = (size_t)sqlite3_column_bytes(st, i);

	return s != NULL && (whole ? len == f.len : len >= f.len) &&
	    memcmp(s, f.s, f.len) == 0;
}

/*
 * The filters of q over a row, checked as sq_flags_list's SQL does.  A
 * region is a prefix of digits (the HTTP layer checks it), so a prefix
 * match is what GLOB "11*" does there.
 */
struct count_filters {
	struct count_text status, category, item, version, region;
	const char *from, *to;
	int severity, min_severity;
};

/* The FACET_ bits of the filters the row fails; -1 if it fails one no
 * facet leaves out (version, from, to). */
static int
count_misses(const struct count_filters *f, sqlite3_stmt *st)
{
	const char *date;
	int miss = 0, sev;

	if (f->version.s && !count_match(st, CC_VERSION, f->version, 1))
		return -1;
	if (f->from || f->to) {
		date = col_text(st, CC_DATE);
		if (date == NULL || (f->from && strcmp(date, f->from) < 0) ||
		    (f->to && strcmp(date, f->to) > 0))
			return -1;
	}
	if (f->status.s && !count_match(st, CC_STATUS, f->status, 1))
		miss |= FACET_STATUS;
	if (f->category.s && !count_match(st, CC_CATEGORY, f->category, 1))
		miss |= FACET_CATEGORY;
	if (f->item.s && !count_match(st, CC_ITEM, f->item, 1))
		miss |= FACET_ITEM;
	if (f->region.s && !count_match(st, CC_REGION, f->region, 0))
		miss |= FACET_REGION;
	if (f->severity || f->min_severity) {
		sev = sqlite3_column_int(st, CC_SEVERITY);
		if ((f->severity && sev != f->severity) ||
		    (f->min_severity && sev < f->min_severity))
			miss |= FACET_SEVERITY;
	}
	return miss;
}

/* Counts the row under its key in column (of SQL_COUNT_ROWS). */
static void
count_key(struct tally *t, int column, sqlite3_stmt *st)
{
	const char *s;
	char num[24], *p = num + sizeof num;
	unsigned long long u;
	long long v;
	size_t n;
	int chars;

	switch (column) {
	case CC_SEVERITY:
		/* The decimal text SQLite gives; snprintf took a tenth of
		 * the pass. */
		v = sqlite3_column_int64(st, column);
		u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
		do
			*--p = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (v < 0)
			*--p = '-';
		tally_add(t, p, (size_t)(num + sizeof num - p));
		return;
	case CC_REGION:
		/* Two characters, as substr counts them (in UTF-8). */
		if ((s = col_text(st, column)) == NULL)
			s = "";
		for (n = 0, chars = 0; s[n] != '\0' && chars < 2; chars++)
			for (n++; ((unsigned char)s[n] & 0xc0) == 0x80; n++)
				;
		tally_add(t, s, n);
		return;
	default:
		s = col_text(st, column);
		tally_add(t, s ? s : "", (size_t)sqlite3_column_bytes(st,
		    column));
	}
}

/*
 * The WHERE clause of the pass: the filters no facet leaves out, and,
 * when two or more others are on, rows failing at most one of them (a
 * flag failing two counts nowhere).  count_misses decides what counts;
 * this only spares handing over rows that count nowhere: 2-3 ms less a
 * filtered request at 100,000 flags, though each term costs SQLite
 * about as much per row as the hand-over (so none with fewer filters,
 * where it would drop nothing).
 */
static void
count_where(struct md_buf *sql, const struct md_flag_query *q)
{
	const char *sep = " AND (";
	int on;

	if (q->version)
		md_buf_adds(sql, " AND version = ?4");
	if (q->from)
		md_buf_adds(sql, " AND date >= ?8");
	if (q->to)
		md_buf_adds(sql, " AND date <= ?9");
	on = !!q->status + !!q->category + !!q->item + !!q->region +
	    !!(q->severity || q->min_severity);
	if (on < 2)
		return;
	if (q->status) {
		md_buf_printf(sql, "%s(status <> ?1)", sep);
		sep = " + ";
	}
	if (q->category) {
		md_buf_printf(sql, "%s(category <> ?2)", sep);
		sep = " + ";
	}
	if (q->item) {
		md_buf_printf(sql, "%s(item <> ?3)", sep);
		sep = " + ";
	}
	if (q->region) {
		/* NULL for a flag without a region: a miss. */
		md_buf_printf(sql, "%s((region_code GLOB ?5) IS NOT 1)", sep);
		sep = " + ";
	}
	if (q->severity || q->min_severity)
		md_buf_printf(sql, "%s(%s%s%s)", sep,
		    q->severity ? "severity <> ?6" : "",
		    q->severity && q->min_severity ? " OR " : "",
		    q->min_severity ? "severity < ?7" : "");
	md_buf_adds(sql, ") <= 1");
}

static int
sq_flags_counts(struct md_store_conn *c, const struct md_flag_query *q,
    json_t **out, struct md_error *err)
{
	struct count_filters f = {
		.status = count_text(q->status),
		.category = count_text(q->category),
		.item = count_text(q->item),
		.version = count_text(q->version),
		.region = count_text(q->region),
		.from = q->from,
		.to = q->to,
		.severity = q->severity,
		.min_severity = q->min_severity,
	};
	struct tally t[MD_NELEM(facets)];
	struct md_buf sql = { 0 };
	sqlite3_stmt *st;
	int64_t total = 0;
	json_t *o;
	size_t i;
	int rc, miss;

	md_buf_adds(&sql, SQL_COUNT_ROWS);
	count_where(&sql, q);
	rc = sqlite3_prepare_v2(c->db, sql.data, -1, &st, NULL);
	md_buf_free(&sql);
	if (rc != SQLITE_OK)
		return fail(c, err, "counts");
	bind_filters(st, q);
	memset(t, 0, sizeof t);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		miss = count_misses(&f, st);
		/* Failing two filters, a flag counts nowhere. */
		if (miss < 0 || (miss & (miss - 1)) != 0)
			continue;
		if (miss == 0)
			total++;
		for (i = 0; i < MD_NELEM(facets); i++)
			if ((miss & ~facets[i].skip) == 0)
				count_key(&t[i], facets[i].column, st);
	}
	if (rc != SQLITE_DONE) {
		rc = fail(c, err, "counts");
		sqlite3_finalize(st);
		for (i = 0; i < MD_NELEM(facets); i++)
			tally_free(&t[i]);
		return rc;
	}
	sqlite3_finalize(st);
	o = json_object();
	json_object_set_new(o, "total", json_integer(total));
	for (i = 0; i < MD_NELEM(facets); i++)
		json_object_set_new(o, facets[i].name, tally_json(&t[i],
		    facets[i].column == CC_SEVERITY));
	*out = o;
	return MD_STORE_OK;
}

static const char SQL_FLAG_PLACE[] =
    "SELECT category, region_code, date, date(date, '-' || ?2 || ' days'), "
    "date(date, '+' || ?2 || ' days') FROM flags WHERE id = ?1";
static const char SQL_FLAG_RELATED[] =
    SQL_FLAG_ROW " WHERE g.category = ?1 AND g.region_code = ?2 "
    "AND g.status = 'open' AND g.date BETWEEN ?3 AND ?4 AND g.id <> ?5 "
    "ORDER BY g.date DESC, g.id DESC LIMIT ?6";

static int
sq_flag_related(struct md_store_conn *c, int64_t id, int limit,
    json_t **out, struct md_error *err)
{
	sqlite3_stmt *st;
	json_t *arr;
	char *category = NULL, *region = NULL, from[11] = "", to[11] = "";
	int rc;

	if ((st = prep(c, SQL_FLAG_PLACE, err)) == NULL)
		return MD_STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, MD_RELATED_DAYS);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return MD_STORE_NOTFOUND;
	if (rc != SQLITE_ROW)
		return fail(c, err, "flag");
	category = md_xstrdup(col_text(st, 0));
	region = dup_or_null(col_text(st, 1));
	snprintf(from, sizeof from, "%s", col_text(st, 3) ? col_text(st, 3) :
	    "");
	snprintf(to, sizeof to, "%s", col_text(st, 4) ? col_text(st, 4) : "");
	sqlite3_reset(st);

	arr = json_array();
	/* Without a region there is no place to be the same. */
	if (region != NULL) {
		if ((st = prep(c, SQL_FLAG_RELATED, err)) == NULL)
			goto fail;
		bind_text(st, 1, category);
		bind_text(st, 2, region);
		bind_text(st, 3, from);
		bind_text(st, 4, to);
		sqlite3_bind_int64(st, 5, id);
		sqlite3_bind_int(st, 6, limit > 0 ? limit : 50);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			json_array_append_new(arr, flag_row_json(st));
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			fail(c, err, "related");
			goto fail;
		}
	}
	*out = json_pack("{s:I, s:s, s:s, s:i, s:o}", "flag_id",
	    (json_int_t)id, "from", from, "to", to, "days", MD_RELATED_DAYS,
	    "flags", arr);
	free(category);
	free(region);
	return MD_STORE_OK;
fail:
	json_decref(arr);
	free(category);
	free(region);
	return MD_STORE_ERROR;
}

static int
sq_schema_version(struct md_store_conn *c)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

const struct md_store_backend md_store_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.savepoint = sq_savepoint,
	.release = sq_release,
	.submission_put = sq_submission_put,
	.flag_review = sq_flag_review,
	.token_add = sq_token_add,
	.token_revoke = sq_token_revoke,
	.submission_get = sq_submission_get,
	.submission_find = sq_submission_find,
	.flags_list = sq_flags_list,
	.flag_get = sq_flag_get,
	.flags_counts = sq_flags_counts,
	.flag_related = sq_flag_related,
	.tokens_list = sq_tokens_list,
	.outbox_claim = sq_outbox_claim,
	.outbox_done = sq_outbox_done,
	.report_rows = sq_report_rows,
	.first_confirmed = sq_first_confirmed,
	.schema_version = sq_schema_version,
	.feed_state_get = sq_feed_state_get,
	.feed_state_put = sq_feed_state_put,
};
