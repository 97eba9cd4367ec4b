/*
 * report.h - the weekly exposure report: ISO weeks in China Standard
 * Time, the report built from the store's rows, and its three renderings
 * (JSON, CSV, HTML).
 *
 * A flag belongs to the week in which it was confirmed: the time of its
 * `confirm` review (a flag is confirmed at most once: no transition leads
 * back to open from confirmed).  So a finished week's counts never change
 * afterwards; only the rectification status of its flags moves on, and
 * the report shows it as of when it was made (`generated_at`).
 *
 * The flow: md_report_fetch() on a store connection (a store thread or
 * `measured report`) gives the raw rows; md_report_build() aggregates
 * them with the catalogue's measure texts into the report (the JSON
 * format, docs/API.md); md_report_render() turns that into bytes.
 */
#ifndef MD_REPORT_H
#define MD_REPORT_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "catalog.h"
#include "store.h"
#include "util.h"

/* An ISO 8601 week: weeks start on Monday; week 1 holds the year's first
 * Thursday. */
struct md_week {
	int year;
	int week;		/* 1..52 or 53 */
};

#define MD_REPORT_WEEKS 8	/* weeks in the series */
#define MD_REPORT_CASES 3	/* typical cases per category, by default */
#define MD_REPORT_MAX_CASES 20

/* 52 or 53. */
int md_week_count(int year);
/* "2022-W47" into w; 0, or -1 with err saying exactly what is wrong. */
int md_week_parse(const char *s, struct md_week *w, struct md_error *err);
/* "2022-W47" (out holds at least 9 bytes). */
void md_week_format(const struct md_week *w, char out[16]);
/* Monday 00:00 China Standard Time of w, as a Unix time. */
time_t md_week_start(const struct md_week *w);
/* The week t (a Unix time) falls in, in China Standard Time. */
void md_week_of(time_t t, struct md_week *w);
/* w moved by n weeks (n may be negative). */
void md_week_add(struct md_week *w, int n);
/* The daemon writes the week just finished on Mondays at this hour CST:
 * the next such time after now. */
#define MD_REPORT_WRITE_HOUR 6
time_t md_report_next_write(time_t now);
/* "2022-11-20T08:30:00+08:00" as a Unix time; -1 when malformed. */
time_t md_report_parse_time(const char *s);

/*
 * The rows for the report of w from a store connection: every flag
 * confirmed in the MD_REPORT_WEEKS weeks up to and including w, and every
 * first review in w.  *rows is the caller's.
 */
int md_report_fetch(const struct md_store_backend *b,
    struct md_store_conn *c, const struct md_week *w, json_t **rows,
    struct md_error *err);

/*
 * The measure texts the report cites, {"VERSION/ITEM": text}, copied from
 * cat (may be NULL) so that a report can be built on another thread than
 * the one that owns the catalogue.  A new reference.
 */
json_t *md_report_texts(const struct md_catalog *cat);

/*
 * The report of w from rows (not stolen): ncases typical cases per
 * category; texts (from md_report_texts, may be NULL) gives the measure
 * texts; now is the time it is made.  A new reference.  Excerpts and
 * place names are redacted here; no contact field is ever read.
 */
json_t *md_report_build(json_t *rows, const struct md_week *w, int ncases,
    json_t *texts, time_t now);

enum md_report_format { MD_REPORT_JSON, MD_REPORT_CSV, MD_REPORT_HTML };

/* "json", "csv", "html"; -1 for anything else. */
int md_report_format_parse(const char *s);
/* The Content-Type of a format. */
const char *md_report_content_type(int format);
/* The report rendered; *len its size.  The caller frees it. */
char *md_report_render(json_t *report, int format, size_t *len);

/* The Chinese label of a category (the category itself if unknown). */
const char *md_report_category_label(const char *category);
/* The name of a province by the first two digits of a GB/T 2260 code. */
const char *md_report_province(const char *code);

/*
 * Writes the report of w into dir as measured-report-YYYY-Www.{html,json,
 * csv}, each to a temporary file renamed over the final name, so a
 * reader never sees half a file.  0, or -1 with err.
 */
int md_report_write_dir(json_t *report, const char *dir,
    const struct md_week *w, struct md_error *err);
/* data into path through a temporary file in the same folder, synced
 * before the rename, so path is either absent, old or whole.  0, or -1
 * with err. */
int md_report_write_file(const char *path, const char *data, size_t len,
    struct md_error *err);
/* 1 when all three files of w are in dir. */
int md_report_dir_has(const char *dir, const struct md_week *w);

#endif /* MD_REPORT_H */
