/*
 * test_outbox.c - the outbox against the real daemon and real receivers
 * (receiver.h) on loopback: a signed webhook for a new severe flag, and
 * only to the webhooks that want it; a callback after a review with the
 * public note and never the internal one; a receiver failing three times
 * and then answering (delivered once, four attempts); one never answering
 * (dead after the maximum age, counted); a daemon killed while messages
 * are pending (each delivered after the restart, with the same message
 * id, in bounded attempts); callback URLs on forbidden hosts and
 * addresses refused at submission, and a name that resolves to loopback
 * refused at delivery; a notice on a feed that yields a flag and its
 * webhook, once however often the feed is polled.
 *
 * Every wait polls with a generous deadline; nothing asserts timing.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "harness.h"
#include "receiver.h"
#include "sha256.h"

#define WAIT 60.0		/* seconds: generous, for valgrind */

static const char SCHOOL[] =
    "即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。";
static const char WG_SECRET[] = "wg-secret-0123456789";
static const char PF_SECRET[] = "platform-secret-abcdef";

static struct daemon D;
static struct receiver R;

static void
setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h_init_dir(&D);
	rcv_start(&R);
}

static void
teardown(void)
{
	h_cleanup(&D);
	rcv_stop(&R);
	curl_global_cleanup();
}

/* A config with quick retries and the given receivers. */
static void
conf(const char *outbox, const char *receivers)
{
	char *body = md_xasprintf("<rate-limit per-second=\"0\"/>\n"
	    "<outbox %s/>\n%s", outbox ? outbox : "retry-first=\"50ms\" "
	    "retry-max=\"200ms\" max-age=\"10m\" timeout=\"5s\" poll=\"200ms\"",
	    receivers);

	h_conf(&D, body);
	free(body);
}

static struct resp *
submit(const char *token, const char *id, const char *region,
    const char *callback)
{
	struct md_buf b = { 0 };
	struct resp *r;

	md_buf_printf(&b, "{\"external_id\":\"%s\",\"text\":\"%s\","
	    "\"occurred_at\":\"2022-11-20\"", id, SCHOOL);
	if (region != NULL)
		md_buf_printf(&b, ",\"region\":{\"code\":\"%s\"}", region);
	if (callback != NULL)
		md_buf_printf(&b, ",\"callback_url\":\"%s\"", callback);
	md_buf_adds(&b, "}");
	r = h_req(&D, "POST", "/v1/submissions", token, b.data);
	md_buf_free(&b);
	return r;
}

static long long
first_flag(struct resp *r)
{
	json_t *f = json_array_get(json_object_get(r->json, "findings"), 0);

	ck_assert_ptr_nonnull(f);
	return json_integer_value(json_object_get(f, "flag_id"));
}

/* One integer from the daemon's store (read-only, beside the daemon). */
static long long
db_int(const char *sql)
{
	char path[400];
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;

	snprintf(path, sizeof path, "%s/measured.db", D.dir);
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static long long
db_wait(const char *sql, long long want)
{
	double end = h_now() + WAIT;
	long long v;

	while ((v = db_int(sql)) != want && h_now() < end)
		usleep(50000);
	return v;
}

/* What a receiver does: recompute the signature over "TIMESTAMP.BODY". */
static void
assert_signed(const struct rcv_msg *m, const char *secret)
{
	struct md_buf b = { 0 };
	unsigned char mac[32];
	char hex[65];

	ck_assert_int_ne(m->timestamp[0], '\0');
	md_buf_adds(&b, m->timestamp);
	md_buf_add(&b, ".", 1);
	md_buf_add(&b, m->body, m->len);
	md_hmac_sha256(secret, strlen(secret), b.data, b.len, mac);
	md_buf_free(&b);
	md_hex(mac, sizeof mac, hex);
	ck_assert_int_eq(strncmp(m->signature, "sha256=", 7), 0);
	ck_assert_str_eq(m->signature + 7, hex);
}

START_TEST(webhook_signed)
{
	char *recv, *tok;
	struct resp *r;
	struct rcv_msg m;
	json_t *body;
	long long flag;

	recv = md_xasprintf(
	    "<webhook name=\"wg-bj\" url=\"http://127.0.0.1:%d/ok/wh\" "
	    "secret=\"%s\" min-severity=\"4\"><region>11</region></webhook>\n"
	    "<webhook name=\"only-5\" url=\"http://127.0.0.1:%d/ok/sev5\" "
	    "secret=\"%s\" min-severity=\"5\"/>\n"
	    "<webhook name=\"lockdown\" url=\"http://127.0.0.1:%d/ok/cat\" "
	    "secret=\"%s\"><category>closure.lockdown</category></webhook>\n"
	    "<webhook name=\"sh\" url=\"http://127.0.0.1:%d/ok/sh\" "
	    "secret=\"%s\"><region>31</region></webhook>",
	    R.port, WG_SECRET, R.port, WG_SECRET, R.port, WG_SECRET, R.port,
	    WG_SECRET);
	conf(NULL, recv);
	free(recv);
	tok = h_token(&D, "submitter", "hotline", "hot-a");
	h_start(&D, NULL);

	r = submit(tok, "wh-1", "110105", NULL);
	h_expect(r, 201);
	flag = first_flag(r);
	resp_free(r);
	/* The same submission again is stored once and sends nothing new. */
	r = submit(tok, "wh-1", "110105", NULL);
	h_expect(r, 200);
	resp_free(r);

	ck_assert_uint_eq(rcv_wait(&R, "/ok/wh", 1, 1, WAIT), 1);
	ck_assert_int_eq(rcv_get(&R, "/ok/wh", 1, 0, &m), 0);
	assert_signed(&m, WG_SECRET);
	ck_assert_str_eq(m.event, "flag.created");
	body = json_loads(m.body, 0, NULL);
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(h_str(body, "type"), "flag.created");
	ck_assert_str_eq(h_str(body, "message_id"), m.message_id);
	ck_assert_str_eq(h_str(body, "webhook"), "wg-bj");
	ck_assert_int_eq(h_int(json_object_get(body, "flag"), "id"), flag);
	ck_assert_str_eq(h_str(json_object_get(body, "flag"), "category"),
	    "closure.school");
	ck_assert_str_eq(h_str(json_object_get(body, "submission"),
	    "external_id"), "wh-1");
	json_decref(body);
	free(m.body);

	/* Delivered and marked; the others never wanted it. */
	ck_assert_int_eq(db_wait("SELECT count(*) FROM outbox WHERE "
	    "delivered_at IS NOT NULL", 1), 1);
	ck_assert_int_eq(db_int("SELECT count(*) FROM outbox"), 1);
	ck_assert_uint_eq(rcv_count(&R, "/ok/sev5", 0), 0);
	ck_assert_uint_eq(rcv_count(&R, "/ok/cat", 0), 0);
	ck_assert_uint_eq(rcv_count(&R, "/ok/sh", 0), 0);
	ck_assert_uint_eq(rcv_count(&R, "/ok/wh", 0), 1);
	ck_assert(h_metric(&D, "measured_outbox_delivered_total") == 1);
	ck_assert_int_eq(h_stop(&D), 0);
	free(tok);
}
END_TEST

START_TEST(callback_after_review)
{
	char *recv, *tok, *rev, *cb, body[512], path[64];
	struct resp *r;
	struct rcv_msg m;
	json_t *j, *f;
	long long flag;

	recv = md_xasprintf("<platform name=\"hotline\" secret=\"%s\" "
	    "allow-private=\"yes\"><callback-host>127.0.0.1</callback-host>"
	    "</platform>", PF_SECRET);
	conf(NULL, recv);
	free(recv);
	tok = h_token(&D, "submitter", "hotline", "hot-a");
	rev = h_token(&D, "reviewer", NULL, "rev-a");
	h_start(&D, NULL);

	cb = md_xasprintf("http://127.0.0.1:%d/ok/cb/case-7", R.port);
	r = submit(tok, "cb-1", NULL, cb);
	h_expect(r, 201);
	flag = first_flag(r);
	resp_free(r);
	/* Nothing is sent before a review changes the flag. */
	ck_assert_int_eq(db_int("SELECT count(*) FROM outbox"), 0);

	snprintf(path, sizeof path, "/v1/flags/%lld/review", flag);
	r = h_req(&D, "POST", path, rev, "{\"action\":\"confirm\","
	    "\"note\":\"内部：已电话核实，校长承认\","
	    "\"public_note\":\"已责成区教委当日恢复线下教学\"}");
	h_expect(r, 200);
	/* The history keeps both notes. */
	f = json_array_get(json_object_get(r->json, "history"), 0);
	ck_assert_str_eq(h_str(f, "public_note"), "已责成区教委当日恢复线下教学");
	resp_free(r);
	/* A review without a public note sends none. */
	snprintf(body, sizeof body, "{\"action\":\"escalate\",\"note\":\"n\"}");
	r = h_req(&D, "POST", path, rev, body);
	h_expect(r, 200);
	resp_free(r);

	ck_assert_uint_eq(rcv_wait(&R, "/ok/cb/", 1, 2, WAIT), 2);
	/* In the order of the reviews: a flag's callbacks go one by one. */
	ck_assert_int_eq(rcv_get(&R, "/ok/cb/", 1, 0, &m), 0);
	ck_assert_str_eq(m.path, "/ok/cb/case-7");
	assert_signed(&m, PF_SECRET);
	ck_assert_str_eq(m.event, "flag.status_changed");
	ck_assert_ptr_null(strstr(m.body, "内部"));
	j = json_loads(m.body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(h_str(j, "type"), "flag.status_changed");
	ck_assert_str_eq(h_str(j, "platform"), "hotline");
	ck_assert_str_eq(h_str(j, "external_id"), "cb-1");
	ck_assert_str_eq(h_str(j, "public_note"), "已责成区教委当日恢复线下教学");
	f = json_object_get(j, "flag");
	ck_assert_int_eq(h_int(f, "id"), flag);
	ck_assert_str_eq(h_str(f, "status"), "confirmed");
	ck_assert_str_eq(h_str(f, "previous_status"), "open");
	ck_assert_str_eq(h_str(json_object_get(f, "measure"), "item"), "2.16");
	json_decref(j);
	free(m.body);
	ck_assert_int_eq(rcv_get(&R, "/ok/cb/", 1, 1, &m), 0);
	j = json_loads(m.body, 0, NULL);
	ck_assert_str_eq(h_str(json_object_get(j, "flag"), "status"),
	    "escalated");
	ck_assert(json_is_null(json_object_get(j, "public_note")));
	json_decref(j);
	free(m.body);
	ck_assert_int_eq(h_stop(&D), 0);
	free(cb);
	free(tok);
	free(rev);
}
END_TEST

START_TEST(fails_three_times_then_delivered)
{
	char *recv, *tok, first[64];
	struct resp *r;
	struct rcv_msg m;
	size_t i;

	recv = md_xasprintf("<webhook name=\"wg\" url=\"http://127.0.0.1:%d/"
	    "fail3/wh\" secret=\"%s\"/>", R.port, WG_SECRET);
	conf(NULL, recv);
	free(recv);
	tok = h_token(&D, "submitter", "hotline", "hot-a");
	h_start(&D, NULL);
	r = submit(tok, "f3-1", NULL, NULL);
	h_expect(r, 201);
	resp_free(r);

	ck_assert_uint_eq(rcv_wait(&R, "/fail3/", 1, 1, WAIT), 1);
	ck_assert_int_eq(db_wait("SELECT count(*) FROM outbox WHERE "
	    "delivered_at IS NOT NULL", 1), 1);
	ck_assert_int_eq(db_int("SELECT attempts FROM outbox"), 4);
	ck_assert_int_eq(db_int("SELECT last_error = 'HTTP 500' FROM outbox"),
	    1);
	/* Four requests, one message: the same id and body each time. */
	ck_assert_uint_eq(rcv_count(&R, "/fail3/", 0), 4);
	ck_assert_uint_eq(rcv_count(&R, "/fail3/", 1), 1);
	ck_assert_int_eq(rcv_get(&R, "/fail3/", 0, 0, &m), 0);
	snprintf(first, sizeof first, "%s", m.message_id);
	free(m.body);
	for (i = 1; i < 4; i++) {
		ck_assert_int_eq(rcv_get(&R, "/fail3/", 0, i, &m), 0);
		ck_assert_str_eq(m.message_id, first);
		assert_signed(&m, WG_SECRET);
		free(m.body);
	}
	ck_assert(h_metric(&D, "measured_outbox_retried_total") == 3);
	ck_assert(h_metric(&D, "measured_outbox_delivered_total") == 1);
	ck_assert_int_eq(h_stop(&D), 0);
	free(tok);
}
END_TEST

START_TEST(never_delivered_is_dead)
{
	char *recv, *tok;
	struct resp *r;
	double end;

	recv = md_xasprintf("<webhook name=\"wg\" url=\"http://127.0.0.1:%d/"
	    "never/wh\" secret=\"%s\"/>", R.port, WG_SECRET);
	conf("retry-first=\"50ms\" retry-max=\"200ms\" max-age=\"1500ms\" "
	    "timeout=\"5s\" poll=\"200ms\"", recv);
	free(recv);
	tok = h_token(&D, "submitter", "hotline", "hot-a");
	h_start(&D, NULL);
	r = submit(tok, "dead-1", NULL, NULL);
	h_expect(r, 201);
	resp_free(r);

	ck_assert_int_eq(db_wait("SELECT count(*) FROM outbox WHERE "
	    "dead_at IS NOT NULL", 1), 1);
	ck_assert_int_eq(db_int("SELECT delivered_at IS NULL FROM outbox"), 1);
	ck_assert_int_eq(db_int("SELECT last_error = 'HTTP 503' FROM outbox"),
	    1);
	ck_assert_int_ge(db_int("SELECT attempts FROM outbox"), 1);
	end = h_now() + WAIT;
	while (h_metric(&D, "measured_outbox_dead_total") != 1 && h_now() < end)
		usleep(50000);
	ck_assert(h_metric(&D, "measured_outbox_dead_total") == 1);
	/* Once its outcome is recorded, nothing is queued. */
	while (h_metric(&D, "measured_outbox_queued") != 0 && h_now() < end)
		usleep(50000);
	ck_assert(h_metric(&D, "measured_outbox_queued") == 0);
	/* Dead is final: no more requests. */
	{
		size_t n = rcv_count(&R, "/never/", 0);

		ck_assert_uint_eq((size_t)db_int("SELECT attempts FROM outbox"),
		    n);
	}
	ck_assert_int_eq(h_stop(&D), 0);
	free(tok);
}
END_TEST

#define NRESTART 5

START_TEST(restart_in_the_middle)
{
	char *recv, *tok, id[32], ids[NRESTART][64];
	struct resp *r;
	struct rcv_msg m;
	size_t i, k, before;

	recv = md_xasprintf("<webhook name=\"wg\" url=\"http://127.0.0.1:%d/"
	    "down/wh\" secret=\"%s\"/>", R.port, WG_SECRET);
	conf("retry-first=\"100ms\" retry-max=\"400ms\" max-age=\"10m\" "
	    "timeout=\"1s\" poll=\"200ms\"", recv);
	free(recv);
	tok = h_token(&D, "submitter", "hotline", "hot-a");
	rcv_set_down(&R, 1);
	h_start(&D, NULL);
	for (i = 0; i < NRESTART; i++) {
		snprintf(id, sizeof id, "rs-%zu", i);
		r = submit(tok, id, NULL, NULL);
		h_expect(r, 201);
		resp_free(r);
	}
	/* Every message tried at least once, none delivered: kill. */
	for (i = 0; i < NRESTART; i++)
		ids[i][0] = '\0';
	{
		double end = h_now() + WAIT;
		size_t have = 0;

		while (have < NRESTART && h_now() < end) {
			have = 0;
			for (k = 0; rcv_get(&R, "/down/", 0, k, &m) == 0; k++) {
				for (i = 0; i < have; i++)
					if (strcmp(ids[i], m.message_id) == 0)
						break;
				if (i == have && have < NRESTART)
					snprintf(ids[have++], sizeof ids[0],
					    "%s", m.message_id);
				free(m.body);
			}
			usleep(20000);
		}
		ck_assert_uint_eq(have, NRESTART);
	}
	h_kill(&D);
	ck_assert_int_eq(db_int("SELECT count(*) FROM outbox WHERE "
	    "delivered_at IS NULL AND dead_at IS NULL"), NRESTART);
	before = rcv_count(&R, "/down/", 0);

	rcv_set_down(&R, 0);
	h_start(&D, NULL);
	ck_assert_int_eq(db_wait("SELECT count(*) FROM outbox WHERE "
	    "delivered_at IS NOT NULL", NRESTART), NRESTART);
	/* Each message delivered once, under the id it had before. */
	ck_assert_uint_eq(rcv_count(&R, "/down/", 1), NRESTART);
	for (i = 0; i < NRESTART; i++) {
		size_t found = 0;

		for (k = 0; rcv_get(&R, "/down/", 1, k, &m) == 0; k++) {
			found += strcmp(m.message_id, ids[i]) == 0;
			free(m.body);
		}
		ck_assert_msg(found == 1, "message %s delivered %zu times",
		    ids[i], found);
	}
	/*
	 * Bounded: every request received was a counted attempt; at most one
	 * attempt of each message was counted and cut off by the kill.
	 */
	ck_assert_int_ge(db_int("SELECT sum(attempts) FROM outbox"),
	    (long long)rcv_count(&R, "/down/", 0));
	ck_assert_int_le(db_int("SELECT sum(attempts) FROM outbox"),
	    (long long)rcv_count(&R, "/down/", 0) + NRESTART);
	ck_assert_uint_ge(rcv_count(&R, "/down/", 0), before + NRESTART);
	ck_assert_int_eq(db_int("SELECT max(attempts) FROM outbox") < 50, 1);
	ck_assert_int_eq(h_stop(&D), 0);
	free(tok);
}
END_TEST

START_TEST(forbidden_callbacks)
{
	char *recv, *tok, *tok2, *rev, *cb, path[64];
	struct resp *r;
	long long flag;
	double end;

	/* The webhook may reach loopback (its default): its connection to
	 * localhost, kept alive, must not serve the callback. */
	recv = md_xasprintf("<platform name=\"hotline\" secret=\"%s\">"
	    "<callback-host>localhost</callback-host>"
	    "<callback-host>127.0.0.1</callback-host>"
	    "<callback-host>*.example.org</callback-host></platform>\n"
	    "<webhook name=\"wg\" url=\"http://localhost:%d/ok/wh\" "
	    "secret=\"%s\"/>", PF_SECRET, R.port, WG_SECRET);
	conf(NULL, recv);
	free(recv);
	tok = h_token(&D, "submitter", "hotline", "hot-a");
	tok2 = h_token(&D, "submitter", "unconfigured", "other-a");
	rev = h_token(&D, "reviewer", NULL, "rev-a");
	h_start(&D, NULL);

	/* A host the platform does not allow. */
	r = submit(tok, "fb-1", NULL, "http://10.0.0.1/cb");
	h_expect(r, 422);
	ck_assert_str_eq(h_str(r->json, "type") + strlen(h_str(r->json,
	    "type")) - strlen("callback-not-allowed"), "callback-not-allowed");
	ck_assert_ptr_nonnull(strstr(h_str(r->json, "detail"),
	    "\"10.0.0.1\" is not one of the callback hosts"));
	resp_free(r);
	r = submit(tok, "fb-2", NULL, "http://evil.example.org.attacker.net/");
	h_expect(r, 422);
	resp_free(r);
	/* An allowed host written as a loopback address. */
	cb = md_xasprintf("http://127.0.0.1:%d/ok/cb", R.port);
	r = submit(tok, "fb-3", NULL, cb);
	h_expect(r, 422);
	ck_assert_ptr_nonnull(strstr(h_str(r->json, "detail"), "loopback"));
	resp_free(r);
	free(cb);
	/* A platform with no callback configuration. */
	r = submit(tok2, "fb-4", NULL, "https://cb.example.org/x");
	h_expect(r, 422);
	ck_assert_ptr_nonnull(strstr(h_str(r->json, "detail"),
	    "no callback hosts configured"));
	resp_free(r);
	/* Nothing of the refused submissions was stored. */
	ck_assert_int_eq(db_int("SELECT count(*) FROM documents"), 0);

	/* A name allowed, which resolves to loopback: refused at delivery. */
	cb = md_xasprintf("http://localhost:%d/ok/cb", R.port);
	r = submit(tok, "fb-5", NULL, cb);
	h_expect(r, 201);
	flag = first_flag(r);
	resp_free(r);
	free(cb);
	ck_assert_uint_eq(rcv_wait(&R, "/ok/wh", 1, 1, WAIT), 1);
	snprintf(path, sizeof path, "/v1/flags/%lld/review", flag);
	r = h_req(&D, "POST", path, rev, "{\"action\":\"confirm\","
	    "\"note\":\"n\",\"public_note\":\"p\"}");
	h_expect(r, 200);
	resp_free(r);
	end = h_now() + WAIT;
	while (h_metric(&D, "measured_outbox_refused_total") < 1 &&
	    h_now() < end)
		usleep(50000);
	ck_assert(h_metric(&D, "measured_outbox_refused_total") >= 1);
	ck_assert_int_eq(db_wait("SELECT count(*) FROM outbox WHERE last_error "
	    "LIKE 'refused to % loopback %'", 1), 1);
	ck_assert_int_eq(db_int("SELECT delivered_at IS NULL FROM outbox "
	    "WHERE kind = 'callback'"), 1);
	ck_assert_uint_eq(rcv_count(&R, "/ok/cb", 0), 0);
	ck_assert_int_eq(h_stop(&D), 0);
	free(tok);
	free(tok2);
	free(rev);
}
END_TEST

/* A notice on a feed takes the submission path: a flag, and a webhook. */
START_TEST(feed_notice_webhook)
{
	char *recv;
	struct rcv_msg m;
	json_t *body;

	recv = md_xasprintf("<feed name=\"district\" type=\"rss\" "
	    "interval=\"0.2\" url=\"http://127.0.0.1:%d/rss\">"
	    "<region code=\"110105\" name=\"北京市朝阳区\"/></feed>\n"
	    "<webhook name=\"wg-bj\" url=\"http://127.0.0.1:%d/ok/wh\" "
	    "secret=\"%s\" min-severity=\"4\"><region>11</region></webhook>",
	    R.port, R.port, WG_SECRET);
	conf(NULL, recv);
	free(recv);
	h_start(&D, NULL);

	ck_assert_uint_eq(rcv_wait(&R, "/ok/wh", 1, 1, WAIT), 1);
	ck_assert_int_eq(rcv_get(&R, "/ok/wh", 1, 0, &m), 0);
	assert_signed(&m, WG_SECRET);
	body = json_loads(m.body, 0, NULL);
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(h_str(json_object_get(body, "submission"),
	    "platform"), "feed:district");
	ck_assert_str_eq(h_str(json_object_get(body, "submission"), "kind"),
	    "notice");
	ck_assert_str_eq(h_str(json_object_get(body, "flag"), "category"),
	    "closure.school");
	json_decref(body);
	free(m.body);
	/* Polled again and again, the notice is stored once: one webhook. */
	{
		size_t polls = rcv_count(&R, "/rss", 0);

		ck_assert_uint_ge(rcv_wait(&R, "/rss", 0, polls + 3, WAIT),
		    polls + 3);
	}
	ck_assert_int_eq(db_wait("SELECT count(*) FROM outbox WHERE "
	    "delivered_at IS NOT NULL", 1), 1);
	ck_assert_int_eq(db_int("SELECT count(*) FROM outbox"), 1);
	ck_assert_uint_eq(rcv_count(&R, "/ok/wh", 0), 1);
	ck_assert_int_eq(h_stop(&D), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("outbox");
	TCase *tc = tcase_create("outbox");
	SRunner *sr;
	int failed;

	/* The fixture servers (evhttp, in this process) write to sockets the
	 * daemon may have closed on purpose (a size cap, a timeout, a drain):
	 * that is an EPIPE for them to see, not a signal that kills the test. */
	signal(SIGPIPE, SIG_IGN);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, webhook_signed);
	tcase_add_test(tc, callback_after_review);
	tcase_add_test(tc, fails_three_times_then_delivered);
	tcase_add_test(tc, never_delivered_is_dead);
	tcase_add_test(tc, restart_in_the_middle);
	tcase_add_test(tc, forbidden_callbacks);
	tcase_add_test(tc, feed_notice_webhook);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
