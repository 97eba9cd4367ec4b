/*
 * spool.h - spool folders: files renamed into a configured folder are
 * taken through the one submission path (intake.h), then moved to done/
 * or, with a FILE.err saying why, to failed/.  See spool.c.
 */
#ifndef MD_SPOOL_H
#define MD_SPOOL_H

#include "util.h"

struct md_server;
struct md_conf;
struct md_spools;

struct md_spools *md_spools_new(struct md_server *srv);
/* (Re)starts the spool folders of conf. */
void md_spools_configure(struct md_spools *sp, const struct md_conf *conf);
/* Drain: no new files are taken; what is in the store finishes. */
void md_spools_stop(struct md_spools *sp);
/* After the store has closed. */
void md_spools_free(struct md_spools *sp);
void md_spools_metrics(struct md_spools *sp, struct md_buf *b);

#endif /* MD_SPOOL_H */
