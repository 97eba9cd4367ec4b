/*
 * test_group.c - the writer's groups (store.c): jobs that may run again
 * run as one transaction without savepoints, and only when one of them
 * is refused is the group rolled back and run again with a savepoint a
 * job, so that the refused job alone leaves no trace; other groups run
 * with savepoints from the start.  A job blocking the writer makes the
 * next jobs queue up into one group.  The writes of one turn of the event
 * loop reach the writer together at its end, or as soon as there are 32
 * of them while the writer is idle; a group is bounded by the bytes its
 * jobs write; and closing the store runs writes whose turn never ended.
 */
#include <check.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "store.h"
#include "testutil.h"

struct tjob {
	struct md_job job;
	const char *external_id;
	int refuse;		/* writes, then says it was refused */
	int runs;		/* on the writer */
	int rc;			/* seen by done */
	int done;
};

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_reached;
static int ndone;
static struct event_base *base;

static int
run_blocker(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	(void)b;
	(void)c;
	(void)j;
	pthread_mutex_lock(&gate_mu);
	gate_reached = 1;
	pthread_cond_broadcast(&gate_cv);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	return MD_STORE_OK;
}

static int
run_put(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct tjob *t = j->arg;
	struct md_submission s = { 0 };
	int rc;

	t->runs++;
	s.platform = md_xstrdup("hotline");
	s.external_id = md_xstrdup(t->external_id);
	s.kind = md_xstrdup("complaint");
	s.text = md_xstrdup("小区被封。");
	memset(s.fingerprint, 'f', 64);
	strcpy(s.date, "2022-11-20");
	s.date_source = md_xstrdup("text");
	tu_add_finding(&s, "closure.lockdown", "2022-11-11", "2.9", "九", "r",
	    3, "小区被封");
	rc = b->submission_put(c, &s, &j->out, &j->err);
	md_submission_free(&s);
	if (rc == MD_STORE_CREATED && t->refuse) {
		md_error_set(&j->err, "refused after writing");
		return MD_STORE_CONFLICT;
	}
	return rc;
}

static void
on_done(struct md_job *j)
{
	struct tjob *t = j->arg;

	t->rc = j->rc;
	t->done = 1;
	json_decref(j->out);
	j->out = NULL;
	ndone++;
}

static void
tjob_init(struct tjob *t, const char *external_id, int refuse,
    int rerunnable)
{
	memset(t, 0, sizeof *t);
	t->external_id = external_id;
	t->refuse = refuse;
	t->job.run = run_put;
	t->job.done = on_done;
	t->job.arg = t;
	t->job.rerunnable = rerunnable;
}

/* Runs the jobs as one group: the writer held by a blocker while they
 * are queued, then let go; returns when all are done. */
static void
one_group(struct md_store *st, struct tjob *t, size_t n)
{
	struct tjob blocker;
	size_t i;

	tjob_init(&blocker, "blocker", 0, 0);
	blocker.job.run = run_blocker;
	gate_open = gate_reached = 0;
	ndone = 0;
	md_store_write(st, &blocker.job);
	event_base_loop(base, EVLOOP_NONBLOCK);	/* the turn ends */
	pthread_mutex_lock(&gate_mu);
	while (!gate_reached)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	for (i = 0; i < n; i++)
		md_store_write(st, &t[i].job);
	pthread_mutex_lock(&gate_mu);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
	while (ndone < (int)n + 1)
		event_base_loop(base, EVLOOP_ONCE);
}

/* How many documents dir's store holds under external_id. */
static int
stored(const char *path, const char *external_id)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM "
	    "documents d JOIN flags g ON g.document_id = d.id "
	    "WHERE d.external_id = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, external_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

START_TEST(groups)
{
	struct md_error err = { 0 };
	char *dir = tu_tmpdir(), *path = md_xasprintf("%s/s.db", dir);
	char *spec = md_xasprintf("sqlite:%s", path);
	struct md_store *st;
	struct md_store_stats stats;
	struct tjob t[3];
	uint64_t commits;
	int i;

	base = event_base_new();
	st = md_store_open(spec, base, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);

	/* Jobs that may run again, none refused: one pass, one commit. */
	tjob_init(&t[0], "a", 0, 1);
	tjob_init(&t[1], "b", 0, 1);
	tjob_init(&t[2], "c", 0, 1);
	md_store_stats(st, &stats);
	commits = stats.commits;
	one_group(st, t, 3);
	md_store_stats(st, &stats);
	ck_assert_uint_eq(stats.commits, commits + 2);	/* blocker, group */
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(t[i].runs, 1);
		ck_assert_int_eq(t[i].rc, MD_STORE_CREATED);
	}
	ck_assert_int_eq(stored(path, "a"), 1);
	ck_assert_int_eq(stored(path, "c"), 1);

	ck_assert_uint_eq(stats.reruns, 0);

	/* One refused after writing: the group again, each job in its
	 * savepoint; the others stay, the refused one leaves nothing. */
	tjob_init(&t[0], "d", 0, 1);
	tjob_init(&t[1], "e", 1, 1);
	tjob_init(&t[2], "f", 0, 1);
	one_group(st, t, 3);
	md_store_stats(st, &stats);
	ck_assert_uint_eq(stats.reruns, 1);	/* counted for /metrics */
	ck_assert_int_eq(t[0].runs, 2);
	ck_assert_int_eq(t[1].runs, 2);
	ck_assert_int_eq(t[2].runs, 1);		/* the first pass stopped */
	ck_assert_int_eq(t[0].rc, MD_STORE_CREATED);
	ck_assert_int_eq(t[1].rc, MD_STORE_CONFLICT);
	ck_assert_int_eq(t[2].rc, MD_STORE_CREATED);
	ck_assert_int_eq(stored(path, "d"), 1);
	ck_assert_int_eq(stored(path, "e"), 0);
	ck_assert_int_eq(stored(path, "f"), 1);

	/* A refused job alone is rolled back, not run again, and the next
	 * group goes on. */
	tjob_init(&t[0], "alone", 1, 1);
	one_group(st, t, 1);
	md_store_stats(st, &stats);
	ck_assert_uint_eq(stats.reruns, 1);	/* not run again */
	ck_assert_int_eq(t[0].runs, 1);
	ck_assert_int_eq(t[0].rc, MD_STORE_CONFLICT);
	ck_assert_int_eq(stored(path, "alone"), 0);
	tjob_init(&t[0], "after", 0, 1);
	one_group(st, t, 1);
	ck_assert_int_eq(t[0].rc, MD_STORE_CREATED);
	ck_assert_int_eq(stored(path, "after"), 1);

	/* A job that may not run again puts the group in savepoints from
	 * the start: every job runs once. */
	tjob_init(&t[0], "g", 0, 1);
	tjob_init(&t[1], "h", 1, 0);
	tjob_init(&t[2], "i", 0, 1);
	one_group(st, t, 3);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(t[i].runs, 1);
	ck_assert_int_eq(t[1].rc, MD_STORE_CONFLICT);
	ck_assert_int_eq(stored(path, "g"), 1);
	ck_assert_int_eq(stored(path, "h"), 0);
	ck_assert_int_eq(stored(path, "i"), 1);

	md_store_close(st);
	event_base_free(base);
	free(spec);
	free(path);
	tu_rmdir(dir);
}
END_TEST

static struct md_store *closing;
static struct tjob again;

/* A done() that writes again, as the outbox may. */
static void
on_done_write_again(struct md_job *j)
{
	on_done(j);
	tjob_init(&again, "again", 0, 1);
	md_store_write(closing, &again.job);
}

static uint64_t
commits_of(struct md_store *st)
{
	struct md_store_stats stats;

	md_store_stats(st, &stats);
	return stats.commits;
}

#define TURN 40

START_TEST(turns)
{
	struct md_error err = { 0 };
	char *dir = tu_tmpdir(), *path = md_xasprintf("%s/s.db", dir);
	char *spec = md_xasprintf("sqlite:%s", path);
	struct md_store *st;
	static struct tjob t[TURN];
	static char ids[TURN][16];
	uint64_t commits;
	int i, waited;

	base = event_base_new();
	st = md_store_open(spec, base, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);

	/* Writes queued in one turn wait for its end: the writer, idle,
	 * commits nothing meanwhile; then all of them are one commit. */
	commits = commits_of(st);
	ndone = 0;
	for (i = 0; i < 5; i++) {
		snprintf(ids[i], sizeof ids[i], "turn-%d", i);
		tjob_init(&t[i], ids[i], 0, 1);
		md_store_write(st, &t[i].job);
	}
	usleep(100000);
	ck_assert_uint_eq(commits_of(st), commits);
	ck_assert_int_eq(ndone, 0);
	while (ndone < 5)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert_uint_eq(commits_of(st), commits + 1);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(t[i].rc, MD_STORE_CREATED);

	/* With the writer idle (given time to be), 32 writes in a turn go
	 * to it before the turn ends. */
	usleep(200000);
	commits = commits_of(st);
	ndone = 0;
	for (i = 0; i < TURN; i++) {
		snprintf(ids[i], sizeof ids[i], "early-%d", i);
		tjob_init(&t[i], ids[i], 0, 1);
		md_store_write(st, &t[i].job);
	}
	for (waited = 0; commits_of(st) == commits && waited < 1000; waited++)
		usleep(10000);
	ck_assert_uint_eq(commits_of(st), commits + 1);	/* the first 32 */
	while (ndone < TURN)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert_uint_eq(commits_of(st), commits + 2);	/* and the rest */
	ck_assert_int_eq(stored(path, "early-0"), 1);
	ck_assert_int_eq(stored(path, "early-39"), 1);

	/* Groups are bounded by what their jobs write (8 MiB): five jobs
	 * of 3 MiB in one turn are three commits. */
	commits = commits_of(st);
	ndone = 0;
	for (i = 0; i < 5; i++) {
		snprintf(ids[i], sizeof ids[i], "big-%d", i);
		tjob_init(&t[i], ids[i], 0, 1);
		t[i].job.bytes = (size_t)3 << 20;
		md_store_write(st, &t[i].job);
	}
	while (ndone < 5)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert_uint_eq(commits_of(st), commits + 3);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(t[i].rc, MD_STORE_CREATED);

	/* Closing the store runs the writes of a turn that never ended,
	 * and their done() callbacks; a write from one of those fails at
	 * once. */
	ndone = 0;
	for (i = 0; i < 3; i++) {
		snprintf(ids[i], sizeof ids[i], "close-%d", i);
		tjob_init(&t[i], ids[i], 0, 1);
		md_store_write(st, &t[i].job);
	}
	t[2].job.done = on_done_write_again;
	closing = st;
	md_store_close(st);
	ck_assert_int_eq(ndone, 4);
	ck_assert_int_eq(again.done, 1);
	ck_assert_int_eq(again.rc, MD_STORE_ERROR);
	ck_assert_int_eq(again.runs, 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(t[i].rc, MD_STORE_CREATED);
	ck_assert_int_eq(stored(path, "close-2"), 1);

	event_base_free(base);
	free(spec);
	free(path);
	tu_rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("group");
	TCase *tc = tcase_create("group");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, groups);
	tcase_add_test(tc, turns);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
