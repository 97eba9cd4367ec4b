#ifndef MD_WALBUF_H
#define MD_WALBUF_H

#define MD_WALBUF_VFS "md-walbuf"

/*
 * Registers (once) the VFS that gathers a commit's writes to the WAL
 * into one, and returns its name for sqlite3_open_v2, or NULL if the
 * default VFS cannot be wrapped (then open with the default).  Only for
 * a connection whose commits sync the WAL (synchronous=FULL): see
 * walbuf.c.
 */
const char *md_walbuf_vfs(void);

#endif
