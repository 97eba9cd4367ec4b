/*
 * cmd_report.c - the weekly report outside the HTTP API: `measured
 * report`, which opens the store directly (like `measured token`), and
 * the daemon's writer of each finished week into <report folder>.
 *
 * The writer's work is a chain of store read jobs: one that finds the
 * range of weeks to consider (from the week of the first confirmation to
 * the last finished week), then one per week that writes the week's three
 * files if any is missing.  The jobs run on the store's reader thread, so
 * the rendering, the writes and their fsyncs never hold up the event
 * loop, and a drain waits for the job in flight like for any other.  The
 * writer keeps its own copy of the measure texts: a job must not touch
 * the runtime, which a reload may free.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <event2/event.h>

#include "cmd_report.h"
#include "report.h"
#include "server.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: measured [-c FILE] [-s STORE] report [--week YYYY-Www] "
	    "[--format html|json|csv]\n"
	    "                                         [--cases N] [-o FILE]\n"
	    "  --week    an ISO week (default: the last finished week)\n"
	    "  --format  html (default), json or csv\n"
	    "  --cases   typical cases per category (default %d, at most %d)\n"
	    "  -o FILE   write to FILE (replaced whole) instead of stdout\n",
	    MD_REPORT_CASES, MD_REPORT_MAX_CASES);
}

static int
load_catalog(const struct md_conf *conf, struct md_catalog *cat,
    struct md_error *err)
{
	char *schema = md_conf_schema(conf, "measures.rng");
	int rc = md_catalog_load(cat, conf->measures_dir, schema, err);

	free(schema);
	return rc;
}

int
md_report_main(int argc, char **argv, const char *conf_path,
    const char *store)
{
	static const struct option opts[] = {
		{ "week", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'f' },
		{ "cases", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *week = NULL, *output = NULL, *loc;
	const struct md_store_backend *b;
	struct md_store_conn *c = NULL;
	struct md_error err = { 0 };
	struct md_catalog cat;
	struct md_conf conf;
	struct md_week w;
	json_t *rows = NULL, *report, *texts;
	int ch, format = MD_REPORT_HTML, ncases = MD_REPORT_CASES, rc = 1;
	char *body, *end;
	size_t len;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			week = optarg;
			break;
		case 'f':
			if ((format = md_report_format_parse(optarg)) < 0) {
				fprintf(stderr, "measured report: --format must "
				    "be html, json or csv, not \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'n':
			ncases = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || ncases < 0 ||
			    ncases > MD_REPORT_MAX_CASES) {
				fprintf(stderr, "measured report: --cases must "
				    "be a whole number from 0 to %d\n",
				    MD_REPORT_MAX_CASES);
				return 2;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (week == NULL) {
		md_week_of(time(NULL), &w);
		md_week_add(&w, -1);
	} else if (md_week_parse(week, &w, &err) != 0) {
		fprintf(stderr, "measured report: %s\n", err.msg);
		return 2;
	}

	md_conf_defaults(&conf);
	if (conf_path != NULL && md_conf_load(&conf, conf_path, &err) != 0) {
		fprintf(stderr, "measured: %s\n", err.msg);
		md_conf_free(&conf);
		return 1;
	}
	if (store != NULL) {
		free(conf.store);
		conf.store = md_xstrdup(store);
	}
	if (load_catalog(&conf, &cat, &err) != 0) {
		fprintf(stderr, "measured: %s\n", err.msg);
		md_conf_free(&conf);
		return 1;
	}
	if ((b = md_store_backend_find(conf.store, &loc, &err)) == NULL ||
	    (c = b->open(loc, 0, &err)) == NULL ||
	    md_report_fetch(b, c, &w, &rows, &err) != MD_STORE_OK) {
		fprintf(stderr, "measured report: %s\n", err.msg);
		goto out;
	}
	texts = md_report_texts(&cat);
	report = md_report_build(rows, &w, ncases, texts, time(NULL));
	json_decref(texts);
	body = md_report_render(report, format, &len);
	json_decref(report);
	if (output != NULL) {
		if (md_report_write_file(output, body, len, &err) == 0)
			rc = 0;
		else
			fprintf(stderr, "measured report: %s\n", err.msg);
	} else if (fwrite(body, 1, len, stdout) == len && fflush(stdout) == 0) {
		rc = 0;
	} else {
		fprintf(stderr, "measured report: stdout: %s\n",
		    strerror(errno));
	}
	free(body);
out:
	json_decref(rows);
	if (c != NULL)
		b->close(c);
	md_catalog_free(&cat);
	md_conf_free(&conf);
	return rc;
}

/* --- the daemon's writer ------------------------------------------------ */

struct md_report_writer {
	struct md_server *srv;
	json_t *texts;		/* the measure texts, from the catalogue */
	char *folder;
	struct event *timer;
	int busy;		/* a chain of jobs is under way */
	int stopped;		/* draining or closing: queue nothing more */
	int again;		/* the timer fired meanwhile */
	struct md_week next, last;	/* the chain's next and last week */
	struct md_job job;
	int wrote;		/* the job wrote its week */
};

static void run_chain(struct md_report_writer *rw);

static void
arm(struct md_report_writer *rw)
{
	time_t now = time(NULL);
	struct timeval tv = { md_report_next_write(now) - now, 0 };

	evtimer_add(rw->timer, &tv);
}

static int
job_week(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct md_report_writer *rw = j->arg;
	json_t *rows = NULL, *report;
	int rc;

	rw->wrote = 0;
	if (md_report_dir_has(rw->folder, &rw->next))
		return MD_STORE_OK;
	if ((rc = md_report_fetch(b, c, &rw->next, &rows, &j->err)) !=
	    MD_STORE_OK)
		return rc;
	report = md_report_build(rows, &rw->next, MD_REPORT_CASES, rw->texts,
	    time(NULL));
	json_decref(rows);
	rc = md_report_write_dir(report, rw->folder, &rw->next, &j->err);
	json_decref(report);
	if (rc != 0)
		return MD_STORE_ERROR;
	rw->wrote = 1;
	return MD_STORE_OK;
}

static void
done_week(struct md_job *j)
{
	struct md_report_writer *rw = j->arg;
	char wk[16];

	md_week_format(&rw->next, wk);
	if (j->rc != MD_STORE_OK)
		md_log(3, "report %s: %s (tried again at the next run)", wk,
		    j->err.msg);
	else if (rw->wrote)
		md_log(5, "report %s written to %s", wk, rw->folder);
	md_error_clear(&j->err);
	if (md_week_start(&rw->next) < md_week_start(&rw->last) &&
	    !rw->stopped) {
		md_week_add(&rw->next, 1);
		md_store_read(rw->srv->store, &rw->job);
		return;
	}
	rw->busy = 0;
	if (rw->again && !rw->stopped) {
		rw->again = 0;
		run_chain(rw);
	}
}

static int
job_range(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct md_report_writer *rw = j->arg;
	char first[26];
	int rc;

	md_week_of(time(NULL), &rw->last);
	md_week_add(&rw->last, -1);
	rw->next = rw->last;
	rc = b->first_confirmed(c, first, &j->err);
	if (rc == MD_STORE_OK) {
		struct md_week w;
		time_t t = md_report_parse_time(first);

		if (t >= 0) {
			md_week_of(t, &w);
			if (md_week_start(&w) < md_week_start(&rw->next))
				rw->next = w;
		}
		return MD_STORE_OK;
	}
	return rc == MD_STORE_NOTFOUND ? MD_STORE_OK : rc;
}

static void
done_range(struct md_job *j)
{
	struct md_report_writer *rw = j->arg;

	if (j->rc != MD_STORE_OK || rw->stopped) {
		if (j->rc != MD_STORE_OK)
			md_log(3, "reports: %s", j->err.msg);
		md_error_clear(&j->err);
		rw->busy = 0;
		return;
	}
	rw->job.run = job_week;
	rw->job.done = done_week;
	md_store_read(rw->srv->store, &rw->job);
}

static void
run_chain(struct md_report_writer *rw)
{
	if (rw->busy) {
		rw->again = 1;
		return;
	}
	rw->busy = 1;
	memset(&rw->job, 0, sizeof rw->job);
	rw->job.run = job_range;
	rw->job.done = done_range;
	rw->job.arg = rw;
	md_store_read(rw->srv->store, &rw->job);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct md_report_writer *rw = arg;

	(void)fd;
	(void)what;
	if (rw->stopped)
		return;
	run_chain(rw);
	arm(rw);
}

int
md_report_writer_start(struct md_server *srv, struct md_error *err)
{
	const struct md_conf *conf = &srv->rt->conf;
	struct md_report_writer *rw;
	struct md_catalog cat;
	struct stat sb;

	if (conf->report_folder == NULL)
		return 0;
	if (stat(conf->report_folder, &sb) != 0) {
		md_error_set(err, "report folder %s: %s", conf->report_folder,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		md_error_set(err, "report folder %s: not a directory",
		    conf->report_folder);
		return -1;
	}
	if (load_catalog(conf, &cat, err) != 0)
		return -1;
	rw = md_xcalloc(1, sizeof *rw);
	rw->texts = md_report_texts(&cat);
	md_catalog_free(&cat);
	rw->srv = srv;
	rw->folder = md_xstrdup(conf->report_folder);
	rw->timer = evtimer_new(srv->base, on_timer, rw);
	srv->reporter = rw;
	run_chain(rw);
	arm(rw);
	return 0;
}

void
md_report_writer_stop(struct md_server *srv)
{
	if (srv->reporter != NULL) {
		srv->reporter->stopped = 1;
		evtimer_del(srv->reporter->timer);
	}
}

void
md_report_writer_free(struct md_server *srv)
{
	struct md_report_writer *rw = srv->reporter;

	if (rw == NULL)
		return;
	event_free(rw->timer);
	json_decref(rw->texts);
	free(rw->folder);
	free(rw);
	srv->reporter = NULL;
}
