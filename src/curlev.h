/*
 * curlev.h - libcurl's multi interface on the daemon's libevent loop.
 *
 * One struct md_curlev per event loop.  Callers configure an easy handle
 * (md_curlev_defaults first, then their own options), hand it over with
 * md_curlev_add, and are called back on the loop when the transfer ends.
 * Nothing here blocks: sockets and curl's timer are libevent events, and
 * name resolution is curl's own (threaded resolver in Debian's build).
 * Used by the feeds (feed.c) and the outbox.
 */
#ifndef MD_CURLEV_H
#define MD_CURLEV_H

#include <stddef.h>

#include <curl/curl.h>

#include "util.h"

struct event_base;
struct md_curlev;			/* one per event loop */

/*
 * A new glue on base; NULL and err when curl's multi handle cannot be had.
 * curl_global_init is the caller's (the daemon's main does it once).
 */
struct md_curlev *md_curlev_new(struct event_base *base, struct md_error *err);

/* Cancels transfers in flight (their done callbacks run with
 * CURLE_ABORTED_BY_CALLBACK) and frees everything.  NULL is fine. */
void md_curlev_free(struct md_curlev *cm);

/*
 * Called on the event loop when a transfer ends, with curl's result code.
 * The callback may read easy (curl_easy_getinfo) and must not free it:
 * the glue cleans it up after done returns.  It may add new transfers.
 */
typedef void (*md_curlev_done)(CURL *easy, CURLcode rc, void *arg);

/*
 * Takes ownership of easy (an easy handle the caller configured) and
 * starts it.  0, or -1 when curl refuses the handle: then done is not
 * called and easy has been cleaned up all the same.
 */
int md_curlev_add(struct md_curlev *cm, CURL *easy, md_curlev_done done,
    void *arg);

/* Transfers added and not yet done. */
size_t md_curlev_running(const struct md_curlev *cm);

/*
 * Common safe defaults on an easy handle: only http and https (also after
 * redirects), redirects followed up to max_redirs (0: none), a connect
 * timeout and a total timeout of timeout_ms, no signals, a user agent.
 * Callers add their own options after.
 */
void md_curlev_defaults(CURL *easy, long timeout_ms, long max_redirs);

#endif /* MD_CURLEV_H */
