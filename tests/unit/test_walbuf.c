/*
 * test_walbuf.c - the VFS that gathers a commit's WAL writes (walbuf.c),
 * over a counting VFS of this test's: a commit's frames reach the file
 * in a few writes instead of two a frame; every commit is seen at once by
 * a connection on the default VFS; a transaction larger than the cache
 * (with cache_spill=OFF, as the store's writer: its pages wait in memory
 * for the commit) and than what is kept at once comes out whole; a
 * transaction rolled back leaves nothing to be written over what another
 * connection commits next; a device without powersafe overwrite gets the
 * writes as they come; a checkpoint leaves the rows as they were; and a
 * process killed after its commits leaves every one of them.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/wait.h>

#include <sqlite3.h>

#include "testutil.h"
#include "walbuf.h"

/* --- a VFS that counts the writes to WAL files ------------------------- */

static sqlite3_vfs *base_vfs;
static sqlite3_vfs count_vfs;
static sqlite3_io_methods count_methods;
static long wal_writes;

struct cfile {
	sqlite3_file f;
	sqlite3_file *real;
	int wal;
};

static int
c_close(sqlite3_file *p)
{
	return ((struct cfile *)p)->real->pMethods->xClose(
	    ((struct cfile *)p)->real);
}

static int
c_read(sqlite3_file *p, void *b, int n, sqlite3_int64 o)
{
	struct cfile *c = (struct cfile *)p;

	return c->real->pMethods->xRead(c->real, b, n, o);
}

static int
c_write(sqlite3_file *p, const void *b, int n, sqlite3_int64 o)
{
	struct cfile *c = (struct cfile *)p;

	if (c->wal)
		wal_writes++;
	return c->real->pMethods->xWrite(c->real, b, n, o);
}

#define FWD(name, decl, call) \
	static int name decl { struct cfile *c = (struct cfile *)p; \
	    return c->real->pMethods->call; }
FWD(c_truncate, (sqlite3_file *p, sqlite3_int64 s), xTruncate(c->real, s))
FWD(c_sync, (sqlite3_file *p, int f), xSync(c->real, f))
FWD(c_size, (sqlite3_file *p, sqlite3_int64 *s), xFileSize(c->real, s))
FWD(c_lock, (sqlite3_file *p, int l), xLock(c->real, l))
FWD(c_unlock, (sqlite3_file *p, int l), xUnlock(c->real, l))
FWD(c_reserved, (sqlite3_file *p, int *o), xCheckReservedLock(c->real, o))
FWD(c_fcntl, (sqlite3_file *p, int op, void *a), xFileControl(c->real, op, a))
FWD(c_sector, (sqlite3_file *p), xSectorSize(c->real))
FWD(c_device, (sqlite3_file *p), xDeviceCharacteristics(c->real))
FWD(c_shm_map, (sqlite3_file *p, int g, int s, int e, void volatile **pp),
    xShmMap(c->real, g, s, e, pp))
FWD(c_shm_lock, (sqlite3_file *p, int o, int n, int f),
    xShmLock(c->real, o, n, f))
FWD(c_shm_unmap, (sqlite3_file *p, int d), xShmUnmap(c->real, d))

static void
c_shm_barrier(sqlite3_file *p)
{
	struct cfile *c = (struct cfile *)p;

	c->real->pMethods->xShmBarrier(c->real);
}

static int
c_open(sqlite3_vfs *v, const char *name, sqlite3_file *p, int flags,
    int *out)
{
	struct cfile *c = (struct cfile *)p;
	int rc;

	(void)v;
	c->real = (sqlite3_file *)(c + 1);
	c->wal = (flags & SQLITE_OPEN_WAL) != 0;
	rc = base_vfs->xOpen(base_vfs, name, c->real, flags, out);
	if (rc != SQLITE_OK) {
		if (c->real->pMethods != NULL)
			c->real->pMethods->xClose(c->real);
		c->f.pMethods = NULL;
		return rc;
	}
	c->f.pMethods = &count_methods;
	return SQLITE_OK;
}

/* Makes the counting VFS the default, for walbuf to wrap. */
static void
count_register(void)
{
	base_vfs = sqlite3_vfs_find(NULL);
	count_vfs = *base_vfs;
	count_vfs.zName = "count";
	count_vfs.szOsFile = (int)sizeof(struct cfile) + base_vfs->szOsFile;
	count_vfs.xOpen = c_open;
	count_vfs.pNext = NULL;
	count_methods.iVersion = 2;
	count_methods.xClose = c_close;
	count_methods.xRead = c_read;
	count_methods.xWrite = c_write;
	count_methods.xTruncate = c_truncate;
	count_methods.xSync = c_sync;
	count_methods.xFileSize = c_size;
	count_methods.xLock = c_lock;
	count_methods.xUnlock = c_unlock;
	count_methods.xCheckReservedLock = c_reserved;
	count_methods.xFileControl = c_fcntl;
	count_methods.xSectorSize = c_sector;
	count_methods.xDeviceCharacteristics = c_device;
	count_methods.xShmMap = c_shm_map;
	count_methods.xShmLock = c_shm_lock;
	count_methods.xShmBarrier = c_shm_barrier;
	count_methods.xShmUnmap = c_shm_unmap;
	ck_assert_int_eq(sqlite3_vfs_register(&count_vfs, 1), SQLITE_OK);
}

/* --- helpers ------------------------------------------------------------ */

static char *dir, *path;

static void
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s: %s", sql, msg ? msg : "?");
}

static sqlite3 *
open_db(const char *vfs)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, vfs), SQLITE_OK);
	exec(db, "PRAGMA journal_mode = WAL");
	exec(db, "PRAGMA synchronous = FULL");
	/* As the store's writer: what walbuf needs (walbuf.c). */
	if (vfs != NULL && strcmp(vfs, MD_WALBUF_VFS) == 0)
		exec(db, "PRAGMA cache_spill = OFF");
	return db;
}

static long
count_rows(sqlite3 *db)
{
	sqlite3_stmt *st;
	long n = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*), "
	    "sum(length(v)) FROM t", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
insert(sqlite3 *db, int rows, int size)
{
	sqlite3_stmt *st;
	int i;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES "
	    "(randomblob(?1))", -1, &st, NULL), SQLITE_OK);
	for (i = 0; i < rows; i++) {
		sqlite3_bind_int(st, 1, size);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

static void
setup(void)
{
	if (base_vfs == NULL)
		count_register();
	ck_assert_str_eq(md_walbuf_vfs(), MD_WALBUF_VFS);
	dir = tu_tmpdir();
	path = md_xasprintf("%s/w.db", dir);
}

static void
teardown(void)
{
	free(path);
	tu_rmdir(dir);
}

/* --- tests --------------------------------------------------------------- */

START_TEST(commit_in_few_writes)
{
	sqlite3 *w, *plain, *r;
	long gathered, frame_by_frame;

	setup();
	w = open_db(MD_WALBUF_VFS);
	exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
	r = open_db(NULL);

	/* 40 rows of 1,500 bytes in one transaction: some 15 pages. */
	wal_writes = 0;
	exec(w, "BEGIN");
	insert(w, 40, 1500);
	exec(w, "COMMIT");
	gathered = wal_writes;
	ck_assert_int_eq(count_rows(r), 40);	/* seen at once */

	/* The same through the counting VFS alone. */
	plain = open_db("count");
	wal_writes = 0;
	exec(plain, "BEGIN");
	insert(plain, 40, 1500);
	exec(plain, "COMMIT");
	frame_by_frame = wal_writes;
	ck_assert_int_eq(count_rows(r), 80);

	ck_assert_msg(frame_by_frame >= 20, "%ld", frame_by_frame);
	ck_assert_msg(gathered <= 2, "%ld writes for one commit (%ld plain)",
	    gathered, frame_by_frame);

	/* 3 MB in one commit: more than is kept at once, and written in
	 * pieces the unix VFS takes whole (at most 128 KB - 1 a call). */
	wal_writes = 0;
	exec(w, "BEGIN");
	insert(w, 1000, 3000);
	exec(w, "COMMIT");
	ck_assert_int_eq(count_rows(r), 1080);
	ck_assert_msg(wal_writes < 100, "%ld", wal_writes);	/* not 1,500 */

	sqlite3_close(plain);
	sqlite3_close(r);
	sqlite3_close(w);
	teardown();
}
END_TEST

START_TEST(every_commit_seen)
{
	sqlite3 *w, *r;
	int i;

	setup();
	w = open_db(MD_WALBUF_VFS);
	exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
	r = open_db(NULL);
	for (i = 1; i <= 200; i++) {
		insert(w, 1, 100 + i * 37 % 3000);
		ck_assert_int_eq(count_rows(r), i);
	}
	exec(w, "PRAGMA wal_checkpoint(TRUNCATE)");
	ck_assert_int_eq(count_rows(r), 200);
	insert(w, 5, 5000);
	ck_assert_int_eq(count_rows(r), 205);
	sqlite3_close(r);
	sqlite3_close(w);
	teardown();
}
END_TEST

START_TEST(larger_than_cache_and_buffer)
{
	sqlite3 *w, *r;
	sqlite3_stmt *st;

	setup();
	w = open_db(MD_WALBUF_VFS);
	/* A cache of 10 pages, which the transaction outgrows (its pages
	 * wait in memory: no spills), and 3 MB, more than walbuf keeps at
	 * once. */
	exec(w, "PRAGMA cache_size = 10");
	exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
	exec(w, "CREATE INDEX t_v ON t (v)");
	exec(w, "BEGIN");
	insert(w, 1500, 2000);
	exec(w, "UPDATE t SET v = randomblob(1000) WHERE id % 3 = 0");
	exec(w, "DELETE FROM t WHERE id % 7 = 0");
	exec(w, "COMMIT");
	r = open_db(NULL);
	ck_assert_int_eq(count_rows(r), 1500 - 1500 / 7);
	ck_assert_int_eq(sqlite3_prepare_v2(r, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	/* A rolled-back transaction leaves nothing. */
	exec(w, "BEGIN");
	insert(w, 500, 2000);
	exec(w, "ROLLBACK");
	ck_assert_int_eq(count_rows(r), 1500 - 1500 / 7);
	sqlite3_close(r);
	sqlite3_close(w);
	teardown();
}
END_TEST

START_TEST(rollback_then_another_writer)
{
	sqlite3 *w, *other;
	sqlite3_stmt *st;

	setup();
	w = open_db(MD_WALBUF_VFS);
	exec(w, "PRAGMA cache_size = 10");
	exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
	insert(w, 10, 500);
	/* A transaction larger than the cache, rolled back...  (What keeps
	 * this safe is cache_spill=OFF: with spills allowed this very
	 * scenario still passes, because SQLite reads the WAL after this
	 * rollback and the read writes out what walbuf keeps; it stands for
	 * the interleavings this test cannot force.) */
	exec(w, "BEGIN");
	insert(w, 300, 3000);
	exec(w, "ROLLBACK");
	/* ...then another connection commits where its frames would have
	 * gone, and w commits again. */
	other = open_db(NULL);
	exec(other, "BEGIN");
	insert(other, 50, 3000);
	exec(other, "COMMIT");
	insert(w, 1, 100);
	ck_assert_int_eq(count_rows(other), 61);
	exec(w, "PRAGMA wal_checkpoint(TRUNCATE)");
	ck_assert_int_eq(count_rows(other), 61);
	ck_assert_int_eq(count_rows(w), 61);
	ck_assert_int_eq(sqlite3_prepare_v2(other, "PRAGMA integrity_check",
	    -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(other);
	sqlite3_close(w);
	teardown();
}
END_TEST

START_TEST(no_powersafe_overwrite)
{
	sqlite3 *w;
	char *uri;

	setup();
	uri = md_xasprintf("file:%s?psow=0", path);
	free(path);
	path = uri;
	w = open_db(MD_WALBUF_VFS);
	exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
	wal_writes = 0;
	exec(w, "BEGIN");
	insert(w, 40, 1500);
	exec(w, "COMMIT");
	/* Padding would be written past the sync point: nothing kept. */
	ck_assert_msg(wal_writes >= 20, "%ld", wal_writes);
	ck_assert_int_eq(count_rows(w), 40);
	sqlite3_close(w);
	teardown();
}
END_TEST

START_TEST(killed_after_commits)
{
	int fd[2], status;
	long committed = 0, n;
	pid_t pid;
	sqlite3 *r;

	setup();
	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sqlite3 *w = open_db(MD_WALBUF_VFS);
		long i;

		close(fd[0]);
		exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
		for (i = 1; i <= 300; i++) {
			exec(w, "BEGIN");
			insert(w, 3, 700);
			exec(w, "COMMIT");
			/* Told only after the commit returned. */
			if (write(fd[1], &i, sizeof i) != sizeof i)
				_exit(2);
		}
		/* Killed with its connection open: nothing flushed at close. */
		kill(getpid(), SIGKILL);
		_exit(3);
	}
	close(fd[1]);
	while (read(fd[0], &n, sizeof n) == sizeof n)
		committed = n;
	close(fd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(committed, 300);
	r = open_db(NULL);
	ck_assert_int_eq(count_rows(r), 3 * committed);
	sqlite3_close(r);
	teardown();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("walbuf");
	TCase *tc = tcase_create("walbuf");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, commit_in_few_writes);
	tcase_add_test(tc, every_commit_seen);
	tcase_add_test(tc, larger_than_cache_and_buffer);
	tcase_add_test(tc, rollback_then_another_writer);
	tcase_add_test(tc, killed_after_commits);
	/* Last: it turns gathering off for the process (CK_FORK=no). */
	tcase_add_test(tc, no_powersafe_overwrite);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
