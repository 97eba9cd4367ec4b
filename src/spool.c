/*
 * spool.c - spool folders.
 *
 * Writers put a file in the folder under a temporary name (a dotfile, or
 * one ending in .tmp, .part or ~, which are never taken) and rename it to
 * its final name.  On Linux, inotify (a file moved in or closed after
 * writing) starts a scan at once; a timer scans the folder every interval
 * as well, which is all there is elsewhere or when inotify fails.  Each file is
 * read whole and taken through the one submission path (intake.h), as a
 * submission of the spool's platform (config: platform, "spool" by
 * default):
 *
 *   NAME.json, NAME.xml   a submission, the same fields and validation as
 *                         POST /v1/submissions (XML root <submission>);
 *   NAME.txt              UTF-8 text, a notice (config: kind) of the
 *                         spool's region, titled NAME;
 *   NAME.html, NAME.htm   an HTML page in its declared charset (meta, else
 *                         UTF-8): its <title> and its text.
 *
 * Text and HTML files are keyed by their content: external_id is
 * "sha256:" and the SHA-256 of the file's bytes, and the same bytes
 * under another name are the same notice (already stored).
 *
 * A file is moved to done/ only after its submission was committed (or
 * found already stored), and to failed/ beside NAME.err saying why when
 * it is refused; when the store fails, it stays for the next scan.  A
 * crash between the commit and the move leaves the file in place: the
 * next scan takes it again, the store answers that it exists (the same
 * key and body), and it is moved then.  Nothing is taken twice.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#include <event2/event.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "charset.h"
#include "conf.h"
#include "intake.h"
#include "outbox.h"
#include "server.h"
#include "sha256.h"
#include "spool.h"
#include "xml.h"

/* Files taken in one scan, so a full folder does not hold the loop. */
#define SPOOL_BATCH 64

struct spool_stats {
	char *dir;
	uint64_t stored, duplicates, failed, retried;
};

struct spool {
	struct md_spools *sp;
	struct md_spool_conf c;
	struct spool_stats *st;
	struct event *timer;
	int ino_fd;		/* inotify, or -1 */
	struct event *ino_ev;
	char **busy;		/* names with a store write in flight */
	size_t nbusy;
	int refs;
	int dead;
};

struct md_spools {
	struct md_server *srv;
	struct spool **spools;
	size_t nspools;
	struct spool_stats **stats;
	size_t nstats;
	int stopping;
};

struct spool_put {
	struct md_job job;
	struct md_submission sub;
	struct spool *s;
	char *name;
	int by_content;		/* a text or HTML file, keyed by its bytes */
};

static void
spool_unref(struct spool *s)
{
	size_t i;

	if (--s->refs > 0)
		return;
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->ino_ev != NULL)
		event_free(s->ino_ev);
	if (s->ino_fd >= 0)
		close(s->ino_fd);
	md_spool_conf_free(&s->c);
	for (i = 0; i < s->nbusy; i++)
		free(s->busy[i]);
	free(s->busy);
	free(s);
}

static int
busy_has(struct spool *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nbusy; i++)
		if (strcmp(s->busy[i], name) == 0)
			return 1;
	return 0;
}

static void
busy_del(struct spool *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nbusy; i++)
		if (strcmp(s->busy[i], name) == 0) {
			free(s->busy[i]);
			s->busy[i] = s->busy[--s->nbusy];
			return;
		}
}

/* 1 for a name a writer is still writing, or that is not ours. */
static int
temporary(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' || name[n - 1] == '~' ||
	    (n > 4 && strcmp(name + n - 4, ".tmp") == 0) ||
	    (n > 5 && strcmp(name + n - 5, ".part") == 0) ||
	    (n > 4 && strcmp(name + n - 4, ".err") == 0);
}

/* Moves NAME into sub/ (done or failed) without overwriting: NAME.1,
 * NAME.2 ... when it is taken.  Returns the name used, malloc'd. */
static char *
move_to(struct spool *s, const char *name, const char *sub)
{
	char *from = md_xasprintf("%s/%s", s->c.dir, name), *to = NULL,
	    *used = NULL;
	int i;

	for (i = 0; i < 1000; i++) {
		struct stat sb;

		free(used);
		free(to);
		used = i == 0 ? md_xstrdup(name) : md_xasprintf("%s.%d", name,
		    i);
		to = md_xasprintf("%s/%s/%s", s->c.dir, sub, used);
		if (lstat(to, &sb) != 0 && errno == ENOENT)
			break;
	}
	if (rename(from, to) != 0) {
		md_log(3, "spool %s: cannot move %s to %s/: %s", s->c.dir, name,
		    sub, strerror(errno));
		free(used);
		used = NULL;
	}
	free(from);
	free(to);
	return used;
}

/* To failed/, beside a .err file saying why. */
static void
fail_file(struct spool *s, const char *name, const char *fmt, ...)
    MD_PRINTF(3, 4);

static void
fail_file(struct spool *s, const char *name, const char *fmt, ...)
{
	char why[1200], *used, *path;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	s->st->failed++;
	md_log(4, "spool %s: %s refused: %s", s->c.dir, name, why);
	if ((used = move_to(s, name, "failed")) == NULL)
		return;
	path = md_xasprintf("%s/failed/%s.err", s->c.dir, used);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%s: %s\n", name, why);
		if (fclose(f) != 0)
			md_log(3, "spool %s: cannot write %s", s->c.dir, path);
	} else
		md_log(3, "spool %s: cannot write %s: %s", s->c.dir, path,
		    strerror(errno));
	free(path);
	free(used);
}

static int
job_spool_put(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct spool_put *p = j->arg;
	int rc = b->submission_put(c, &p->sub, &j->out, &j->err);

	/* The same bytes under another file name (another title): the same
	 * notice, stored already. */
	if (rc == MD_STORE_CONFLICT && p->by_content) {
		md_error_clear(&j->err);
		rc = MD_STORE_EXISTS;
	}
	return rc;
}

static void
done_spool_put(struct md_job *j)
{
	struct spool_put *p = j->arg;
	struct spool *s = p->s;

	busy_del(s, p->name);
	if (j->rc == MD_STORE_CREATED || j->rc == MD_STORE_EXISTS) {
		if (j->rc == MD_STORE_CREATED)
			s->st->stored++;
		if (j->rc == MD_STORE_CREATED && p->sub.webhooks != NULL)
			md_outbox_kick(s->sp->srv->outbox);	/* queued with it */
		else
			s->st->duplicates++;
		md_log(6, "spool %s: %s %s as %s", s->c.dir, p->name,
		    j->rc == MD_STORE_CREATED ? "stored" : "already stored",
		    p->sub.external_id);
		free(move_to(s, p->name, "done"));
	} else if (j->rc == MD_STORE_CONFLICT) {
		fail_file(s, p->name, "%s", j->err.msg);
	} else {
		/* The store failed: the file stays for the next scan. */
		s->st->retried++;
		md_log(3, "spool %s: %s not stored, will retry: %s", s->c.dir,
		    p->name, j->err.msg);
	}
	json_decref(j->out);
	md_submission_free(&p->sub);
	free(p->name);
	free(p);
	spool_unref(s);
}

/* A text or HTML file as a submission body. */
static json_t *
document_body(struct spool *s, const char *name, const char *buf,
    size_t len, int html, struct md_problem *prob)
{
	struct md_error err = { 0 };
	char hash[65], *text, *id, *title = NULL;
	size_t n;
	json_t *body;

	text = html ? md_charset_to_utf8(buf, len, NULL, NULL, &n, &err) :
	    md_charset_decode(buf, len, "utf-8", &n, &err);
	if (text == NULL) {
		md_problem_set(prob, 422, "invalid-text", "%s", err.msg);
		return NULL;
	}
	if (html) {
		htmlDocPtr doc = htmlReadMemory(text, (int)n, name, "UTF-8",
		    HTML_PARSE_NONET | HTML_PARSE_NOERROR |
		    HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER);
		xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
		xmlNodePtr c, head = NULL, bodyn = NULL;

		free(text);
		text = NULL;
		for (c = root ? root->children : NULL; c != NULL; c = c->next) {
			if (md_xml_is(c, "head"))
				head = c;
			else if (md_xml_is(c, "body"))
				bodyn = c;
		}
		for (c = head ? head->children : NULL; c != NULL; c = c->next)
			if (md_xml_is(c, "title"))
				title = md_xml_text(c);
		if (bodyn != NULL)
			text = md_xml_text(bodyn);
		if (doc != NULL)
			xmlFreeDoc(doc);
		if (text == NULL) {
			free(title);
			md_problem_set(prob, 422, "invalid-text", "no <body> "
			    "with text");
			return NULL;
		}
	}
	md_sha256_hex(buf, len, hash);
	id = md_xasprintf("sha256:%s", hash);
	body = json_pack("{s:s, s:s, s:s}", "external_id", id, "kind",
	    s->c.kind, "text", text);
	free(id);
	free(text);
	if (body == NULL) {
		free(title);
		md_problem_set(prob, 422, "invalid-text", "the text is not "
		    "valid UTF-8");
		return NULL;
	}
	{
		/* A title is one line of at most 500 characters. */
		const char *t = title ? title : name;
		char *one = md_xstrndup(t, strlen(t) < 1500 ? strlen(t) : 1500);
		size_t i, chars = 0;

		for (i = 0; one[i] != '\0'; i++) {
			if ((unsigned char)one[i] < ' ')
				one[i] = ' ';
			if (((unsigned char)one[i] & 0xc0) != 0x80 &&
			    ++chars > 500) {
				one[i] = '\0';
				break;
			}
		}
		json_object_set_new(body, "title", json_string(one));
		free(one);
	}
	free(title);
	if (s->c.region_code != NULL || s->c.region_name != NULL) {
		json_t *r = json_object();

		if (s->c.region_code != NULL)
			json_object_set_new(r, "code",
			    json_string(s->c.region_code));
		if (s->c.region_name != NULL)
			json_object_set_new(r, "name",
			    json_string(s->c.region_name));
		json_object_set_new(body, "region", r);
	}
	return body;
}

/* Takes one file in: refused files go to failed/ now, good ones to the
 * store. */
static void
take_file(struct spool *s, const char *name)
{
	struct md_server *srv = s->sp->srv;
	struct md_problem prob = { 0 };
	struct md_error err = { 0 };
	struct spool_put *p;
	const char *ext = strrchr(name, '.');
	char *path, *buf;
	json_t *body = NULL;
	size_t len;
	int by_content = 0;

	path = md_xasprintf("%s/%s", s->c.dir, name);
	buf = md_read_file(path, &len, s->c.max_size, &err);
	free(path);
	if (buf == NULL) {
		fail_file(s, name, "%s", err.msg);
		return;
	}
	if (ext != NULL && strcmp(ext, ".json") == 0)
		body = md_body_parse(buf, len, 0, "submission", &prob);
	else if (ext != NULL && strcmp(ext, ".xml") == 0)
		body = md_body_parse(buf, len, 1, "submission", &prob);
	else if (ext != NULL && (strcmp(ext, ".html") == 0 ||
	    strcmp(ext, ".htm") == 0)) {
		body = document_body(s, name, buf, len, 1, &prob);
		by_content = 1;
	} else if (ext != NULL && strcmp(ext, ".txt") == 0) {
		body = document_body(s, name, buf, len, 0, &prob);
		by_content = 1;
	}
	else
		md_problem_set(&prob, 415, "unsupported-media-type", "not a "
		    ".json, .xml, .txt, .html or .htm file");
	free(buf);
	p = md_xcalloc(1, sizeof *p);
	if (body == NULL || md_intake_submission(srv, body, 0, s->c.platform,
	    &p->sub, &prob) != 0) {
		fail_file(s, name, "%s (%s)", prob.detail, prob.type);
		json_decref(body);
		md_submission_free(&p->sub);
		free(p);
		return;
	}
	json_decref(body);
	p->s = s;
	p->name = md_xstrdup(name);
	p->by_content = by_content;
	s->refs++;
	s->busy = md_xreallocarray(s->busy, s->nbusy + 1, sizeof *s->busy);
	s->busy[s->nbusy++] = md_xstrdup(name);
	p->job.run = job_spool_put;
	p->job.done = done_spool_put;
	p->job.bytes = strlen(p->sub.text);
	p->job.arg = p;
	md_store_write(srv->store, &p->job);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
on_scan(evutil_socket_t fd, short what, void *arg)
{
	struct spool *s = arg;
	char *names[SPOOL_BATCH];
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;

	(void)fd;
	(void)what;
	if (s->dead || s->sp->stopping)
		return;
	if ((d = opendir(s->c.dir)) == NULL) {
		md_log(3, "spool %s: %s", s->c.dir, strerror(errno));
		return;
	}
	while (n < SPOOL_BATCH && (de = readdir(d)) != NULL) {
		struct stat sb;
		char *path;

		if (temporary(de->d_name) || busy_has(s, de->d_name))
			continue;
		path = md_xasprintf("%s/%s", s->c.dir, de->d_name);
		/* Regular files only: done/, failed/ and links stay. */
		if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			names[n++] = md_xstrdup(de->d_name);
		free(path);
	}
	closedir(d);
	/* In name order, so writers can order what they drop. */
	qsort(names, n, sizeof *names, cmp_str);
	for (i = 0; i < n; i++) {
		take_file(s, names[i]);
		free(names[i]);
	}
}

#ifdef __linux__
/* Something was moved in or written: drain the events, scan now. */
static void
on_inotify(evutil_socket_t fd, short what, void *arg)
{
	struct spool *s = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		;
	on_scan(-1, EV_TIMEOUT, s);
}
#endif

/* Watches the folder with inotify where there is one; the timer stays. */
static void
watch(struct spool *s)
{
	s->ino_fd = -1;
#ifdef __linux__
	s->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->ino_fd < 0 || inotify_add_watch(s->ino_fd, s->c.dir,
	    IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		md_log(4, "spool %s: no inotify (%s); scanning every %g s",
		    s->c.dir, strerror(errno), s->c.interval);
		if (s->ino_fd >= 0)
			close(s->ino_fd);
		s->ino_fd = -1;
		return;
	}
	s->ino_ev = event_new(s->sp->srv->base, s->ino_fd,
	    EV_READ | EV_PERSIST, on_inotify, s);
	event_add(s->ino_ev, NULL);
#endif
}

static int
ensure_dir(const char *dir)
{
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		md_log(3, "spool: cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static struct spool_stats *
stats_for(struct md_spools *sp, const char *dir)
{
	struct spool_stats *st;
	size_t i;

	for (i = 0; i < sp->nstats; i++)
		if (strcmp(sp->stats[i]->dir, dir) == 0)
			return sp->stats[i];
	st = md_xcalloc(1, sizeof *st);
	st->dir = md_xstrdup(dir);
	sp->stats = md_xreallocarray(sp->stats, sp->nstats + 1,
	    sizeof *sp->stats);
	sp->stats[sp->nstats++] = st;
	return st;
}

struct md_spools *
md_spools_new(struct md_server *srv)
{
	struct md_spools *sp = md_xcalloc(1, sizeof *sp);

	sp->srv = srv;
	return sp;
}

static void
spools_drop(struct md_spools *sp)
{
	size_t i;

	for (i = 0; i < sp->nspools; i++) {
		sp->spools[i]->dead = 1;
		evtimer_del(sp->spools[i]->timer);
		if (sp->spools[i]->ino_ev != NULL)
			event_del(sp->spools[i]->ino_ev);
		spool_unref(sp->spools[i]);
	}
	free(sp->spools);
	sp->spools = NULL;
	sp->nspools = 0;
}

void
md_spools_configure(struct md_spools *sp, const struct md_conf *conf)
{
	size_t i;

	spools_drop(sp);
	if (sp->stopping)
		return;
	sp->spools = md_xcalloc(conf->nspools + 1, sizeof *sp->spools);
	for (i = 0; i < conf->nspools; i++) {
		const struct md_spool_conf *c = &conf->spools[i];
		struct spool *s = md_xcalloc(1, sizeof *s);
		struct timeval tv;
		char *d;

		s->sp = sp;
		s->c.dir = md_xstrdup(c->dir);
		s->c.platform = md_xstrdup(c->platform);
		s->c.kind = md_xstrdup(c->kind);
		s->c.interval = c->interval;
		s->c.max_size = c->max_size;
		s->c.region_code = c->region_code ?
		    md_xstrdup(c->region_code) : NULL;
		s->c.region_name = c->region_name ?
		    md_xstrdup(c->region_name) : NULL;
		s->st = stats_for(sp, c->dir);
		s->refs = 1;
		s->ino_fd = -1;
		s->timer = event_new(sp->srv->base, -1, EV_PERSIST, on_scan, s);
		sp->spools[sp->nspools++] = s;
		ensure_dir(s->c.dir);
		d = md_xasprintf("%s/done", s->c.dir);
		ensure_dir(d);
		free(d);
		d = md_xasprintf("%s/failed", s->c.dir);
		ensure_dir(d);
		free(d);
		watch(s);
		tv.tv_sec = (time_t)s->c.interval;
		tv.tv_usec = (suseconds_t)((s->c.interval -
		    (double)tv.tv_sec) * 1e6);
		event_add(s->timer, &tv);
		/* The first scan now: files left by a crash go first. */
		event_active(s->timer, EV_TIMEOUT, 0);
	}
}

void
md_spools_stop(struct md_spools *sp)
{
	if (sp == NULL)
		return;
	sp->stopping = 1;
	spools_drop(sp);
}

void
md_spools_free(struct md_spools *sp)
{
	size_t i;

	if (sp == NULL)
		return;
	spools_drop(sp);
	for (i = 0; i < sp->nstats; i++) {
		free(sp->stats[i]->dir);
		free(sp->stats[i]);
	}
	free(sp->stats);
	free(sp);
}

static void
label(struct md_buf *b, const char *dir)
{
	for (; *dir != '\0'; dir++) {
		if (*dir == '\\' || *dir == '"')
			md_buf_printf(b, "\\%c", *dir);
		else if (*dir == '\n')
			md_buf_adds(b, "\\n");
		else
			md_buf_add(b, dir, 1);
	}
}

void
md_spools_metrics(struct md_spools *sp, struct md_buf *b)
{
	size_t i;

	if (sp == NULL || sp->nstats == 0)
		return;
	md_buf_adds(b, "# HELP measured_spool_files_total Spool files taken, "
	    "by result (stored, duplicate, failed, retried: the store failed "
	    "and the file stays).\n# TYPE measured_spool_files_total "
	    "counter\n");
	for (i = 0; i < sp->nstats; i++) {
		static const char *const results[] = { "stored", "duplicate",
			"failed", "retried" };
		const struct spool_stats *st = sp->stats[i];
		uint64_t v[4] = { st->stored, st->duplicates, st->failed,
			st->retried };
		size_t k;

		for (k = 0; k < 4; k++) {
			md_buf_adds(b, "measured_spool_files_total{spool=\"");
			label(b, st->dir);
			md_buf_printf(b, "\",result=\"%s\"} %llu\n", results[k],
			    (unsigned long long)v[k]);
		}
	}
}
