/*
 * outbox.c - delivering the outbox: webhooks and platform callbacks.
 *
 * The dispatcher lives on the event loop and never touches the disk: it
 * asks the store's writer thread to claim due rows (claiming moves a
 * row's next attempt past a lease and counts the attempt, so a row is
 * never sent twice at once, and a daemon killed mid-send sends it again
 * once the lease is over), POSTs each with libcurl through curlev, and
 * asks the writer to record the outcome.  It sleeps until the earliest
 * next attempt the store reported, at most the poll interval, or until
 * md_outbox_kick says a commit queued something.
 *
 * Address safety: the host of a callback URL must be one the platform's
 * configuration allows; and the address actually connected to, after DNS
 * resolution, is checked in curl's open-socket callback (and again in
 * its pre-request callback, for a connection curl reuses), so a name
 * that resolves (or re-resolves) to a private or loopback address is
 * refused unless the receiver's configuration allows private addresses.
 * No proxy, no redirects, only http and https.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "curlev.h"
#include "outbox.h"
#include "server.h"
#include "sha256.h"

/* --- URLs, hosts and addresses ----------------------------------------- */

int
md_outbox_url_check(const char *url, char **host, struct md_error *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL, *user = NULL, *p;
	CURLUcode uc;
	int rc = -1;

	if (u == NULL)
		md_fatal("out of memory");
	if ((uc = curl_url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK) {
		md_error_set(err, "not a URL (%s)", curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		md_error_set(err, "must be an http:// or https:// URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		md_error_set(err, "must not carry a user name or password");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || *h == '\0') {
		md_error_set(err, "has no host");
		goto out;
	}
	if (host != NULL) {
		size_t n = strlen(h);

		if (h[0] == '[' && n > 2 && h[n - 1] == ']')
			*host = md_xstrndup(h + 1, n - 2);
		else
			*host = md_xstrdup(h);
		for (p = *host; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(h);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

int
md_outbox_host_allowed(const struct md_platform_conf *p, const char *host)
{
	size_t i, hl = strlen(host);

	for (i = 0; i < p->nhosts; i++) {
		const char *a = p->hosts[i];
		size_t al = strlen(a);

		if (a[0] == '[' && al > 2 && a[al - 1] == ']') {
			/* "[::1]" names the address "::1". */
			if (al - 2 == hl && strncasecmp(a + 1, host, hl) == 0)
				return 1;
			continue;
		}
		if (strncmp(a, "*.", 2) == 0) {
			/* A subdomain, not the name itself. */
			if (hl > al - 1 && strcasecmp(host + hl - (al - 1),
			    a + 1) == 0)
				return 1;
			continue;
		}
		if (strcasecmp(a, host) == 0)
			return 1;
	}
	return 0;
}

static const char *
v4_special(const unsigned char a[4])
{
	static const struct {
		unsigned char net[4];
		int bits;
		const char *name;
	} ranges[] = {
		{ { 0, 0, 0, 0 }, 8, "\"this network\" 0.0.0.0/8" },
		{ { 10, 0, 0, 0 }, 8, "private 10.0.0.0/8" },
		{ { 100, 64, 0, 0 }, 10, "shared (carrier NAT) 100.64.0.0/10" },
		{ { 127, 0, 0, 0 }, 8, "loopback 127.0.0.0/8" },
		{ { 169, 254, 0, 0 }, 16, "link-local 169.254.0.0/16" },
		{ { 172, 16, 0, 0 }, 12, "private 172.16.0.0/12" },
		{ { 192, 0, 0, 0 }, 24, "IETF protocol assignments 192.0.0.0/24" },
		{ { 192, 0, 2, 0 }, 24, "documentation 192.0.2.0/24" },
		{ { 192, 88, 99, 0 }, 24, "6to4 relay anycast 192.88.99.0/24" },
		{ { 192, 168, 0, 0 }, 16, "private 192.168.0.0/16" },
		{ { 198, 18, 0, 0 }, 15, "benchmarking 198.18.0.0/15" },
		{ { 198, 51, 100, 0 }, 24, "documentation 198.51.100.0/24" },
		{ { 203, 0, 113, 0 }, 24, "documentation 203.0.113.0/24" },
		{ { 224, 0, 0, 0 }, 4, "multicast 224.0.0.0/4" },
		{ { 240, 0, 0, 0 }, 4, "reserved 240.0.0.0/4" },
	};
	uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	    (uint32_t)a[2] << 8 | a[3];
	size_t i;

	for (i = 0; i < MD_NELEM(ranges); i++) {
		const unsigned char *n = ranges[i].net;
		uint32_t net = (uint32_t)n[0] << 24 | (uint32_t)n[1] << 16 |
		    (uint32_t)n[2] << 8 | n[3];
		uint32_t mask = 0xffffffffu << (32 - ranges[i].bits);

		if ((x & mask) == net)
			return ranges[i].name;
	}
	return NULL;
}

static int
prefix_is(const unsigned char *a, const unsigned char *p, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, p, (size_t)whole) != 0)
		return 0;
	return rest == 0 || ((a[whole] ^ p[whole]) &
	    (0xff << (8 - rest))) == 0;
}

static const char *
v6_special(const unsigned char a[16])
{
	static const unsigned char zero[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const struct {
		unsigned char net[16];
		int bits;
		const char *name;
	} ranges[] = {
		{ { 0, 0x64, 0xff, 0x9b, 0, 1 }, 48, "local NAT64 64:ff9b:1::/48" },
		{ { 0x01, 0 }, 64, "discard 100::/64" },
		{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, "documentation 2001:db8::/32" },
		{ { 0x20, 0x01, 0, 0 }, 23, "IETF protocol assignments 2001::/23" },
		{ { 0xfc }, 7, "unique local fc00::/7" },
		{ { 0xfe, 0x80 }, 10, "link-local fe80::/10" },
		{ { 0xfe, 0xc0 }, 10, "site-local fec0::/10" },
		{ { 0xff }, 8, "multicast ff00::/8" },
	};
	const char *why;
	size_t i;

	if (memcmp(a, zero, 15) == 0 && a[15] == 1)
		return "loopback ::1";
	if (memcmp(a, zero, 16) == 0)
		return "unspecified ::";
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return v4_special(a + 12) ? v4_special(a + 12) : NULL;
	if (memcmp(a, zero, 12) == 0)
		return "IPv4-compatible ::/96";
	if (a[0] == 0x20 && a[1] == 0x02 && (why = v4_special(a + 2)) != NULL)
		return why;	/* 6to4 carrying a special IPv4 address */
	for (i = 0; i < MD_NELEM(ranges); i++)
		if (prefix_is(a, ranges[i].net, ranges[i].bits))
			return ranges[i].name;
	return NULL;
}

const char *
md_addr_special(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		return v4_special((const unsigned char *)&s4->sin_addr);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)sa;

		return v6_special(s6->sin6_addr.s6_addr);
	}
	return "not an internet address";
}

const char *
md_addr_special_text(const char *s)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, s, a) == 1)
		return v4_special(a);
	if (inet_pton(AF_INET6, s, a) == 1)
		return v6_special(a);
	return NULL;
}

/* --- signatures, backoff, ids, routing ---------------------------------- */

void
md_outbox_sign(const char *secret, const char *timestamp, const char *body,
    size_t len, char out[MD_OUTBOX_SIGLEN])
{
	struct md_buf b = { 0 };
	unsigned char mac[32];

	md_buf_adds(&b, timestamp);
	md_buf_add(&b, ".", 1);
	md_buf_add(&b, body, len);
	md_hmac_sha256(secret, strlen(secret), b.data, b.len, mac);
	md_buf_free(&b);
	memcpy(out, "sha256=", 7);
	md_hex(mac, sizeof mac, out + 7);
}

long
md_outbox_backoff(const struct md_outbox_conf *o, int attempts, double r)
{
	double d = (double)o->retry_first;
	int i;

	for (i = 1; i < attempts && d < (double)o->retry_max; i++)
		d *= 2;
	if (d > (double)o->retry_max)
		d = (double)o->retry_max;
	if (r < 0 || r >= 1)
		r = 0;
	d -= d * r / 2;
	return d < 1 ? 1 : (long)d;
}

void
md_outbox_message_id(char out[37])
{
	unsigned char r[16];
	char hex[33];
	size_t got = 0;

	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			md_fatal("getrandom: %s", strerror(errno));
		got += (size_t)n;
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);	/* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	md_hex(r, sizeof r, hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
	    hex + 16, hex + 20);
}

int
md_outbox_webhook_wants(const struct md_webhook_conf *w,
    const char *category, int severity, const char *region)
{
	size_t i;
	int ok;

	if (severity < w->min_severity)
		return 0;
	if (w->ncategories > 0) {
		for (ok = 0, i = 0; i < w->ncategories && !ok; i++)
			ok = strcmp(w->categories[i], category) == 0;
		if (!ok)
			return 0;
	}
	if (w->nregions > 0) {
		if (region == NULL)
			return 0;
		for (ok = 0, i = 0; i < w->nregions && !ok; i++)
			ok = strncmp(w->regions[i], region,
			    strlen(w->regions[i])) == 0;
		if (!ok)
			return 0;
	}
	return 1;
}

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *
md_outbox_webhook_body(const struct md_submission *s, size_t i,
    const char *message_id, const char *receiver, const char *now)
{
	json_t *f = md_sub_finding_json(&s->findings[i]), *flag, *region, *v;
	const char *key;

	/* The finding as GET /v1/flags/{id} shows it, less the submission. */
	flag = json_object();
	json_object_foreach(f, key, v) {
		if (strcmp(key, "flag_id") == 0)
			json_object_set(flag, "id", v);
		else if (strcmp(key, "flag_status") == 0)
			json_object_set(flag, "status", v);
		else
			json_object_set(flag, key, v);
	}
	json_decref(f);
	region = s->region_code || s->region_name ? json_pack("{s:o, s:o}",
	    "code", str_or_null(s->region_code), "name",
	    str_or_null(s->region_name)) : json_null();
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:I, s:s, s:s, s:s, "
	    "s:o, s:o, s:s, s:s}}",
	    "type", "flag.created",
	    "message_id", message_id,
	    "created_at", now,
	    "webhook", receiver,
	    "flag", flag,
	    "submission",
	    "id", (json_int_t)s->id,
	    "platform", s->platform,
	    "external_id", s->external_id,
	    "kind", s->kind,
	    "title", str_or_null(s->title),
	    "region", region,
	    "date", s->date,
	    "received_at", s->received_at);
}

json_t *
md_outbox_callback_body(json_t *flag, const char *public_note,
    const char *message_id, const char *now)
{
	json_t *sub = json_object_get(flag, "submission");
	json_t *hist = json_object_get(flag, "history");
	json_t *last = json_array_get(hist, json_array_size(hist) - 1);
	json_t *m = json_object_get(flag, "measure");

	return json_pack("{s:s, s:s, s:s, s:O, s:O, s:O, s:{s:O, s:O, s:O, "
	    "s:O, s:O, s:O, s:{s:O, s:O, s:O}}, s:o, s:O}",
	    "type", "flag.status_changed",
	    "message_id", message_id,
	    "created_at", now,
	    "platform", json_object_get(sub, "platform"),
	    "external_id", json_object_get(sub, "external_id"),
	    "submission_id", json_object_get(sub, "id"),
	    "flag",
	    "id", json_object_get(flag, "id"),
	    "status", json_object_get(flag, "status"),
	    "previous_status", json_object_get(last, "from"),
	    "action", json_object_get(last, "action"),
	    "category", json_object_get(flag, "category"),
	    "severity", json_object_get(flag, "severity"),
	    "measure",
	    "version", json_object_get(m, "version"),
	    "item", json_object_get(m, "item"),
	    "number", json_object_get(m, "number"),
	    "public_note", str_or_null(public_note),
	    "at", json_object_get(last, "at"));
}

/* --- the dispatcher ------------------------------------------------------ */

/* The longest response body read from a receiver; the rest is ignored. */
#define MAX_REPLY 4096

struct delivery {
	struct md_outbox *ob;
	int64_t id;
	char *kind;
	char *url;
	char *receiver;
	char *body;
	char *message_id;
	int attempts;
	int64_t created_ms;
	int allow_private;
	char refused[160];	/* why the address was refused */
	char error[CURL_ERROR_SIZE + 64];
	char errbuf[CURL_ERROR_SIZE];
	size_t reply;
	struct curl_slist *headers;
	int outcome;
	int64_t next_ms;
	struct md_job job;
};

struct md_outbox {
	struct md_server *srv;
	struct md_curlev *cm;
	struct event *timer;
	struct md_job claim;
	/* What the claim job reads on the writer thread: set before it is
	 * queued, so the thread never touches the runtime. */
	int claim_limit;
	int64_t claim_now, claim_lease;
	int claiming;
	int again;		/* look again when the claim returns */
	int stopped;
	struct md_outbox_stats st;
};

static double
random_unit(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint32_t)md_wall_ms() * 2654435761u;
	return (double)r / 4294967296.0;
}

static void
schedule(struct md_outbox *ob, long ms)
{
	struct timeval tv;

	if (ob->stopped)
		return;
	if (ms < 0)
		ms = 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ob->timer, &tv);
}

static void
delivery_free(struct delivery *d)
{
	free(d->kind);
	free(d->url);
	free(d->receiver);
	free(d->body);
	free(d->message_id);
	curl_slist_free_all(d->headers);
	json_decref(d->job.out);
	free(d);
}

static void claim(struct md_outbox *ob);

static int
job_done(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct delivery *d = j->arg;

	return b->outbox_done(c, d->id, d->outcome, d->outcome ==
	    MD_OUTBOX_DELIVERED ? NULL : d->error, d->next_ms, &j->err);
}

static void
done_recorded(struct md_job *j)
{
	struct delivery *d = j->arg;
	struct md_outbox *ob = d->ob;

	if (j->rc < 0)
		md_log(3, "outbox: cannot record message %s: %s (it will be "
		    "sent again)", d->message_id, j->err.msg);
	else if (d->outcome != MD_OUTBOX_RETRY && ob->st.queued > 0)
		ob->st.queued--;	/* settled */
	ob->st.in_flight--;
	delivery_free(d);
	/* A slot is free: more may be waiting. */
	if (!ob->stopped && ob->st.queued > ob->st.in_flight)
		claim(ob);
}

/* Decides what becomes of d after an attempt and records it. */
static void
record(struct delivery *d, int delivered)
{
	struct md_outbox *ob = d->ob;
	const struct md_outbox_conf *o = &ob->srv->rt->conf.outbox;
	int64_t now = md_wall_ms(), deadline = d->created_ms + o->max_age;

	ob->st.sent++;
	if (delivered) {
		d->outcome = MD_OUTBOX_DELIVERED;
		ob->st.delivered++;
		md_log(6, "outbox: %s %s to %s delivered (attempt %d)",
		    d->kind, d->message_id, d->receiver, d->attempts);
	} else if (now >= deadline) {
		d->outcome = MD_OUTBOX_DEAD;
		ob->st.dead++;
		md_log(4, "outbox: %s %s to %s is dead after %d attempts: %s",
		    d->kind, d->message_id, d->receiver, d->attempts,
		    d->error);
	} else {
		d->outcome = MD_OUTBOX_RETRY;
		d->next_ms = now + md_outbox_backoff(o, d->attempts,
		    random_unit());
		/* The last try comes at the maximum age, not after it. */
		if (d->next_ms > deadline)
			d->next_ms = deadline;
		ob->st.retried++;
		md_log(5, "outbox: %s %s to %s failed (attempt %d): %s; again "
		    "in %" PRId64 "ms", d->kind, d->message_id, d->receiver,
		    d->attempts, d->error, d->next_ms - now);
	}
	d->job.run = job_done;
	d->job.done = done_recorded;
	d->job.arg = d;
	md_store_write(ob->srv->store, &d->job);
}

static void
on_transfer(CURL *easy, CURLcode rc, void *arg)
{
	struct delivery *d = arg;
	long status = 0;

	if (rc == CURLE_ABORTED_BY_CALLBACK && d->ob->stopped &&
	    d->refused[0] == '\0') {
		/* Shutting down: the claim's lease brings it back. */
		d->ob->st.in_flight--;
		delivery_free(d);
		return;
	}
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && status >= 200 && status < 300) {
		record(d, 1);
		return;
	}
	if (d->refused[0] != '\0') {
		d->ob->st.refused++;
		snprintf(d->error, sizeof d->error, "%s", d->refused);
	} else if (rc != CURLE_OK) {
		snprintf(d->error, sizeof d->error, "%s%s%s",
		    curl_easy_strerror(rc), d->errbuf[0] ? ": " : "",
		    d->errbuf);
	} else {
		snprintf(d->error, sizeof d->error, "HTTP %ld", status);
	}
	record(d, 0);
}

/* Refuses a connection to an address the receiver may not reach. */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct delivery *d = arg;
	const char *why;

	if (purpose == CURLSOCKTYPE_IPCXN && !d->allow_private &&
	    (why = md_addr_special(&a->addr)) != NULL) {
		char addr[INET6_ADDRSTRLEN] = "?";

		if (a->family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)
			    &a->addr)->sin_addr, addr, sizeof addr);
		else if (a->family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)
			    &a->addr)->sin6_addr, addr, sizeof addr);
		snprintf(d->refused, sizeof d->refused, "refused to connect "
		    "to %s: %s (allow-private is off)", addr, why);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

#if LIBCURL_VERSION_NUM >= 0x075000
/*
 * The same check once the connection is made, new or reused: a
 * connection curl keeps open for one receiver is never handed to another
 * that may not reach its address.
 */
static int
prereq(void *arg, char *primary_ip, char *local_ip, int primary_port,
    int local_port)
{
	struct delivery *d = arg;
	const char *why;

	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	if (!d->allow_private &&
	    (why = md_addr_special_text(primary_ip)) != NULL) {
		snprintf(d->refused, sizeof d->refused, "refused to send to "
		    "%s: %s (allow-private is off)", primary_ip, why);
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}
#endif

static size_t
discard_reply(char *p, size_t size, size_t n, void *arg)
{
	struct delivery *d = arg;

	(void)p;
	d->reply += size * n;
	/* A receiver that talks on and on is cut off (a failure). */
	return d->reply > MAX_REPLY * 256 ? 0 : size * n;
}

/* The receiver's secret and address policy, or an error in d. */
static const char *
receiver_secret(struct delivery *d)
{
	const struct md_conf *conf = &d->ob->srv->rt->conf;
	char *host = NULL;

	if (strcmp(d->kind, "webhook") == 0) {
		const struct md_webhook_conf *w = md_conf_webhook(conf,
		    d->receiver);

		if (w == NULL) {
			snprintf(d->error, sizeof d->error, "no webhook \"%s\" "
			    "is configured", d->receiver);
			return NULL;
		}
		d->allow_private = w->allow_private;
		return w->secret;
	} else {
		const struct md_platform_conf *p = md_conf_platform(conf,
		    d->receiver);
		struct md_error err = { 0 };

		if (p == NULL) {
			snprintf(d->error, sizeof d->error, "platform \"%s\" has "
			    "no callback configuration", d->receiver);
			return NULL;
		}
		/* The configuration may have changed since submission. */
		if (md_outbox_url_check(d->url, &host, &err) != 0 ||
		    !md_outbox_host_allowed(p, host)) {
			snprintf(d->error, sizeof d->error, "callback host %s "
			    "is not allowed for platform \"%s\"", host ? host :
			    "(none)", d->receiver);
			free(host);
			return NULL;
		}
		free(host);
		d->allow_private = p->allow_private;
		return p->secret;
	}
}

static void
send_one(struct md_outbox *ob, json_t *row)
{
	struct delivery *d = md_xcalloc(1, sizeof *d);
	const struct md_outbox_conf *o = &ob->srv->rt->conf.outbox;
	char ts[32], sig[MD_OUTBOX_SIGLEN], line[160];
	const char *secret;
	CURL *easy;

	d->ob = ob;
	d->id = json_integer_value(json_object_get(row, "id"));
	d->kind = md_xstrdup(json_string_value(json_object_get(row, "kind")));
	d->url = md_xstrdup(json_string_value(json_object_get(row, "url")));
	d->receiver = md_xstrdup(json_string_value(json_object_get(row,
	    "receiver")));
	d->body = md_xstrdup(json_string_value(json_object_get(row, "body")));
	d->message_id = md_xstrdup(json_string_value(json_object_get(row,
	    "message_id")));
	d->attempts = (int)json_integer_value(json_object_get(row,
	    "attempts"));
	d->created_ms = json_integer_value(json_object_get(row,
	    "created_ms"));
	ob->st.in_flight++;

	if ((secret = receiver_secret(d)) == NULL) {
		record(d, 0);
		return;
	}
	if ((easy = curl_easy_init()) == NULL)
		md_fatal("curl_easy_init failed");
	snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
	md_outbox_sign(secret, ts, d->body, strlen(d->body), sig);
	d->headers = curl_slist_append(d->headers,
	    "Content-Type: application/json");
	snprintf(line, sizeof line, "X-Measured-Message-Id: %s",
	    d->message_id);
	d->headers = curl_slist_append(d->headers, line);
	snprintf(line, sizeof line, "X-Measured-Timestamp: %s", ts);
	d->headers = curl_slist_append(d->headers, line);
	snprintf(line, sizeof line, "X-Measured-Signature: %s", sig);
	d->headers = curl_slist_append(d->headers, line);
	snprintf(line, sizeof line, "X-Measured-Event: %s",
	    strcmp(d->kind, "webhook") == 0 ? "flag.created" :
	    "flag.status_changed");
	d->headers = curl_slist_append(d->headers, line);
	d->headers = curl_slist_append(d->headers, "Expect:");

	md_curlev_defaults(easy, o->timeout, 0);
	curl_easy_setopt(easy, CURLOPT_URL, d->url);
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	/* The address connected to is the receiver's, never a proxy's. */
	curl_easy_setopt(easy, CURLOPT_PROXY, "");
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, d);
#if LIBCURL_VERSION_NUM >= 0x075000
	curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, prereq);
	curl_easy_setopt(easy, CURLOPT_PREREQDATA, d);
#endif
	curl_easy_setopt(easy, CURLOPT_POST, 1L);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, d->body);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(d->body));
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, d->headers);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard_reply);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, d);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, d->errbuf);
	if (md_curlev_add(ob->cm, easy, on_transfer, d) != 0) {
		snprintf(d->error, sizeof d->error, "cannot start the transfer");
		record(d, 0);
	}
}

static int
job_claim(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct md_outbox *ob = j->arg;

	return b->outbox_claim(c, ob->claim_now, ob->claim_limit,
	    ob->claim_lease, &j->out, &j->err);
}

static void
done_claim(struct md_job *j)
{
	struct md_outbox *ob = j->arg;
	const struct md_outbox_conf *o = &ob->srv->rt->conf.outbox;
	json_t *out = j->out, *row, *next;
	size_t i;
	long wait = o->poll;

	j->out = NULL;
	ob->claiming = 0;
	if (j->rc < 0) {
		md_log(3, "outbox: cannot read due messages: %s", j->err.msg);
		json_decref(out);
		schedule(ob, wait);
		return;
	}
	ob->st.queued = (uint64_t)json_integer_value(json_object_get(out,
	    "pending"));
	if (!ob->stopped)
		json_array_foreach(json_object_get(out, "messages"), i, row)
			send_one(ob, row);
	next = json_object_get(out, "next_at");
	if (json_is_integer(next)) {
		int64_t in = json_integer_value(next) - md_wall_ms();

		if (in < wait)
			wait = in < 0 ? 0 : (long)in;
	}
	json_decref(out);
	if (ob->again) {
		ob->again = 0;
		wait = 0;
	}
	schedule(ob, wait);
}

static void
claim(struct md_outbox *ob)
{
	const struct md_outbox_conf *o = &ob->srv->rt->conf.outbox;
	int room = o->parallel - (int)ob->st.in_flight;

	if (ob->stopped)
		return;
	if (ob->claiming) {
		ob->again = 1;
		return;
	}
	if (room <= 0)
		return;		/* a finished delivery claims again */
	evtimer_del(ob->timer);
	ob->claiming = 1;
	ob->claim.run = job_claim;
	ob->claim.done = done_claim;
	ob->claim.arg = ob;
	/*
	 * A claimed row is not due again before its lease is over: longer
	 * than an attempt may take, so only a daemon that died mid-send
	 * sees it come back.
	 */
	ob->claim_limit = room;
	ob->claim_now = md_wall_ms();
	ob->claim_lease = ob->claim_now + 2 * o->timeout + 5000;
	md_store_write(ob->srv->store, &ob->claim);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	claim(arg);
}

struct md_outbox *
md_outbox_new(struct md_server *srv, struct md_error *err)
{
	struct md_outbox *ob = md_xcalloc(1, sizeof *ob);

	ob->srv = srv;
	if ((ob->cm = md_curlev_new(srv->base, err)) == NULL) {
		free(ob);
		return NULL;
	}
	ob->timer = evtimer_new(srv->base, on_timer, ob);
	/* Whatever a previous run left undelivered. */
	schedule(ob, 0);
	return ob;
}

void
md_outbox_kick(struct md_outbox *ob)
{
	if (ob != NULL)
		claim(ob);
}

void
md_outbox_stop(struct md_outbox *ob)
{
	if (ob == NULL || ob->stopped)
		return;
	ob->stopped = 1;
	evtimer_del(ob->timer);
	md_curlev_free(ob->cm);
	ob->cm = NULL;
}

void
md_outbox_stats(const struct md_outbox *ob, struct md_outbox_stats *st)
{
	if (ob == NULL)
		memset(st, 0, sizeof *st);
	else
		*st = ob->st;
}

void
md_outbox_free(struct md_outbox *ob)
{
	if (ob == NULL)
		return;
	md_outbox_stop(ob);
	event_free(ob->timer);
	free(ob);
}
