/*
 * feed.c - notice feeds: RSS, Atom and HTML list pages polled with
 * libcurl's multi interface on the event loop (curlev.h).
 *
 * One poll of a feed: fetch the feed (conditionally: If-None-Match and
 * If-Modified-Since from the last 200), decode it to UTF-8 (charset.h),
 * parse it with libxml2 (XML without network, DTD loading or entity
 * expansion; HTML with the HTML parser) and take each item through the
 * one submission path (intake.h) as a notice of the platform "feed:NAME",
 * with the item's URL as external_id.  An HTML list's item links are
 * fetched one at a time and the notice's body, title and date taken from
 * the linked page with the configured XPath expressions.
 *
 * Exactly once: the store keeps (platform, external_id) unique, so a
 * notice seen again, in this process or after a restart, is not stored
 * twice.  When a URL comes back with a different text (a page reused for
 * a new notice), the notice is stored under "URL#sha256:HASH" instead,
 * HASH the first 16 hex digits of the SHA-256 of its text.
 *
 * Nothing is acknowledged before it is committed: the feed's new
 * validators (ETag, Last-Modified) are written only after every item of
 * the poll has been committed; if any item failed, the old validators
 * stay, and the next poll fetches the whole feed again.
 *
 * Errors (transfer, HTTP status, size cap, charset, parse) make the next
 * poll wait interval * 2^(failures-1), capped at an hour (or the interval
 * when that is longer), with full jitter in its upper half.  The state
 * (validators, failures, next poll, last error) is in the store, so a
 * restart keeps the backoff and the conditional requests.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xpath.h>

#include "charset.h"
#include "curlev.h"
#include "feed.h"
#include "intake.h"
#include "outbox.h"
#include "server.h"
#include "sha256.h"
#include "xml.h"

/* Counters per feed name; they outlive reloads. */
struct feed_stats {
	char *name;
	uint64_t polls, errors, not_modified, items, item_errors;
	int failures;
	double next_poll, last_success;
};

struct feed {
	struct md_feeds *fs;
	struct md_feed_conf c;
	char *platform;		/* "feed:NAME" */
	struct feed_stats *st;
	struct md_feed_state state;
	struct event *timer;
	struct poll *poll;	/* the one in progress, or NULL */
	int refs;
	int dead;		/* replaced by a reload, or stopping */
	/* Items (keys) and links taken in by this process: not checked
	 * or fetched again while it runs. */
	char **seen;
	size_t nseen;
};

struct md_feeds {
	struct md_server *srv;
	struct feed **feeds;
	size_t nfeeds;
	struct feed_stats **stats;
	size_t nstats;
	int stopping;
};

/* One poll of one feed. */
struct poll {
	struct feed *f;
	int transfers;		/* in flight: 0 or 1 */
	int puts;		/* store writes not done yet */
	int failed;		/* an item could not be fetched or stored */
	int finished;		/* the feed's part is over */
	char *error;		/* why the poll failed, or NULL */
	int fresh;		/* the feed answered 200 (not 304) */
	char *etag, *last_modified;	/* of this 200 */
	char *base;		/* the list page's final URL (html) */
	char **links;		/* html: item pages still to fetch */
	size_t nlinks, next;
};

struct xfer {
	struct poll *p;
	int list;		/* the feed itself, else an item page */
	char *url;
	struct md_buf body;
	size_t cap;
	int too_big;
	char *etag, *last_modified;
	struct curl_slist *headers;
};

struct feed_put {
	struct md_job job;
	struct md_submission sub;
	char *alt_id;		/* the key when the URL holds another text */
	char *seen_key;
	struct poll *p;
};

struct state_put {
	struct md_job job;
	struct md_feed_state st;
	struct feed *f;
};

static void poll_next_page(struct poll *);
static void poll_maybe_free(struct poll *);
static void feed_schedule(struct feed *, double);

/* --- the feed objects -------------------------------------------------- */

static void
feed_unref(struct feed *f)
{
	size_t i;

	if (--f->refs > 0)
		return;
	if (f->timer != NULL)
		event_free(f->timer);
	md_feed_conf_free(&f->c);
	md_feed_state_free(&f->state);
	free(f->platform);
	for (i = 0; i < f->nseen; i++)
		free(f->seen[i]);
	free(f->seen);
	free(f);
}

static int
seen_has(struct feed *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->nseen; i++)
		if (strcmp(f->seen[i], key) == 0)
			return 1;
	return 0;
}

static void
seen_add(struct feed *f, const char *key)
{
	/* Bounded: past 10000, forget the older half (the store still
	 * keeps them from being stored twice). */
	if (f->nseen >= 10000) {
		size_t i, half = f->nseen / 2;

		for (i = 0; i < half; i++)
			free(f->seen[i]);
		memmove(f->seen, f->seen + half, (f->nseen - half) *
		    sizeof *f->seen);
		f->nseen -= half;
	}
	f->seen = md_xreallocarray(f->seen, f->nseen + 1, sizeof *f->seen);
	f->seen[f->nseen++] = md_xstrdup(key);
}

static struct feed_stats *
stats_for(struct md_feeds *fs, const char *name)
{
	struct feed_stats *s;
	size_t i;

	for (i = 0; i < fs->nstats; i++)
		if (strcmp(fs->stats[i]->name, name) == 0)
			return fs->stats[i];
	s = md_xcalloc(1, sizeof *s);
	s->name = md_xstrdup(name);
	fs->stats = md_xreallocarray(fs->stats, fs->nstats + 1,
	    sizeof *fs->stats);
	fs->stats[fs->nstats++] = s;
	return s;
}

/* --- the state --------------------------------------------------------- */

static int
job_state_put(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct state_put *sp = j->arg;

	return b->feed_state_put(c, &sp->st, &j->err);
}

static void
done_state_put(struct md_job *j)
{
	struct state_put *sp = j->arg;

	if (j->rc < 0)
		md_log(3, "feed %s: cannot store its state: %s",
		    sp->f->c.name, j->err.msg);
	md_feed_state_free(&sp->st);
	feed_unref(sp->f);
	free(sp);
}

static char *
dup_or_null(const char *s)
{
	return s ? md_xstrdup(s) : NULL;
}

static void
state_save(struct feed *f)
{
	struct state_put *sp;

	if (f->dead)
		return;
	sp = md_xcalloc(1, sizeof *sp);
	sp->st.name = md_xstrdup(f->c.name);
	sp->st.etag = dup_or_null(f->state.etag);
	sp->st.last_modified = dup_or_null(f->state.last_modified);
	sp->st.last_success = dup_or_null(f->state.last_success);
	sp->st.failures = f->state.failures;
	sp->st.next_poll = f->state.next_poll;
	sp->st.last_error = dup_or_null(f->state.last_error);
	sp->f = f;
	f->refs++;
	sp->job.run = job_state_put;
	sp->job.done = done_state_put;
	sp->job.arg = sp;
	md_store_write(f->fs->srv->store, &sp->job);
}

/* The delay before the next poll after a failure: exponential, capped,
 * with jitter so that feeds failing together do not retry together. */
static double
backoff(const struct feed *f)
{
	double cap = f->c.interval > 3600 ? f->c.interval : 3600;
	double d = f->c.interval * pow(2, f->state.failures - 1);

	if (d > cap)
		d = cap;
	return d / 2 + d / 2 * ((double)random() / (double)RAND_MAX);
}

/* The poll is over for the feed: record it and schedule the next. */
static void
poll_finish(struct poll *p)
{
	struct feed *f = p->f;
	double now = (double)time(NULL), delay;
	char iso[26];

	if (p->finished)
		return;
	p->finished = 1;
	if (!f->dead) {
		f->st->polls++;
		if (p->error != NULL) {
			f->st->errors++;
			f->state.failures++;
			free(f->state.last_error);
			f->state.last_error = md_xstrdup(p->error);
			delay = backoff(f);
			md_log(4, "feed %s: %s (%d in a row; next poll in %.1f s)",
			    f->c.name, p->error, f->state.failures, delay);
		} else {
			f->state.failures = 0;
			free(f->state.last_error);
			f->state.last_error = NULL;
			md_time_iso((time_t)now, iso);
			free(f->state.last_success);
			f->state.last_success = md_xstrdup(iso);
			f->st->last_success = now;
			/* A 200's validators replace the old ones, none
			 * included; a 304 keeps them. */
			if (p->fresh) {
				free(f->state.etag);
				free(f->state.last_modified);
				f->state.etag = p->etag;
				f->state.last_modified = p->last_modified;
				p->etag = p->last_modified = NULL;
			}
			delay = f->c.interval;
		}
		f->state.next_poll = now + delay;
		f->st->failures = f->state.failures;
		f->st->next_poll = f->state.next_poll;
		state_save(f);
		feed_schedule(f, delay);
	}
	f->poll = NULL;
}

/* Fails the poll (the first reason is kept). */
static void
poll_fail(struct poll *p, const char *fmt, ...) MD_PRINTF(2, 3);

static void
poll_fail(struct poll *p, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	if (p->error != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	p->error = md_xstrdup(msg);
}

static void
poll_maybe_free(struct poll *p)
{
	size_t i;

	if (p->transfers > 0 || p->puts > 0)
		return;
	/* Everything of it is done or stored: the feed can record it. */
	if (p->failed && p->error == NULL)
		poll_fail(p, "some items could not be fetched or stored");
	poll_finish(p);
	free(p->error);
	free(p->etag);
	free(p->last_modified);
	free(p->base);
	for (i = 0; i < p->nlinks; i++)
		free(p->links[i]);
	free(p->links);
	feed_unref(p->f);
	free(p);
}

/* --- taking an item in ------------------------------------------------- */

static int
job_feed_put(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct feed_put *fp = j->arg;
	int rc;

	rc = b->submission_put(c, &fp->sub, &j->out, &j->err);
	if (rc != MD_STORE_CONFLICT)
		return rc;
	/* The URL holds another text: a new notice under the same URL. */
	free(fp->sub.external_id);
	fp->sub.external_id = fp->alt_id;
	fp->alt_id = NULL;
	md_error_clear(&j->err);
	rc = b->submission_put(c, &fp->sub, &j->out, &j->err);
	if (rc == MD_STORE_CONFLICT) {
		/* The same text with other metadata (a retitled item):
		 * the notice is stored already. */
		md_error_clear(&j->err);
		rc = MD_STORE_EXISTS;
	}
	return rc;
}

static void
done_feed_put(struct md_job *j)
{
	struct feed_put *fp = j->arg;
	struct poll *p = fp->p;
	struct feed *f = p->f;

	if (j->rc == MD_STORE_CREATED) {
		f->st->items++;
		if (fp->sub.webhooks != NULL)	/* queued with it */
			md_outbox_kick(f->fs->srv->outbox);
		md_log(6, "feed %s: stored %s as submission %lld", f->c.name,
		    fp->sub.external_id, (long long)fp->sub.id);
	}
	if (j->rc == MD_STORE_CREATED || j->rc == MD_STORE_EXISTS)
		seen_add(f, fp->seen_key);
	else {
		md_log(3, "feed %s: %s not stored: %s", f->c.name,
		    fp->sub.source_url, j->err.msg);
		f->st->item_errors++;
		p->failed = 1;
	}
	json_decref(j->out);
	md_submission_free(&fp->sub);
	free(fp->alt_id);
	free(fp->seen_key);
	free(fp);
	p->puts--;
	poll_maybe_free(p);
}

/* Collapses runs of white space to one space and trims: titles and dates
 * come from markup with newlines and indentation. */
static char *
squeeze(const char *s)
{
	char *out = md_xmalloc(strlen(s) + 1), *o = out;
	int space = 0;

	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s) || (unsigned char)*s < ' ') {
			space = o != out;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = 0;
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* s without leading and trailing white space, malloc'd. */
static char *
trim(const char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return md_xstrndup(s, n);
}

/* The text of a block of markup: paragraphs stay lines, the rest is
 * squeezed.  s is UTF-8. */
static void
text_of(xmlNodePtr n, struct md_buf *b)
{
	static const char *const blocks[] = { "p", "div", "br", "li", "tr",
		"h1", "h2", "h3", "h4", "h5", "h6", "table", "section",
		"article" };
	size_t i;

	for (; n != NULL; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			char *t = squeeze((const char *)n->content);

			if (*t != '\0') {
				if (b->len > 0 && b->data[b->len - 1] != '\n')
					md_buf_adds(b, " ");
				md_buf_adds(b, t);
			}
			free(t);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcasecmp((const char *)n->name, "script") == 0 ||
		    strcasecmp((const char *)n->name, "style") == 0)
			continue;
		text_of(n->children, b);
		for (i = 0; i < MD_NELEM(blocks); i++)
			if (strcasecmp((const char *)n->name, blocks[i]) == 0) {
				if (b->len > 0 && b->data[b->len - 1] != '\n')
					md_buf_adds(b, "\n");
				break;
			}
	}
}

/* An HTML fragment (an RSS description) as plain text; malloc'd. */
static char *
html_fragment_text(const char *html)
{
	struct md_buf b = { 0 };
	htmlDocPtr doc;

	doc = htmlReadMemory(html, (int)strlen(html), NULL, "UTF-8",
	    HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_RECOVER | HTML_PARSE_NOIMPLIED);
	if (doc != NULL) {
		text_of(doc->children, &b);
		xmlFreeDoc(doc);
	}
	md_buf_adds(&b, "");
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	return b.data;
}

/*
 * A date in a feed or on a page as RFC 3339 or YYYY-MM-DD: RFC 822
 * (RSS pubDate), RFC 3339 (Atom), "2022-11-20", "2022/11/20" or
 * "2022年11月20日".  out is empty when none is found.
 */
static void
parse_date(const char *s, char out[32])
{
	struct tm tm;
	const char *p;
	char *end;
	int y, m, d, n;

	out[0] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	memset(&tm, 0, sizeof tm);
	/* RFC 822, with a numeric zone or GMT/UT/Z. */
	if ((end = strptime(s, "%a, %d %b %Y %H:%M:%S", &tm)) != NULL ||
	    (end = strptime(s, "%d %b %Y %H:%M:%S", &tm)) != NULL) {
		long off = 0;

		while (*end == ' ')
			end++;
		if ((*end == '+' || *end == '-') && isdigit((unsigned char)end[1])) {
			long z = strtol(end + 1, NULL, 10);

			off = (z / 100) * 60 + z % 100;
			if (*end == '-')
				off = -off;
		} else if (strncmp(end, "CST", 3) == 0)
			off = 8 * 60;	/* what Chinese servers mean by it */
		if (tm.tm_year < 0 || tm.tm_year > 8000 || labs(off) > 24 * 60)
			return;
		snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		    (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
		    tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
		    tm.tm_sec % 100, off < 0 ? '-' : '+',
		    (int)(labs(off) / 60) % 100, (int)(labs(off) % 60));
		if (md_cst_date(out, (char[11]){ 0 }) != 0)
			out[0] = '\0';
		return;
	}
	/* RFC 3339 as it is. */
	if (strlen(s) < 32 && md_cst_date(s, (char[11]){ 0 }) == 0) {
		snprintf(out, 32, "%s", s);
		return;
	}
	/* A date somewhere in the text. */
	for (p = s; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			continue;
		if (sscanf(p, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 ||
		    sscanf(p, "%4d/%2d/%2d%n", &y, &m, &d, &n) == 3 ||
		    sscanf(p, "%4d\xe5\xb9\xb4%2d\xe6\x9c\x88%2d%n", &y, &m,
		    &d, &n) == 3) {
			snprintf(out, 32, "%04d-%02d-%02d", y, m, d);
			if (md_date_valid(out))
				return;
			out[0] = '\0';
		}
	}
}

/* A title for the submission: one line, at most 500 characters. */
static char *
title_clean(const char *s)
{
	char *t = squeeze(s);
	size_t chars = 0, i;

	for (i = 0; t[i] != '\0'; i++)
		if (((unsigned char)t[i] & 0xc0) != 0x80 && ++chars > 500) {
			t[i] = '\0';
			break;
		}
	return t;
}

/*
 * Takes one notice in: the same validation and check as POST
 * /v1/submissions, then a store write.  A notice already taken in by this
 * process is skipped.
 */
static void
take_item(struct poll *p, const char *url, const char *title,
    const char *date, const char *text)
{
	struct feed *f = p->f;
	struct md_server *srv = f->fs->srv;
	struct md_problem prob;
	struct feed_put *fp;
	char key_hash[65], text_hash[65], pub[32], *base, *seen_key;
	json_t *body;
	struct md_sha256 h;

	md_sha256_hex(text, strlen(text), text_hash);
	md_sha256_init(&h);
	md_sha256_update(&h, url, strlen(url) + 1);
	md_sha256_update(&h, text_hash, 64);
	md_sha256_final_hex(&h, key_hash);
	seen_key = md_xasprintf("item:%s", key_hash);
	if (seen_has(f, seen_key)) {
		free(seen_key);
		return;
	}
	/* external_id holds 200 characters: a longer URL is keyed by its
	 * hash (the URL itself is kept in source_url). */
	if (strlen(url) <= 176)
		base = md_xstrdup(url);
	else {
		char uh[65];

		md_sha256_hex(url, strlen(url), uh);
		base = md_xasprintf("urlsha256:%s", uh);
	}
	body = json_pack("{s:s, s:s, s:s}", "external_id", base, "kind",
	    "notice", "text", text);
	if (title != NULL && *title != '\0') {
		char *t = title_clean(title);

		if (*t != '\0')
			json_object_set_new(body, "title", json_string(t));
		free(t);
	}
	if (date != NULL) {
		parse_date(date, pub);
		if (pub[0] != '\0')
			json_object_set_new(body, "published_at",
			    json_string(pub));
	}
	if (f->c.region_code != NULL || f->c.region_name != NULL) {
		json_t *r = json_object();

		if (f->c.region_code != NULL)
			json_object_set_new(r, "code",
			    json_string(f->c.region_code));
		if (f->c.region_name != NULL)
			json_object_set_new(r, "name",
			    json_string(f->c.region_name));
		json_object_set_new(body, "region", r);
	}
	fp = md_xcalloc(1, sizeof *fp);
	if (json_object_get(body, "text") == NULL ||
	    md_intake_submission(srv, body, 0, f->platform, &fp->sub,
	    &prob) != 0) {
		if (json_object_get(body, "text") == NULL)
			snprintf(prob.detail, sizeof prob.detail, "the text is "
			    "not valid UTF-8");
		md_log(4, "feed %s: item %s refused: %s", f->c.name, url,
		    prob.detail);
		f->st->item_errors++;
		md_submission_free(&fp->sub);
		free(fp);
		json_decref(body);
		free(base);
		/* Refused for what it is: it will be refused again, so it
		 * does not hold the feed back. */
		seen_add(f, seen_key);
		free(seen_key);
		return;
	}
	json_decref(body);
	fp->sub.source_url = md_xstrdup(url);
	fp->alt_id = md_xasprintf("%s#sha256:%.16s", base, text_hash);
	fp->seen_key = seen_key;
	free(base);
	fp->p = p;
	p->puts++;
	fp->job.run = job_feed_put;
	fp->job.done = done_feed_put;
	fp->job.bytes = strlen(fp->sub.text);
	fp->job.arg = fp;
	md_store_write(srv->store, &fp->job);
}

/* --- parsing ----------------------------------------------------------- */

static void
xml_quiet(void *arg, xmlErrorPtr e)
{
	(void)arg;
	(void)e;
}

/*
 * A feed's XML, already UTF-8: no network, no DTD loading, no entity
 * substitution; a document that declares entities is refused (their
 * expansion is the one way a small feed becomes a huge text).
 */
static xmlDocPtr
feed_xml(const char *buf, size_t len, const char *url, char *why,
    size_t whylen)
{
	xmlDocPtr doc;

	xmlSetStructuredErrorFunc(NULL, xml_quiet);
	doc = xmlReadMemory(buf, (int)len, url, "UTF-8", XML_PARSE_NONET |
	    XML_PARSE_NOCDATA | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc == NULL) {
		snprintf(why, whylen, "not well-formed XML");
		return NULL;
	}
	if (doc->intSubset != NULL && doc->intSubset->entities != NULL) {
		snprintf(why, whylen, "the feed declares entities: refused");
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* The first child element of n named name (any namespace). */
static xmlNodePtr
child(xmlNodePtr n, const char *name)
{
	for (n = n->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

static char *
child_text(xmlNodePtr n, const char *name)
{
	xmlNodePtr c = child(n, name);

	return c ? md_xml_text(c) : NULL;
}

/* RSS 2.0 (and 0.9x, 1.0): <item> with link, title, pubDate or dc:date,
 * and content:encoded or description as HTML. */
static int
parse_rss(struct poll *p, xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), ch, it;

	if (root == NULL || (strcmp((const char *)root->name, "rss") != 0 &&
	    strcmp((const char *)root->name, "RDF") != 0))
		return -1;
	ch = child(root, "channel");
	/* RSS 1.0 puts the items beside the channel. */
	for (it = (ch && child(ch, "item")) ? ch->children : root->children;
	    it != NULL; it = it->next) {
		char *link, *title, *date, *html, *text;

		if (it->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)it->name, "item") != 0)
			continue;
		link = child_text(it, "link");
		if (link == NULL || *link == '\0') {
			free(link);
			link = child_text(it, "guid");
		}
		title = child_text(it, "title");
		date = child_text(it, "pubDate");
		if (date == NULL)
			date = child_text(it, "date");
		html = child_text(it, "encoded");
		if (html == NULL || *html == '\0') {
			free(html);
			html = child_text(it, "description");
		}
		text = html ? html_fragment_text(html) : md_xstrdup("");
		if (link != NULL && *link != '\0' && *text != '\0') {
			char *l = squeeze(link);

			take_item(p, l, title, date, text);
			free(l);
		} else {
			md_log(4, "feed %s: an item without a link or a text "
			    "is skipped", p->f->c.name);
			p->f->st->item_errors++;
		}
		free(link);
		free(title);
		free(date);
		free(html);
		free(text);
	}
	return 0;
}

/* Atom: <entry> with link rel=alternate (or none), title, published or
 * updated, content or summary. */
static int
parse_atom(struct poll *p, xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), e, c;

	if (root == NULL || strcmp((const char *)root->name, "feed") != 0)
		return -1;
	for (e = root->children; e != NULL; e = e->next) {
		char *link = NULL, *title, *date, *body = NULL, *text;

		if (e->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)e->name, "entry") != 0)
			continue;
		for (c = e->children; c != NULL; c = c->next) {
			char *rel;

			if (c->type != XML_ELEMENT_NODE ||
			    strcmp((const char *)c->name, "link") != 0)
				continue;
			rel = md_xml_attr(c, "rel");
			if (rel == NULL || strcmp(rel, "alternate") == 0) {
				free(link);
				link = md_xml_attr(c, "href");
			}
			free(rel);
			if (link != NULL)
				break;
		}
		if (link == NULL)
			link = child_text(e, "id");
		title = child_text(e, "title");
		date = child_text(e, "published");
		if (date == NULL)
			date = child_text(e, "updated");
		if ((c = child(e, "content")) == NULL)
			c = child(e, "summary");
		if (c != NULL) {
			char *type = md_xml_attr(c, "type");

			body = md_xml_text(c);
			if (type != NULL && (strcmp(type, "html") == 0 ||
			    strcmp(type, "xhtml") == 0)) {
				if (strcmp(type, "xhtml") == 0) {
					struct md_buf b = { 0 };

					text_of(c->children, &b);
					md_buf_adds(&b, "");
					free(body);
					body = b.data;
				} else {
					char *t = html_fragment_text(body);

					free(body);
					body = t;
				}
			}
			free(type);
		}
		text = trim(body ? body : "");
		if (link != NULL && *link != '\0' && *text != '\0')
			take_item(p, link, title, date, text);
		else {
			md_log(4, "feed %s: an entry without a link or a text "
			    "is skipped", p->f->c.name);
			p->f->st->item_errors++;
		}
		free(link);
		free(title);
		free(date);
		free(body);
		free(text);
	}
	return 0;
}

static htmlDocPtr
page_html(const char *buf, size_t len, const char *url)
{
	return htmlReadMemory(buf, (int)len, url, "UTF-8", HTML_PARSE_NONET |
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER);
}

/* The string value of xpath on doc: the text of the nodes it selects
 * (block structure kept), or a string result.  NULL when it selects
 * nothing. */
static char *
xpath_text(xmlDocPtr doc, const char *xpath)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o;
	char *out = NULL;
	int i;

	if (ctx == NULL)
		return NULL;
	o = xmlXPathEvalExpression((const xmlChar *)xpath, ctx);
	if (o != NULL && o->type == XPATH_NODESET && o->nodesetval != NULL &&
	    o->nodesetval->nodeNr > 0) {
		struct md_buf b = { 0 };

		for (i = 0; i < o->nodesetval->nodeNr; i++) {
			xmlNodePtr n = o->nodesetval->nodeTab[i];

			if (n->type == XML_ELEMENT_NODE)
				text_of(n->children, &b);
			else {
				char *t = (char *)xmlNodeGetContent(n);

				if (t != NULL)
					md_buf_adds(&b, t);
				xmlFree(t);
			}
			if (b.len > 0 && b.data[b.len - 1] != '\n')
				md_buf_adds(&b, "\n");
		}
		md_buf_adds(&b, "");
		while (b.len > 0 && isspace((unsigned char)b.data[b.len - 1]))
			b.data[--b.len] = '\0';
		out = b.data;
	} else if (o != NULL && o->type == XPATH_STRING && o->stringval) {
		out = md_xstrdup((const char *)o->stringval);
	}
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return out;
}

/* An HTML list page: the links its items XPath selects, resolved
 * against the page's URL, in order, each once. */
static int
parse_html_list(struct poll *p, const char *buf, size_t len,
    const char *url)
{
	struct feed *f = p->f;
	htmlDocPtr doc = page_html(buf, len, url);
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr o;
	int i;

	if (doc == NULL)
		return -1;
	ctx = xmlXPathNewContext(doc);
	o = xmlXPathEvalExpression((const xmlChar *)f->c.items_xpath, ctx);
	if (o != NULL && o->type == XPATH_NODESET && o->nodesetval != NULL) {
		for (i = 0; i < o->nodesetval->nodeNr; i++) {
			xmlNodePtr n = o->nodesetval->nodeTab[i];
			xmlChar *href, *abs;
			char *h, *key;
			size_t k;

			if (n->type == XML_ELEMENT_NODE)
				href = xmlGetProp(n, (const xmlChar *)"href");
			else
				href = xmlNodeGetContent(n);
			if (href == NULL)
				continue;
			h = squeeze((const char *)href);
			xmlFree(href);
			abs = xmlBuildURI((const xmlChar *)h,
			    (const xmlChar *)url);
			free(h);
			if (abs == NULL)
				continue;
			h = md_xstrdup((const char *)abs);
			xmlFree(abs);
			if (strncmp(h, "http://", 7) != 0 &&
			    strncmp(h, "https://", 8) != 0) {
				free(h);
				continue;
			}
			key = md_xasprintf("link:%s", h);
			for (k = 0; k < p->nlinks; k++)
				if (strcmp(p->links[k], h) == 0)
					break;
			if (k < p->nlinks || seen_has(f, key)) {
				free(key);
				free(h);
				continue;
			}
			free(key);
			p->links = md_xreallocarray(p->links, p->nlinks + 1,
			    sizeof *p->links);
			p->links[p->nlinks++] = h;
		}
	}
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return 0;
}

/* An item page of an HTML feed. */
static void
parse_html_page(struct poll *p, const char *buf, size_t len,
    const char *url)
{
	struct feed *f = p->f;
	htmlDocPtr doc = page_html(buf, len, url);
	char *body, *title = NULL, *date = NULL, *key;

	if (doc == NULL) {
		md_log(4, "feed %s: %s: not HTML", f->c.name, url);
		f->st->item_errors++;
		return;
	}
	body = xpath_text(doc, f->c.body_xpath);
	if (f->c.title_xpath != NULL)
		title = xpath_text(doc, f->c.title_xpath);
	else
		title = xpath_text(doc, "//title");
	if (f->c.date_xpath != NULL)
		date = xpath_text(doc, f->c.date_xpath);
	if (body == NULL || *body == '\0') {
		md_log(4, "feed %s: %s: the body XPath selects no text",
		    f->c.name, url);
		f->st->item_errors++;
	} else
		take_item(p, url, title, date, body);
	/* Fetched once while this process runs (the store dedups across
	 * restarts). */
	key = md_xasprintf("link:%s", url);
	seen_add(f, key);
	free(key);
	free(body);
	free(title);
	free(date);
	xmlFreeDoc(doc);
}

/* --- transfers --------------------------------------------------------- */

static size_t
on_write(char *ptr, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	if (x->body.len + size * n > x->cap) {
		x->too_big = 1;
		return 0;	/* curl aborts with CURLE_WRITE_ERROR */
	}
	md_buf_add(&x->body, ptr, size * n);
	return size * n;
}

static char *
header_value(const char *line, size_t len, size_t name_len)
{
	const char *v = line + name_len, *end = line + len;

	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	return md_xstrndup(v, (size_t)(end - v));
}

static size_t
on_header(char *line, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	/* A new response (after a redirect): forget the previous one's. */
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		free(x->etag);
		free(x->last_modified);
		x->etag = x->last_modified = NULL;
	} else if (len > 5 && strncasecmp(line, "ETag:", 5) == 0) {
		free(x->etag);
		x->etag = header_value(line, len, 5);
	} else if (len > 14 && strncasecmp(line, "Last-Modified:", 14) == 0) {
		free(x->last_modified);
		x->last_modified = header_value(line, len, 14);
	}
	return len;
}

static void xfer_done(CURL *easy, CURLcode rc, void *arg);

static int
xfer_start(struct poll *p, const char *url, int list)
{
	struct feed *f = p->f;
	struct xfer *x = md_xcalloc(1, sizeof *x);
	CURL *easy = curl_easy_init();
	size_t i;

	if (easy == NULL) {
		free(x);
		return -1;
	}
	x->p = p;
	x->list = list;
	x->url = md_xstrdup(url);
	x->cap = f->c.max_size;
	md_curlev_defaults(easy, f->c.timeout_ms, f->c.max_redirects);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)f->c.max_size);
	for (i = 0; i < f->c.nheaders; i++)
		x->headers = curl_slist_append(x->headers, f->c.headers[i]);
	if (list && f->state.etag != NULL) {
		char *h = md_xasprintf("If-None-Match: %s", f->state.etag);

		x->headers = curl_slist_append(x->headers, h);
		free(h);
	}
	if (list && f->state.last_modified != NULL) {
		char *h = md_xasprintf("If-Modified-Since: %s",
		    f->state.last_modified);

		x->headers = curl_slist_append(x->headers, h);
		free(h);
	}
	if (x->headers != NULL)
		curl_easy_setopt(easy, CURLOPT_HTTPHEADER, x->headers);
	p->transfers++;
	if (md_curlev_add(f->fs->srv->curl, easy, xfer_done, x) != 0) {
		p->transfers--;
		curl_slist_free_all(x->headers);
		free(x->url);
		free(x);
		return -1;
	}
	return 0;
}

static void
xfer_free(struct xfer *x)
{
	md_buf_free(&x->body);
	free(x->etag);
	free(x->last_modified);
	free(x->url);
	curl_slist_free_all(x->headers);
	free(x);
}

static void
xfer_done(CURL *easy, CURLcode rc, void *arg)
{
	struct xfer *x = arg;
	struct poll *p = x->p;
	struct feed *f = p->f;
	struct md_error err = { 0 };
	char *ctype = NULL, *final = NULL, why[160] = "", *text;
	long status = 0;
	size_t len;

	p->transfers--;
	if (f->dead || f->fs->stopping) {
		/* Replaced or stopping: nothing of it is stored. */
		p->failed = 1;
		goto out;
	}
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &ctype);
	curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &final);
	if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(why, sizeof why, "%s: larger than max-size (%zu bytes)",
		    x->url, f->c.max_size);
	} else if (rc != CURLE_OK) {
		snprintf(why, sizeof why, "%s: %s", x->url,
		    curl_easy_strerror(rc));
	} else if (x->list && status == 304) {
		f->st->not_modified++;
		goto out;
	} else if (status != 200) {
		snprintf(why, sizeof why, "%s: HTTP status %ld", x->url, status);
	}
	if (why[0] != '\0') {
		if (x->list)
			poll_fail(p, "%s", why);
		else if (status >= 400 && status < 500) {
			/* A page gone or forbidden will not come back by
			 * retrying: count it and do not fetch it again. */
			char *key = md_xasprintf("link:%s", x->url);

			md_log(4, "feed %s: %s", f->c.name, why);
			f->st->item_errors++;
			seen_add(f, key);
			free(key);
		} else {
			/* Maybe passing (timeout, 5xx): the poll fails and
			 * the next one fetches the page again. */
			md_log(4, "feed %s: %s", f->c.name, why);
			p->failed = 1;
			f->st->item_errors++;
		}
		goto out;
	}
	text = md_charset_to_utf8(x->body.data ? x->body.data : "",
	    x->body.len, ctype, NULL, &len, &err);
	if (text == NULL) {
		if (x->list)
			poll_fail(p, "%s: %s", x->url, err.msg);
		else {
			/* This page can never be taken in as it is: count it,
			 * do not retry it. */
			char *key = md_xasprintf("link:%s", x->url);

			md_log(4, "feed %s: %s: %s", f->c.name, x->url, err.msg);
			f->st->item_errors++;
			seen_add(f, key);
			free(key);
		}
		goto out;
	}
	if (!x->list) {
		parse_html_page(p, text, len, x->url);
	} else if (f->c.type == MD_FEED_HTML) {
		p->base = md_xstrdup(final ? final : x->url);
		if (parse_html_list(p, text, len, p->base) != 0)
			poll_fail(p, "%s: not an HTML page", x->url);
	} else {
		xmlDocPtr doc = feed_xml(text, len, x->url, why, sizeof why);

		if (doc == NULL)
			poll_fail(p, "%s: %s", x->url, why);
		else {
			if ((f->c.type == MD_FEED_RSS ? parse_rss(p, doc) :
			    parse_atom(p, doc)) != 0)
				poll_fail(p, "%s: not an %s feed", x->url,
				    f->c.type == MD_FEED_RSS ? "RSS" : "Atom");
			xmlFreeDoc(doc);
		}
	}
	free(text);
	if (x->list && p->error == NULL) {
		p->fresh = 1;
		p->etag = x->etag;
		p->last_modified = x->last_modified;
		x->etag = x->last_modified = NULL;
	}
out:
	xfer_free(x);
	if (!f->dead && !f->fs->stopping && p->error == NULL)
		poll_next_page(p);
	poll_maybe_free(p);
}

/* An HTML feed's next item page, if any is left. */
static void
poll_next_page(struct poll *p)
{
	while (p->transfers == 0 && p->next < p->nlinks) {
		const char *url = p->links[p->next++];

		if (xfer_start(p, url, 0) != 0)
			p->failed = 1;
	}
}

/* --- scheduling -------------------------------------------------------- */

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct feed *f = arg;
	struct poll *p;

	(void)fd;
	(void)what;
	if (f->dead || f->fs->stopping || f->poll != NULL)
		return;
	p = md_xcalloc(1, sizeof *p);
	p->f = f;
	f->refs++;
	f->poll = p;
	if (xfer_start(p, f->c.url, 1) != 0)
		poll_fail(p, "cannot start a transfer");
	poll_maybe_free(p);
}

static void
feed_schedule(struct feed *f, double delay)
{
	struct timeval tv;

	if (f->dead || f->fs->stopping)
		return;
	if (delay < 0)
		delay = 0;
	tv.tv_sec = (time_t)delay;
	tv.tv_usec = (suseconds_t)((delay - (double)tv.tv_sec) * 1e6);
	evtimer_add(f->timer, &tv);
}

struct state_get {
	struct md_job job;
	struct feed *f;
	struct md_feed_state st;
};

static int
job_state_get(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct state_get *sg = j->arg;

	return b->feed_state_get(c, sg->f->c.name, &sg->st, &j->err);
}

static void
done_state_get(struct md_job *j)
{
	struct state_get *sg = j->arg;
	struct feed *f = sg->f;
	double now = (double)time(NULL);

	if (j->rc == MD_STORE_OK) {
		md_feed_state_free(&f->state);
		f->state = sg->st;
		f->st->failures = f->state.failures;
		f->st->next_poll = f->state.next_poll;
	} else if (j->rc < 0)
		md_log(3, "feed %s: cannot read its state: %s", f->c.name,
		    j->err.msg);
	if (f->state.name == NULL)
		f->state.name = md_xstrdup(f->c.name);
	/* A poll due long ago (the daemon was down) is due now. */
	feed_schedule(f, f->state.next_poll - now);
	feed_unref(f);
	free(sg);
}

static struct md_feed_conf
feed_conf_copy(const struct md_feed_conf *c)
{
	struct md_feed_conf d = *c;
	size_t i;

	d.name = md_xstrdup(c->name);
	d.url = md_xstrdup(c->url);
	d.region_code = dup_or_null(c->region_code);
	d.region_name = dup_or_null(c->region_name);
	d.headers = md_xcalloc(c->nheaders + 1, sizeof *d.headers);
	for (i = 0; i < c->nheaders; i++)
		d.headers[i] = md_xstrdup(c->headers[i]);
	d.items_xpath = dup_or_null(c->items_xpath);
	d.body_xpath = dup_or_null(c->body_xpath);
	d.title_xpath = dup_or_null(c->title_xpath);
	d.date_xpath = dup_or_null(c->date_xpath);
	return d;
}

/* --- the manager ------------------------------------------------------- */

struct md_feeds *
md_feeds_new(struct md_server *srv)
{
	struct md_feeds *fs = md_xcalloc(1, sizeof *fs);

	fs->srv = srv;
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	return fs;
}

static void
feeds_drop(struct md_feeds *fs)
{
	size_t i;

	for (i = 0; i < fs->nfeeds; i++) {
		struct feed *f = fs->feeds[i];

		f->dead = 1;
		evtimer_del(f->timer);
		feed_unref(f);
	}
	free(fs->feeds);
	fs->feeds = NULL;
	fs->nfeeds = 0;
}

void
md_feeds_configure(struct md_feeds *fs, const struct md_conf *conf)
{
	size_t i;

	feeds_drop(fs);
	if (fs->stopping)
		return;
	fs->feeds = md_xcalloc(conf->nfeeds + 1, sizeof *fs->feeds);
	for (i = 0; i < conf->nfeeds; i++) {
		struct feed *f = md_xcalloc(1, sizeof *f);
		struct state_get *sg = md_xcalloc(1, sizeof *sg);

		f->fs = fs;
		f->c = feed_conf_copy(&conf->feeds[i]);
		f->platform = md_xasprintf("feed:%s", f->c.name);
		f->st = stats_for(fs, f->c.name);
		f->timer = evtimer_new(fs->srv->base, on_timer, f);
		f->refs = 1;
		fs->feeds[fs->nfeeds++] = f;
		/* First its stored state, then its first poll. */
		sg->f = f;
		f->refs++;
		sg->job.run = job_state_get;
		sg->job.done = done_state_get;
		sg->job.arg = sg;
		md_store_read(fs->srv->store, &sg->job);
	}
	if (conf->nfeeds > 0)
		md_log(5, "%zu feeds", conf->nfeeds);
}

void
md_feeds_stop(struct md_feeds *fs)
{
	if (fs == NULL)
		return;
	fs->stopping = 1;
	feeds_drop(fs);
}

void
md_feeds_free(struct md_feeds *fs)
{
	size_t i;

	if (fs == NULL)
		return;
	feeds_drop(fs);
	for (i = 0; i < fs->nstats; i++) {
		free(fs->stats[i]->name);
		free(fs->stats[i]);
	}
	free(fs->stats);
	free(fs);
}

void
md_feeds_metrics(struct md_feeds *fs, struct md_buf *b)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} counters[] = {
		{ "measured_feed_polls_total", "counter",
		  "Polls of a feed that ended.",
		  offsetof(struct feed_stats, polls) },
		{ "measured_feed_errors_total", "counter",
		  "Polls that failed (transfer, status, size, charset, parse).",
		  offsetof(struct feed_stats, errors) },
		{ "measured_feed_not_modified_total", "counter",
		  "Polls answered 304 Not Modified.",
		  offsetof(struct feed_stats, not_modified) },
		{ "measured_feed_items_total", "counter",
		  "Notices of a feed stored (new submissions).",
		  offsetof(struct feed_stats, items) },
		{ "measured_feed_item_errors_total", "counter",
		  "Items refused or not fetched (bad charset, no text, ...).",
		  offsetof(struct feed_stats, item_errors) },
	};
	size_t i, k;

	if (fs == NULL || fs->nstats == 0)
		return;
	for (k = 0; k < MD_NELEM(counters); k++) {
		md_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n",
		    counters[k].name, counters[k].help, counters[k].name,
		    counters[k].type);
		for (i = 0; i < fs->nstats; i++)
			md_buf_printf(b, "%s{feed=\"%s\"} %llu\n",
			    counters[k].name, fs->stats[i]->name,
			    (unsigned long long)*(const uint64_t *)(const void *)
			    ((const char *)fs->stats[i] + counters[k].off));
	}
	md_buf_adds(b, "# HELP measured_feed_failures Consecutive failed "
	    "polls (0 after a success).\n# TYPE measured_feed_failures gauge\n");
	for (i = 0; i < fs->nstats; i++)
		md_buf_printf(b, "measured_feed_failures{feed=\"%s\"} %d\n",
		    fs->stats[i]->name, fs->stats[i]->failures);
	md_buf_adds(b, "# HELP measured_feed_next_poll_seconds When the next "
	    "poll is due (unix time).\n# TYPE measured_feed_next_poll_seconds "
	    "gauge\n");
	for (i = 0; i < fs->nstats; i++)
		md_buf_printf(b, "measured_feed_next_poll_seconds{feed=\"%s\"} "
		    "%.3f\n", fs->stats[i]->name, fs->stats[i]->next_poll);
	md_buf_adds(b, "# HELP measured_feed_last_success_seconds When a poll "
	    "last succeeded (unix time; 0: not yet).\n# TYPE "
	    "measured_feed_last_success_seconds gauge\n");
	for (i = 0; i < fs->nstats; i++)
		md_buf_printf(b, "measured_feed_last_success_seconds"
		    "{feed=\"%s\"} %.0f\n", fs->stats[i]->name,
		    fs->stats[i]->last_success);
}
