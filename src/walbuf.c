/*
 * walbuf.c - an SQLite VFS over the default one that gathers the writes
 * of a commit to the write-ahead log into one.
 *
 * SQLite writes each WAL frame with two calls, its 24-byte header and
 * then its page, and a frame is 4,120 bytes, so that every 4 KB page of
 * the WAL file was written two or three times over, each time through
 * the kernel's per-page work: 58 pwrite calls a group commit of about 25
 * submissions, a fifth of the writer's time (perf, bench/bench_daemon.sh).
 * Here the WAL's writes that follow one another are kept in memory and
 * written with one call when SQLite next does anything else with the
 * file: syncs it, reads it, asks its size, truncates it, closes it, or
 * writes anywhere but right after what is kept (a frame written again
 * within a transaction too: what is kept goes first, then the frame).
 *
 * That is safe only when nothing is kept once the connection lets go of
 * the WAL's write lock, and it is so for the writer's connection:
 *  - a commit syncs the WAL before it makes its frames visible (in the
 *    wal-index) to other connections, with synchronous=FULL, the
 *    writer's setting, and the sync writes what is kept first;
 *  - frames are written only by a commit: the writer does not spill
 *    pages to the WAL before one (cache_spill=OFF), so a transaction
 *    rolled back leaves nothing kept, to be written later over frames
 *    another connection has committed since;
 *  - a commit writes nothing after its sync: frames are padded out to a
 *    sector past the sync point only when the database file has no
 *    powersafe overwrite (SQLite's default has it; psow=0 in a URI or
 *    SQLITE_FCNTL_POWERSAFE_OVERWRITE take it away), and once a
 *    database without it is seen, WAL writes pass straight through.
 * A connection with synchronous=NORMAL or OFF, or one that may spill,
 * must not open its database through this VFS.  Other files (the
 * database, the wal-index) pass straight through.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "walbuf.h"

#define WALBUF_MAX (1u << 20)	/* kept at most before a write */
#define WALBUF_PIECE (124u << 10)	/* written at most in one call */

struct wb_file {
	sqlite3_file base;
	sqlite3_file *real;	/* the default VFS's, right after this */
	int wal;		/* the WAL: its writes are gathered */
	char *buf;		/* kept, for the file at offset off */
	size_t len, cap;
	sqlite3_int64 off;
};

static sqlite3_vfs *real_vfs;
/* Set for good once a database file without powersafe overwrite is
 * seen: its WAL commits would write padding after their sync. */
static int no_psow;

/*
 * Writes what is kept, in pieces: the unix VFS writes at most 128 KB - 1
 * at a time (a larger write is cut short and reported as a full disk).
 */
static int
flush(struct wb_file *f)
{
	size_t done, n;
	int rc = SQLITE_OK;

	for (done = 0; done < f->len && rc == SQLITE_OK; done += n) {
		n = f->len - done < WALBUF_PIECE ? f->len - done : WALBUF_PIECE;
		rc = f->real->pMethods->xWrite(f->real, f->buf + done, (int)n,
		    f->off + (sqlite3_int64)done);
	}
	f->len = 0;
	return rc;
}

static int
wb_close(sqlite3_file *p)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc = flush(f), rc2;

	rc2 = f->real->pMethods->xClose(f->real);
	free(f->buf);
	f->buf = NULL;
	f->cap = 0;
	return rc != SQLITE_OK ? rc : rc2;
}

static int
wb_read(sqlite3_file *p, void *dst, int amt, sqlite3_int64 off)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc = flush(f);

	if (rc != SQLITE_OK)
		return rc;
	return f->real->pMethods->xRead(f->real, dst, amt, off);
}

static int
wb_write(sqlite3_file *p, const void *src, int amt, sqlite3_int64 off)
{
	struct wb_file *f = (struct wb_file *)p;
	size_t n = (size_t)amt;
	int rc;

	if (!f->wal || __atomic_load_n(&no_psow, __ATOMIC_RELAXED)) {
		if ((rc = flush(f)) != SQLITE_OK)
			return rc;
		return f->real->pMethods->xWrite(f->real, src, amt, off);
	}
	if (f->len > 0 && (off != f->off + (sqlite3_int64)f->len ||
	    f->len + n > WALBUF_MAX) && (rc = flush(f)) != SQLITE_OK)
		return rc;
	if (n > WALBUF_MAX)
		return f->real->pMethods->xWrite(f->real, src, amt, off);
	if (f->len + n > f->cap) {
		size_t cap = f->cap ? f->cap : 65536;
		char *b;

		while (cap < f->len + n)
			cap *= 2;
		if ((b = realloc(f->buf, cap)) == NULL) {
			if ((rc = flush(f)) != SQLITE_OK)
				return rc;
			return f->real->pMethods->xWrite(f->real, src, amt,
			    off);
		}
		f->buf = b;
		f->cap = cap;
	}
	if (f->len == 0)
		f->off = off;
	memcpy(f->buf + f->len, src, n);
	f->len += n;
	return SQLITE_OK;
}

static int
wb_truncate(sqlite3_file *p, sqlite3_int64 size)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc = flush(f);

	if (rc != SQLITE_OK)
		return rc;
	return f->real->pMethods->xTruncate(f->real, size);
}

static int
wb_sync(sqlite3_file *p, int flags)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc = flush(f);

	if (rc != SQLITE_OK)
		return rc;
	return f->real->pMethods->xSync(f->real, flags);
}

static int
wb_file_size(sqlite3_file *p, sqlite3_int64 *size)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc = flush(f);

	if (rc != SQLITE_OK)
		return rc;
	return f->real->pMethods->xFileSize(f->real, size);
}

static int
wb_lock(sqlite3_file *p, int lock)
{
	struct wb_file *f = (struct wb_file *)p;

	return f->real->pMethods->xLock(f->real, lock);
}

static int
wb_unlock(sqlite3_file *p, int lock)
{
	struct wb_file *f = (struct wb_file *)p;

	return f->real->pMethods->xUnlock(f->real, lock);
}

static int
wb_check_reserved(sqlite3_file *p, int *out)
{
	struct wb_file *f = (struct wb_file *)p;

	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int
wb_file_control(sqlite3_file *p, int op, void *arg)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc = flush(f);

	if (rc != SQLITE_OK)
		return rc;
	if (op == SQLITE_FCNTL_POWERSAFE_OVERWRITE && arg != NULL &&
	    *(int *)arg == 0)
		__atomic_store_n(&no_psow, 1, __ATOMIC_RELAXED);
	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int
wb_sector_size(sqlite3_file *p)
{
	struct wb_file *f = (struct wb_file *)p;

	return f->real->pMethods->xSectorSize(f->real);
}

static int
wb_device_characteristics(sqlite3_file *p)
{
	struct wb_file *f = (struct wb_file *)p;

	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int
wb_shm_map(sqlite3_file *p, int pg, int pgsz, int extend,
    void volatile **pp)
{
	struct wb_file *f = (struct wb_file *)p;

	return f->real->pMethods->xShmMap(f->real, pg, pgsz, extend, pp);
}

static int
wb_shm_lock(sqlite3_file *p, int offset, int n, int flags)
{
	struct wb_file *f = (struct wb_file *)p;

	return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void
wb_shm_barrier(sqlite3_file *p)
{
	struct wb_file *f = (struct wb_file *)p;

	f->real->pMethods->xShmBarrier(f->real);
}

static int
wb_shm_unmap(sqlite3_file *p, int delete_flag)
{
	struct wb_file *f = (struct wb_file *)p;

	return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}

static int
wb_fetch(sqlite3_file *p, sqlite3_int64 off, int amt, void **pp)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc = flush(f);

	if (rc != SQLITE_OK)
		return rc;
	return f->real->pMethods->xFetch(f->real, off, amt, pp);
}

static int
wb_unfetch(sqlite3_file *p, sqlite3_int64 off, void *page)
{
	struct wb_file *f = (struct wb_file *)p;

	return f->real->pMethods->xUnfetch(f->real, off, page);
}

/* One table of methods a version of the default VFS's methods. */
static sqlite3_io_methods wb_methods[4];

static int
wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags,
    int *out_flags)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc, v;

	(void)vfs;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)(f + 1);
	rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
	if (rc != SQLITE_OK || f->real->pMethods == NULL) {
		if (f->real->pMethods != NULL)
			f->real->pMethods->xClose(f->real);
		f->base.pMethods = NULL;
		return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
	}
	f->wal = (flags & SQLITE_OPEN_WAL) != 0;
	if ((flags & SQLITE_OPEN_MAIN_DB) &&
	    !(f->real->pMethods->xDeviceCharacteristics(f->real) &
	    SQLITE_IOCAP_POWERSAFE_OVERWRITE))
		__atomic_store_n(&no_psow, 1, __ATOMIC_RELAXED);
	v = f->real->pMethods->iVersion;
	f->base.pMethods = &wb_methods[v < 1 ? 1 : v > 3 ? 3 : v];
	return SQLITE_OK;
}

static int
wb_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int
wb_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int
wb_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *
wb_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void
wb_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, msg);
}

static void (*wb_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void
wb_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, h);
}

static int
wb_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int
wb_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int
wb_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int
wb_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static int
wb_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs wb_vfs;
static pthread_once_t wb_once = PTHREAD_ONCE_INIT;
static int wb_rc = SQLITE_ERROR;

static void
wb_register(void)
{
	int v;

	if ((real_vfs = sqlite3_vfs_find(NULL)) == NULL ||
	    real_vfs->iVersion < 2 || real_vfs->xCurrentTimeInt64 == NULL)
		return;
	for (v = 1; v <= 3; v++) {
		sqlite3_io_methods *m = &wb_methods[v];

		m->iVersion = v;
		m->xClose = wb_close;
		m->xRead = wb_read;
		m->xWrite = wb_write;
		m->xTruncate = wb_truncate;
		m->xSync = wb_sync;
		m->xFileSize = wb_file_size;
		m->xLock = wb_lock;
		m->xUnlock = wb_unlock;
		m->xCheckReservedLock = wb_check_reserved;
		m->xFileControl = wb_file_control;
		m->xSectorSize = wb_sector_size;
		m->xDeviceCharacteristics = wb_device_characteristics;
		if (v >= 2) {
			m->xShmMap = wb_shm_map;
			m->xShmLock = wb_shm_lock;
			m->xShmBarrier = wb_shm_barrier;
			m->xShmUnmap = wb_shm_unmap;
		}
		if (v >= 3) {
			m->xFetch = wb_fetch;
			m->xUnfetch = wb_unfetch;
		}
	}
	wb_vfs.iVersion = 2;
	wb_vfs.szOsFile = (int)sizeof(struct wb_file) + real_vfs->szOsFile;
	wb_vfs.mxPathname = real_vfs->mxPathname;
	wb_vfs.zName = MD_WALBUF_VFS;
	wb_vfs.xOpen = wb_open;
	wb_vfs.xDelete = wb_delete;
	wb_vfs.xAccess = wb_access;
	wb_vfs.xFullPathname = wb_full_pathname;
	wb_vfs.xDlOpen = wb_dlopen;
	wb_vfs.xDlError = wb_dlerror;
	wb_vfs.xDlSym = wb_dlsym;
	wb_vfs.xDlClose = wb_dlclose;
	wb_vfs.xRandomness = wb_randomness;
	wb_vfs.xSleep = wb_sleep;
	wb_vfs.xCurrentTime = wb_current_time;
	wb_vfs.xGetLastError = wb_last_error;
	wb_vfs.xCurrentTimeInt64 = wb_current_time64;
	wb_rc = sqlite3_vfs_register(&wb_vfs, 0);
}

const char *
md_walbuf_vfs(void)
{
	pthread_once(&wb_once, wb_register);
	return wb_rc == SQLITE_OK ? MD_WALBUF_VFS : NULL;
}
