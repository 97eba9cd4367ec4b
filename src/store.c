/*
 * store.c - running the store off the event loop.
 *
 * The writer thread sleeps until jobs are queued, then takes all of them
 * (up to MAX_GROUP) and runs them in one transaction, with one COMMIT, one
 * fsync, for the group.  A job refused by the store (a conflict) or
 * failing must leave the others in: a group of jobs that may run again
 * runs first as it is, and only when one is refused is it rolled back and
 * run again with each job inside its own savepoint (as any other group
 * runs from the start).  Only
 * after the commit returns are the jobs handed back: they go on a done
 * list and a byte written to a pipe wakes the event loop, which runs
 * their done() callbacks.  If the commit fails, every job of the group
 * reports the failure and nothing of it is stored.
 *
 * The writes of a turn of the event loop are handed to the writer
 * together, at the turn's end (on_kick), not one by one: the writer,
 * woken by the first or free again after a commit, took the one or two
 * queued so far and committed them by themselves, while the rest waited
 * for that commit's fsync (a fifth of the groups had one to three jobs
 * under bench/bench_daemon.sh).  Only when the writer is idle and the
 * turn already has EARLY_GROUP writes are they handed over before its
 * end, so that a long turn does not leave the writer waiting.
 *
 * The reader thread runs reads one by one on its own read-only
 * connection; WAL lets it read while the writer writes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "store.h"

#define MAX_GROUP 256
/* A group's dirty pages wait in memory for its commit (the writer does
 * not spill them: walbuf.c), so it is bounded by what it writes too. */
#define MAX_GROUP_BYTES ((size_t)8 << 20)
#define EARLY_GROUP 32

const double md_store_lat_bounds[MD_STORE_NLAT] = {
	0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 5,
};

struct lane {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct md_job *head, **tail;
	int stop;
	int idle;		/* waiting for jobs (atomic: read unlocked) */
	int started;
	int writer;
	struct md_store_conn *conn;
	struct md_store *store;
};

struct md_store {
	const struct md_store_backend *b;
	struct lane writer, reader;
	/* Finished jobs for the event loop. */
	pthread_mutex_t done_mu;
	struct md_job *done_head, **done_tail;
	int pipe[2];
	struct event *wake;
	/* This turn's writes, for the writer at its end (event loop only). */
	struct md_job *turn_head, **turn_tail;
	size_t turn_n;
	struct event *kick;	/* made active by the turn's first write */
	size_t pending;		/* event loop only */
	struct md_store_stats st;	/* under done_mu */
};

const struct md_store_backend *
md_store_backend_find(const char *spec, const char **location,
    struct md_error *err)
{
	const char *colon = strchr(spec, ':');

	if (colon == NULL || spec[0] == '/' || spec[0] == '.') {
		*location = spec;
		return &md_store_sqlite;
	}
	if ((size_t)(colon - spec) == 6 && strncmp(spec, "sqlite", 6) == 0) {
		*location = colon + 1;
		if (**location == '\0') {
			md_error_set(err, "store \"%s\": no file after "
			    "\"sqlite:\"", spec);
			return NULL;
		}
		return &md_store_sqlite;
	}
	md_error_set(err, "store \"%s\": unknown backend \"%.*s\" (this "
	    "build has: sqlite)", spec, (int)(colon - spec), spec);
	return NULL;
}

static const struct {
	const char *action, *from, *to;
} transitions[] = {
	{ "confirm", "open", "confirmed" },
	{ "dismiss", "open", "dismissed" },
	{ "escalate", "confirmed", "escalated" },
	{ "rectified", "escalated", "rectified" },
	{ "reopen", "dismissed", "open" },
};

const char *
md_review_next(const char *action, const char *from)
{
	size_t i;

	for (i = 0; i < MD_NELEM(transitions); i++)
		if (strcmp(transitions[i].action, action) == 0 &&
		    strcmp(transitions[i].from, from) == 0)
			return transitions[i].to;
	return NULL;
}

int
md_review_action_valid(const char *action)
{
	size_t i;

	for (i = 0; i < MD_NELEM(transitions); i++)
		if (strcmp(transitions[i].action, action) == 0)
			return 1;
	return 0;
}

json_t *
md_sub_finding_json(const struct md_sub_finding *f)
{
	json_t *o = json_loadb(f->json, f->json_len, 0, NULL);

	if (o == NULL)		/* written by md_finding_write: never */
		o = json_object();
	if (f->flag_id > 0) {
		json_object_set_new(o, "flag_id", json_integer(f->flag_id));
		json_object_set_new(o, "flag_status", json_string("open"));
	}
	return o;
}

void
md_submission_free(struct md_submission *s)
{
	size_t i;

	free(s->platform);
	free(s->external_id);
	free(s->kind);
	free(s->title);
	free(s->text);
	free(s->region_code);
	free(s->region_name);
	free(s->occurred_at);
	free(s->published_at);
	free(s->contact_name);
	free(s->contact_phone);
	free(s->callback_url);
	free(s->source_url);
	free(s->measures_version);
	free(s->date_source);
	for (i = 0; i < s->nfindings; i++) {
		struct md_sub_finding *f = &s->findings[i];

		free(f->category);
		free(f->version);
		free(f->item);
		free(f->number);
		free(f->rule);
		free(f->excerpt);
		free(f->json);
	}
	free(s->findings);
	json_decref(s->webhooks);
	memset(s, 0, sizeof *s);
}

void
md_feed_state_free(struct md_feed_state *fs)
{
	free(fs->name);
	free(fs->etag);
	free(fs->last_modified);
	free(fs->last_success);
	free(fs->last_error);
	memset(fs, 0, sizeof *fs);
}

void
md_token_free(struct md_token *t)
{
	free(t->label);
	free(t->role);
	free(t->platform);
	free(t->created_at);
	free(t->revoked_at);
	memset(t, 0, sizeof *t);
}

/* Hands finished jobs to the event loop. */
static void
hand_back(struct md_store *s, struct md_job *head, struct md_job **tail)
{
	int wake;

	pthread_mutex_lock(&s->done_mu);
	wake = s->done_head == NULL;
	*s->done_tail = head;
	s->done_tail = tail;
	pthread_mutex_unlock(&s->done_mu);
	if (wake) {
		char c = 1;

		while (write(s->pipe[1], &c, 1) < 0 && errno == EINTR)
			;
	}
}

/* Whether a job's rc keeps what it wrote: a refused or failed job leaves
 * no trace in the group. */
static int
kept(int rc)
{
	return rc >= 0 && rc != MD_STORE_CONFLICT && rc != MD_STORE_NOTFOUND &&
	    rc != MD_STORE_INVALID;
}

/*
 * Runs the group with no savepoints; 1 when every job's work is kept.
 * A savepoint a job cost the writer its pages copied to the statement
 * journal, 2-3 µs of about 25 a submission (docs/PERFORMANCE.md), for a
 * refusal that almost never comes.
 */
static int
run_plain(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *head)
{
	struct md_job *j;

	for (j = head; j != NULL; j = j->next)
		if (!j->rerunnable)
			return 0;
	for (j = head; j != NULL; j = j->next)
		if (!kept(j->rc = j->run(b, c, j)))
			return -1;
	return 1;
}

static void
run_group(struct lane *l, struct md_job *head)
{
	struct md_store *s = l->store;
	const struct md_store_backend *b = s->b;
	struct md_error err = { 0 };
	struct md_job *j, **tail = &head;
	size_t n = 0, k;
	double t0 = md_mono(), dt;
	int ok, plain, alone = 0, rerun = 0;

	for (j = head; j != NULL; j = j->next) {
		n++;
		tail = &j->next;
	}
	ok = b->begin(l->conn, &err) == 0;
	plain = ok ? run_plain(b, l->conn, head) : 0;
	if (plain < 0 && head->next == NULL) {
		/* A job alone: its rollback is its savepoint's. */
		b->rollback(l->conn);
		alone = 1;
	} else if (plain < 0) {
		/* A job was refused or failed: the group again, each job in
		 * a savepoint of its own. */
		b->rollback(l->conn);
		for (j = head; j != NULL; j = j->next) {
			json_decref(j->out);
			j->out = NULL;
			md_error_clear(&j->err);
		}
		ok = b->begin(l->conn, &err) == 0;
		rerun = 1;
	}
	for (j = head; plain <= 0 && !alone && j != NULL; j = j->next) {
		if (!ok) {
			j->rc = MD_STORE_ERROR;
			md_error_set(&j->err, "%s", err.msg);
			continue;
		}
		if (b->savepoint(l->conn, &j->err) != 0) {
			j->rc = MD_STORE_ERROR;
			continue;
		}
		j->rc = j->run(b, l->conn, j);
		b->release(l->conn, kept(j->rc));
	}
	if (ok && !alone && b->commit(l->conn, &err) != 0) {
		b->rollback(l->conn);
		ok = 0;
		for (j = head; j != NULL; j = j->next) {
			json_decref(j->out);
			j->out = NULL;
			j->rc = MD_STORE_ERROR;
			md_error_clear(&j->err);
			md_error_set(&j->err, "%s", err.msg);
		}
	}
	if (!ok) {
		/* Whatever failed, no transaction stays open: a BEGIN failing
		 * after a ROLLBACK that did not may have left one. */
		b->rollback(l->conn);
		md_log(3, "store: a group of %zu writes failed: %s", n, err.msg);
	}
	dt = md_mono() - t0;

	pthread_mutex_lock(&s->done_mu);
	s->st.reruns += (uint64_t)rerun;
	if (ok) {
		s->st.commits++;
		s->st.committed_jobs += n;
	} else {
		s->st.commit_failures++;
	}
	for (k = 0; k < MD_NELEM(s->st.batch_hist) - 1 &&
	    n >= ((size_t)2 << k); k++)
		;
	s->st.batch_hist[k]++;
	s->st.commit_seconds += dt;
	for (k = 0; k < MD_STORE_NLAT - 1 && dt > md_store_lat_bounds[k]; k++)
		;
	s->st.commit_hist[k]++;
	pthread_mutex_unlock(&s->done_mu);
	hand_back(s, head, tail);
}

static void *
lane_main(void *arg)
{
	struct lane *l = arg;

	for (;;) {
		struct md_job *head, *j;
		size_t n;

		pthread_mutex_lock(&l->mu);
		while (l->head == NULL && !l->stop) {
			__atomic_store_n(&l->idle, 1, __ATOMIC_RELAXED);
			pthread_cond_wait(&l->cv, &l->mu);
		}
		__atomic_store_n(&l->idle, 0, __ATOMIC_RELAXED);
		if (l->head == NULL) {
			pthread_mutex_unlock(&l->mu);
			break;
		}
		head = l->head;
		if (l->writer) {
			size_t bytes = head->bytes;

			/* Take up to MAX_GROUP jobs, MAX_GROUP_BYTES, for one
			 * transaction (a larger job goes alone). */
			for (j = head, n = 1; j->next != NULL && n < MAX_GROUP &&
			    bytes + j->next->bytes <= MAX_GROUP_BYTES;
			    j = j->next, n++)
				bytes += j->next->bytes;
		} else {
			j = head;
		}
		l->head = j->next;
		if (l->head == NULL)
			l->tail = &l->head;
		j->next = NULL;
		pthread_mutex_unlock(&l->mu);

		if (l->writer) {
			run_group(l, head);
		} else {
			head->rc = head->run(l->store->b, l->conn, head);
			hand_back(l->store, head, &head->next);
		}
	}
	return NULL;
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct md_store *s = arg;
	struct md_job *j, *next;
	char buf[64];

	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&s->done_mu);
	j = s->done_head;
	s->done_head = NULL;
	s->done_tail = &s->done_head;
	pthread_mutex_unlock(&s->done_mu);
	for (; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		s->pending--;
		j->done(j);
	}
}

/*
 * Runs after the callbacks the loop had to run when the first write of
 * this turn was queued (event_active puts it at the end of their queue),
 * and hands the writer all of this turn's writes at once.
 */
static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct md_store *s = arg;
	struct lane *l = &s->writer;

	(void)fd;
	(void)what;
	if (s->turn_head == NULL)
		return;
	pthread_mutex_lock(&l->mu);
	*l->tail = s->turn_head;
	l->tail = s->turn_tail;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	s->turn_head = NULL;
	s->turn_tail = &s->turn_head;
	s->turn_n = 0;
}

static int
lane_start(struct md_store *s, struct lane *l, int writer, const char *loc,
    struct md_error *err)
{
	l->store = s;
	l->writer = writer;
	l->tail = &l->head;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	if ((l->conn = s->b->open(loc, writer, err)) == NULL)
		return -1;
	if (pthread_create(&l->thread, NULL, lane_main, l) != 0) {
		md_error_set(err, "cannot start the store's %s thread",
		    writer ? "writer" : "reader");
		return -1;
	}
	/* Named for top -H, perf and gdb. */
	pthread_setname_np(l->thread, writer ? "md-writer" : "md-reader");
	l->started = 1;
	return 0;
}

static void
lane_stop(struct md_store *s, struct lane *l)
{
	if (l->started) {
		pthread_mutex_lock(&l->mu);
		l->stop = 1;
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->thread, NULL);
		l->started = 0;
	}
	if (l->conn != NULL)
		s->b->close(l->conn);
	l->conn = NULL;
	if (l->tail != NULL) {
		pthread_mutex_destroy(&l->mu);
		pthread_cond_destroy(&l->cv);
		l->tail = NULL;
	}
}

struct md_store *
md_store_open(const char *spec, struct event_base *base,
    struct md_error *err)
{
	struct md_store *s = md_xcalloc(1, sizeof *s);
	const char *loc;

	s->pipe[0] = s->pipe[1] = -1;
	s->done_tail = &s->done_head;
	pthread_mutex_init(&s->done_mu, NULL);
	if ((s->b = md_store_backend_find(spec, &loc, err)) == NULL)
		goto fail;
	if (pipe2(s->pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
		md_error_set(err, "pipe: %s", strerror(errno));
		goto fail;
	}
	s->wake = event_new(base, s->pipe[0], EV_READ | EV_PERSIST, on_wake, s);
	event_add(s->wake, NULL);
	s->turn_tail = &s->turn_head;
	if ((s->kick = event_new(base, -1, 0, on_kick, s)) == NULL) {
		md_error_set(err, "cannot make the store's events");
		goto fail;
	}
	/* The writer first: it creates and migrates what the reader opens. */
	if (lane_start(s, &s->writer, 1, loc, err) != 0 ||
	    lane_start(s, &s->reader, 0, loc, err) != 0)
		goto fail;
	return s;
fail:
	md_store_close(s);
	return NULL;
}

static void
job_init(struct md_store *s, struct md_job *j)
{
	j->next = NULL;
	j->rc = MD_STORE_ERROR;
	j->out = NULL;
	md_error_clear(&j->err);
	s->pending++;
}

void
md_store_write(struct md_store *s, struct md_job *j)
{
	if (s->kick == NULL) {
		/* Closing: a done() callback wrote again.  Nothing may run
		 * any more; it is told so, as by a failed commit. */
		j->next = NULL;
		j->out = NULL;
		j->rc = MD_STORE_ERROR;
		md_error_set(&j->err, "the store is closing");
		j->done(j);
		return;
	}
	job_init(s, j);
	if (s->turn_head == NULL)
		event_active(s->kick, EV_TIMEOUT, 0);
	*s->turn_tail = j;
	s->turn_tail = &j->next;
	/* A stale idle only moves the handover to the turn's end, or
	 * queues these a little early for a writer that just woke. */
	if (++s->turn_n >= EARLY_GROUP &&
	    __atomic_load_n(&s->writer.idle, __ATOMIC_RELAXED))
		on_kick(-1, 0, s);
}

void
md_store_read(struct md_store *s, struct md_job *j)
{
	struct lane *l = &s->reader;

	job_init(s, j);
	pthread_mutex_lock(&l->mu);
	*l->tail = j;
	l->tail = &j->next;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

size_t
md_store_pending(struct md_store *s)
{
	return s->pending;
}

void
md_store_stats(struct md_store *s, struct md_store_stats *st)
{
	pthread_mutex_lock(&s->done_mu);
	*st = s->st;
	pthread_mutex_unlock(&s->done_mu);
}

const struct md_store_backend *
md_store_backend(struct md_store *s)
{
	return s->b;
}

void
md_store_close(struct md_store *s)
{
	if (s == NULL)
		return;
	/* The threads finish what is queued before they stop. */
	if (s->kick != NULL) {
		on_kick(-1, 0, s);
		event_free(s->kick);
		s->kick = NULL;	/* a write from here on fails at once */
	}
	lane_stop(s, &s->reader);
	lane_stop(s, &s->writer);
	if (s->wake != NULL) {
		/* Deliver what finished, so every done() runs. */
		on_wake(s->pipe[0], EV_READ, s);
		event_free(s->wake);
	}
	if (s->pipe[0] >= 0)
		close(s->pipe[0]);
	if (s->pipe[1] >= 0)
		close(s->pipe[1]);
	pthread_mutex_destroy(&s->done_mu);
	free(s);
}
