/*
 * intake.h - the one path by which a document becomes a stored
 * submission: an HTTP POST /v1/submissions, a feed's notice and a spool
 * file are all parsed into the same JSON object, validated against the
 * same field specs, checked by the engine and turned into a struct
 * md_submission here; the caller then queues the same store write
 * (submission_put).  Bad input comes back as a problem: an HTTP status,
 * a problem type and a detail that names the field.
 */
#ifndef MD_INTAKE_H
#define MD_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"
#include "util.h"

struct md_server;

/* What was wrong with an input, as an RFC 9457 problem would say it. */
struct md_problem {
	int status;		/* 400, 413, 422 */
	char type[32];		/* "unknown-field", ... */
	char detail[1024];
};
void md_problem_set(struct md_problem *p, int status, const char *type,
    const char *fmt, ...) MD_PRINTF(4, 5);

/* The bodies the API takes, each with its field spec. */
enum md_body_kind { MD_BODY_SUBMISSION, MD_BODY_CHECK, MD_BODY_REVIEW };

/*
 * buf (len bytes) as a JSON object: JSON, or (xml) XML whose root element
 * is root, converted to the same shape.  NULL with p set when it is
 * neither.  The caller frees the object.
 */
json_t *md_body_parse(const char *buf, size_t len, int xml, const char *root,
    struct md_problem *p);

/* Checks a parsed body against its spec: unknown, missing, mistyped and
 * too long fields.  0, or -1 with p set. */
int md_body_validate(json_t *o, enum md_body_kind kind, size_t max_text,
    struct md_problem *p);

/* A string field of o, malloc'd, or NULL when absent. */
char *md_body_strdup(json_t *o, const char *key);

/*
 * Runs the engine over a validated body ("text", "kind", dates); *result
 * gets {measures_version, date, date_source, findings, not_evaluated}
 * (text: findings with their measures' text).  Counts findings in srv's
 * metrics.  0, or -1 with p set.
 */
int md_intake_check(struct md_server *srv, json_t *body, int text,
    json_t **result, struct md_problem *p);

/*
 * The whole path short of the store: validates body as a submission,
 * checks it and fills s (zeroed by the caller; free with
 * md_submission_free) for platform_id/platform (platform_id 0: the store
 * finds or creates the platform by name).  0, or -1 with p set.
 */
int md_intake_submission(struct md_server *srv, json_t *body,
    int64_t platform_id, const char *platform, struct md_submission *s,
    struct md_problem *p);

/*
 * md_intake_submission for a JSON body still in its bytes (buf, len),
 * read in one pass without a tree: 0 with s filled, as
 * md_intake_submission would fill it from the same body.  -1 when the
 * body is anything this path does not take on itself, every body
 * md_intake_submission would refuse among them: s is untouched and
 * nothing counted, and the caller takes the slow path (md_body_parse,
 * md_intake_submission), which gives the precise problem.
 */
int md_intake_submission_json(struct md_server *srv, const char *buf,
    size_t len, int64_t platform_id, const char *platform,
    struct md_submission *s);

/* A stored submission as GET /v1/submissions/{id} shows it. */
json_t *md_submission_json(const struct md_submission *s);
/* The same, written as md_json_write would write that tree, without it. */
void md_submission_write(struct md_buf *b, const struct md_submission *s);

/* A date or an RFC 3339 date-time as the date it falls on in China
 * Standard Time; -1 when it is neither. */
int md_cst_date(const char *s, char out[11]);
/* 1 when s is a GB/T 2260 division code (2, 4, 6, 9 or 12 digits). */
int md_region_code_valid(const char *s);

#endif /* MD_INTAKE_H */
