/*
 * feed.h - polling the configured notice feeds (RSS, Atom, HTML list
 * pages) with libcurl on the event loop, and taking each new notice
 * through the one submission path (intake.h).  See feed.c.
 */
#ifndef MD_FEED_H
#define MD_FEED_H

#include "util.h"

struct md_server;
struct md_conf;
struct md_feeds;

/* The feeds of srv; none run until md_feeds_configure. */
struct md_feeds *md_feeds_new(struct md_server *srv);
/* (Re)starts the feeds of conf: the feeds running now stop (what they
 * have in flight is dropped, unstored, and fetched again) and conf's
 * start from their stored state. */
void md_feeds_configure(struct md_feeds *fs, const struct md_conf *conf);
/* Drain: no new polls or transfers; what is queued in the store
 * finishes. */
void md_feeds_stop(struct md_feeds *fs);
/* After the store has closed (every store job's done has run). */
void md_feeds_free(struct md_feeds *fs);
/* Per-feed metrics, in Prometheus' text format. */
void md_feeds_metrics(struct md_feeds *fs, struct md_buf *b);

#endif /* MD_FEED_H */
