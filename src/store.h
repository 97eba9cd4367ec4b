/*
 * store.h - the durable store: submissions (documents), their findings,
 * the flags reviewers work, the append-only review history, tokens and
 * platforms.
 *
 * Two layers.  A backend (SQLite now; PostgreSQL can be added without the
 * HTTP layer noticing) implements the operations below on one connection,
 * synchronously.  struct md_store runs them off the event loop: one writer
 * thread takes every queued write, runs a group of them in one transaction
 * (each inside its own savepoint, so one refused write does not undo the
 * others) and commits once; one reader thread runs reads on its own
 * connection.  A job's done() runs on the event loop only after its group
 * has committed, so nothing is answered before it is durable.
 *
 * Results come back as jansson values: the API's own data model.
 */
#ifndef MD_STORE_H
#define MD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util.h"

struct event_base;
struct md_store_conn;

/* What an operation came to; the HTTP layer maps these to statuses. */
enum md_store_rc {
	MD_STORE_OK = 0,
	MD_STORE_CREATED,	/* a new row */
	MD_STORE_EXISTS,	/* the same thing was already stored */
	MD_STORE_CONFLICT,	/* a different thing under the same key, or a
				 * transition not allowed from the state */
	MD_STORE_NOTFOUND,
	MD_STORE_INVALID,	/* bad argument (a cursor, a label) */
	MD_STORE_ERROR = -1,	/* the store itself failed */
};

/* A submission as the HTTP layer validated and checked it. */
/* A finding of a submission: what the store files it by, and the whole
 * of it as the answer shows it. */
struct md_sub_finding {
	char *category;
	char *version;		/* its measure's */
	char *item;
	char *number;
	char *rule;
	int severity;
	char *excerpt;
	char *json;		/* the finding, a JSON object (stored as is) */
	size_t json_len;
	int64_t flag_id;	/* its open flag, once stored */
};

struct md_submission {
	int64_t platform_id;
	char *platform;
	char *external_id;
	char *kind;
	char *title;		/* may be NULL */
	char *text;
	char *region_code;	/* may be NULL */
	char *region_name;	/* may be NULL */
	char *occurred_at;	/* as given, may be NULL */
	char *published_at;	/* as given, may be NULL */
	char *contact_name;	/* personal data: flag view only */
	char *contact_phone;
	char *callback_url;
	char *source_url;	/* where a feed's notice was read; may be NULL */
	char fingerprint[65];	/* SHA-256 of the canonical request body */
	char *measures_version;	/* NULL when none was in force */
	char date[11];		/* the date judged by */
	char *date_source;
	struct md_sub_finding *findings;
	size_t nfindings;
	json_t *webhooks;	/* NULL, or the outbox's webhook messages to
				 * queue with it: [{"webhook", "url",
				 * "finding": index}] */
	/* Set when stored. */
	int64_t id;
	char received_at[26];
};
void md_submission_free(struct md_submission *s);
/* Finding f as a JSON object, with its flag ("flag_id", "flag_status")
 * once stored. */
json_t *md_sub_finding_json(const struct md_sub_finding *f);

/* What became of an outbox message's attempt. */
enum md_outbox_outcome {
	MD_OUTBOX_DELIVERED,
	MD_OUTBOX_RETRY,	/* again at next_ms */
	MD_OUTBOX_DEAD,		/* past its maximum age */
};

/* Filters and paging of GET /v1/flags; NULL or 0 is "any". */
struct md_flag_query {
	const char *status;
	const char *category;
	const char *item;	/* a measures item id, "2.16" */
	const char *version;	/* a measures version */
	const char *region;	/* a GB/T 2260 code or its prefix */
	int severity;		/* exactly this */
	int min_severity;
	const char *from;	/* document date, YYYY-MM-DD, inclusive */
	const char *to;
	int by_severity;	/* most severe first, else newest first */
	const char *cursor;	/* from a previous page */
	int limit;
};

/* The window of flag_related, in days either side of the flag's date. */
#define MD_RELATED_DAYS 14

struct md_token {
	char *label;
	char *role;		/* submitter, reviewer, admin */
	char *platform;		/* submitters only */
	int64_t platform_id;
	char hash[65];
	char *created_at;
	char *revoked_at;	/* NULL while valid */
};
void md_token_free(struct md_token *t);

/* A feed's polling state, kept across restarts (feed.c). */
struct md_feed_state {
	char *name;
	char *etag;		/* the last 200's validators, for conditional */
	char *last_modified;	/* requests; NULL when none */
	char *last_success;	/* RFC 3339, NULL before the first */
	int failures;		/* consecutive failed polls */
	double next_poll;	/* unix seconds */
	char *last_error;	/* NULL after a success */
};
void md_feed_state_free(struct md_feed_state *fs);

struct md_store_backend {
	const char *name;	/* "sqlite" */
	/* Opens a connection; the writer's also creates and migrates. */
	struct md_store_conn *(*open)(const char *location, int writer,
	    struct md_error *err);
	void (*close)(struct md_store_conn *c);
	int (*begin)(struct md_store_conn *c, struct md_error *err);
	int (*commit)(struct md_store_conn *c, struct md_error *err);
	void (*rollback)(struct md_store_conn *c);
	int (*savepoint)(struct md_store_conn *c, struct md_error *err);
	void (*release)(struct md_store_conn *c, int keep);

	/*
	 * Writes: run by the writer inside a transaction.  submission_put
	 * gives MD_STORE_CREATED (s->id, s->received_at and the findings'
	 * flag ids filled in; *out untouched), MD_STORE_EXISTS (*out is the
	 * stored submission) or MD_STORE_CONFLICT.  A new submission's
	 * s->webhooks become outbox rows in the same transaction.
	 */
	int (*submission_put)(struct md_store_conn *c, struct md_submission *s,
	    json_t **out, struct md_error *err);
	/* A review; when the flag's submission has a callback_url, the
	 * callback (with public_note, which may be NULL) becomes an outbox
	 * row in the same transaction. */
	int (*flag_review)(struct md_store_conn *c, int64_t id,
	    const char *action, const char *actor, const char *note,
	    const char *public_note, json_t **out, struct md_error *err);
	/*
	 * The outbox.  claim takes up to limit undelivered rows due at now_ms
	 * (unix milliseconds), counts an attempt on each and makes it due
	 * again only at lease_ms; *out is {"messages": [{"id", "kind", "url",
	 * "receiver", "body", "message_id", "attempts", "created_ms"}],
	 * "pending": undelivered rows, "next_at": the earliest next attempt
	 * or null}.  done records an attempt's outcome.
	 */
	int (*outbox_claim)(struct md_store_conn *c, int64_t now_ms, int limit,
	    int64_t lease_ms, json_t **out, struct md_error *err);
	int (*outbox_done)(struct md_store_conn *c, int64_t id, int outcome,
	    const char *error, int64_t next_ms, struct md_error *err);
	int (*token_add)(struct md_store_conn *c, const struct md_token *t,
	    struct md_error *err);
	int (*token_revoke)(struct md_store_conn *c, const char *label,
	    struct md_error *err);

	/* Reads.  platform_id 0 is "every platform". */
	int (*submission_get)(struct md_store_conn *c, int64_t id,
	    int64_t platform_id, json_t **out, struct md_error *err);
	int (*submission_find)(struct md_store_conn *c,
	    const char *external_id, int64_t platform_id, json_t **out,
	    struct md_error *err);
	int (*flags_list)(struct md_store_conn *c,
	    const struct md_flag_query *q, json_t **out,
	    struct md_error *err);
	int (*flag_get)(struct md_store_conn *c, int64_t id, json_t **out,
	    struct md_error *err);
	/*
	 * The reviewer UI's queue counts: {"total", "status": {...},
	 * "category": {...}, "item": {...}, "severity": {...}, "province":
	 * {...}}, each facet counted under every filter of q but its own
	 * (q's order, cursor and limit are ignored).
	 */
	int (*flags_counts)(struct md_store_conn *c,
	    const struct md_flag_query *q, json_t **out,
	    struct md_error *err);
	/*
	 * Open flags of the same category and region code as flag id, other
	 * than it, whose document date is within MD_RELATED_DAYS of its own:
	 * likely the same incident.  {"flag_id", "from", "to", "flags":
	 * [rows as flags_list gives them]}, newest first, at most limit.
	 */
	int (*flag_related)(struct md_store_conn *c, int64_t id, int limit,
	    json_t **out, struct md_error *err);
	int (*tokens_list)(struct md_store_conn *c, struct md_token **out,
	    size_t *n, struct md_error *err);
	/*
	 * The weekly report's rows (report.h), times as RFC 3339 in China
	 * Standard Time: {"confirmed": [every flag whose confirm review is
	 * in [from, to): id, category, version, item, number, severity,
	 * region_code, region_name, date, status, confirmed_at, received_at,
	 * excerpt, context: the excerpt with up to 200 characters of the
	 * document's text either side, for redacting it in context],
	 * "first_reviews": [{flag_id, at, received_at} for every
	 * flag whose first review of any kind is in [first_from, to)]}.
	 * Never a contact field.
	 */
	int (*report_rows)(struct md_store_conn *c, const char *from,
	    const char *to, const char *first_from, json_t **out,
	    struct md_error *err);
	/* The time of the earliest confirm review into out;
	 * MD_STORE_NOTFOUND when no flag was ever confirmed. */
	int (*first_confirmed)(struct md_store_conn *c, char out[26],
	    struct md_error *err);
	int (*schema_version)(struct md_store_conn *c);

	/* Feed state: get is a read (MD_STORE_OK or MD_STORE_NOTFOUND; fs
	 * is filled, free with md_feed_state_free); put, a write, inserts or
	 * replaces. */
	int (*feed_state_get)(struct md_store_conn *c, const char *name,
	    struct md_feed_state *fs, struct md_error *err);
	int (*feed_state_put)(struct md_store_conn *c,
	    const struct md_feed_state *fs, struct md_error *err);
};

extern const struct md_store_backend md_store_sqlite;

/* "sqlite:/path/to/db" (or a bare path): the backend and its location.
 * NULL with err for an unknown backend. */
const struct md_store_backend *md_store_backend_find(const char *spec,
    const char **location, struct md_error *err);

/* The review actions and the transitions they make. */
const char *md_review_next(const char *action, const char *from);
int md_review_action_valid(const char *action);

/* --- running the store off the event loop --- */

struct md_job;
typedef int (*md_job_run_fn)(const struct md_store_backend *b,
    struct md_store_conn *c, struct md_job *j);
typedef void (*md_job_done_fn)(struct md_job *j);

struct md_job {
	md_job_run_fn run;	/* on a store thread */
	md_job_done_fn done;	/* on the event loop, after the commit */
	void *arg;
	int rerunnable;		/* run() may run again after a rollback, out
				 * and err cleared, with the same effect */
	size_t bytes;		/* about what run() writes (0: little) */
	int rc;			/* enum md_store_rc */
	json_t *out;
	struct md_error err;
	struct md_job *next;
};

struct md_store;

struct md_store_stats {
	uint64_t commits, commit_failures;
	uint64_t committed_jobs;
	uint64_t reruns;		/* groups run again with savepoints */
	uint64_t batch_hist[8];		/* 1, 2-3, 4-7, ... 128+ */
	double commit_seconds;		/* total */
	uint64_t commit_hist[12];	/* by MD_STORE_LAT_BOUNDS */
};
#define MD_STORE_NLAT 12
extern const double md_store_lat_bounds[MD_STORE_NLAT];

/* Opens the store (the writer's connection migrates the schema) and
 * starts its threads; done() callbacks are delivered on base. */
struct md_store *md_store_open(const char *spec, struct event_base *base,
    struct md_error *err);
/*
 * Queue a job, from base's thread.  Write jobs are grouped into one
 * transaction (up to 256 jobs, about 8 MiB by md_job.bytes); a turn's
 * writes reach the writer when base has run the turn's other callbacks,
 * or sooner once 32 wait for an idle writer.  Once md_store_close has
 * begun, a write's done() runs at once with MD_STORE_ERROR.
 */
void md_store_write(struct md_store *s, struct md_job *j);
void md_store_read(struct md_store *s, struct md_job *j);
/* Jobs queued or running whose done() has not run yet. */
size_t md_store_pending(struct md_store *s);
void md_store_stats(struct md_store *s, struct md_store_stats *st);
const struct md_store_backend *md_store_backend(struct md_store *s);
/* Finishes every queued job, stops the threads, closes. */
void md_store_close(struct md_store *s);

#endif /* MD_STORE_H */
