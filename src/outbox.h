/*
 * outbox.h - messages the daemon must send: work-group webhooks for new
 * flags and platform callbacks for flags that changed state.
 *
 * Every message is first a row in the store, written in the same
 * transaction as the event that causes it (store_sqlite.c); the
 * dispatcher (outbox.c) then claims due rows through the store's writer
 * thread, POSTs them with libcurl on the event loop (curlev.c), and
 * records the outcome: delivered, retried later with exponential backoff
 * and jitter, or dead after the maximum age.  Delivery is at least once;
 * a message sent again (a crash between sending and recording) carries
 * the same message id, so a receiver that de-duplicates on it sees each
 * message once.
 *
 * The first half of this header is pure functions (tested in
 * tests/unit/test_outbox.c): URL and host checks, the address classifier
 * that refuses private and loopback addresses, signatures, backoff and
 * message bodies.
 */
#ifndef MD_OUTBOX_H
#define MD_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf.h"
#include "store.h"
#include "util.h"

struct sockaddr;
struct md_server;

/*
 * Checks that url is an absolute http:// or https:// URL with a host and
 * no user:password.  0, with *host (when host is not NULL) the host in
 * lower case without IPv6 brackets, malloc'd; or -1 with err.
 */
int md_outbox_url_check(const char *url, char **host, struct md_error *err);

/* 1 when host (as md_outbox_url_check gives it) is one of p's callback
 * hosts: the same name, or a subdomain of a "*.name" entry. */
int md_outbox_host_allowed(const struct md_platform_conf *p,
    const char *host);

/*
 * What is special about an address: NULL for an ordinary public unicast
 * address, else the name of its range ("loopback 127.0.0.0/8", "private
 * 10.0.0.0/8", "link-local fe80::/10", ...).  IPv4 inside IPv6 (mapped,
 * compatible, NAT64, 6to4) is judged by the IPv4 address it carries.
 */
const char *md_addr_special(const struct sockaddr *sa);
/* The same for a literal address in text; NULL also when s is a name. */
const char *md_addr_special_text(const char *s);

/*
 * The signature header's value, "sha256=" and 64 hex digits: HMAC-SHA256
 * under secret of timestamp, ".", and the body.  Covering the timestamp
 * lets a receiver refuse a replayed message.
 */
#define MD_OUTBOX_SIGLEN 72
void md_outbox_sign(const char *secret, const char *timestamp,
    const char *body, size_t len, char out[MD_OUTBOX_SIGLEN]);

/*
 * The delay before attempt attempts+1 after attempts failed ones: the
 * first delay doubled each time up to the maximum, then a random part
 * of it taken off (r in [0, 1) takes off up to a half) so that many
 * messages failing at once do not come back at once.
 */
long md_outbox_backoff(const struct md_outbox_conf *o, int attempts,
    double r);

/* A fresh message id: a random UUID (version 4). */
void md_outbox_message_id(char out[37]);

/* 1 when webhook w wants a new flag of this category, severity and
 * region code (region may be NULL). */
int md_outbox_webhook_wants(const struct md_webhook_conf *w,
    const char *category, int severity, const char *region);

/*
 * Message bodies (the caller owns the result).  The webhook's: finding i
 * of the stored submission s.  The callback's: from the flag as the API
 * shows it (GET /v1/flags/{id}, with its history) just after a review.
 */
json_t *md_outbox_webhook_body(const struct md_submission *s, size_t i,
    const char *message_id, const char *receiver, const char *now);
json_t *md_outbox_callback_body(json_t *flag, const char *public_note,
    const char *message_id, const char *now);

/* --- the dispatcher (event loop) --- */

struct md_outbox_stats {
	uint64_t queued;	/* undelivered rows at the last look */
	uint64_t sent;		/* attempts made by this process */
	uint64_t delivered;
	uint64_t retried;	/* attempts that failed and will be retried */
	uint64_t dead;
	uint64_t refused;	/* attempts refused for their address */
	size_t in_flight;
};

struct md_outbox;

/* Starts delivering what is due in srv's store. */
struct md_outbox *md_outbox_new(struct md_server *srv, struct md_error *err);
/* Something new may be due: look soon. */
void md_outbox_kick(struct md_outbox *ob);
/* Stops looking and cancels transfers in flight (they are sent again,
 * with the same message id, after a restart). */
void md_outbox_stop(struct md_outbox *ob);
void md_outbox_stats(const struct md_outbox *ob, struct md_outbox_stats *st);
/* After the store has closed (its jobs' callbacks reach ob). */
void md_outbox_free(struct md_outbox *ob);

#endif /* MD_OUTBOX_H */
