/*
 * test_outbox.c - the outbox's pure parts: HMAC-SHA256 against RFC 4231's
 * test cases, the signature a receiver recomputes, the address classifier
 * (every special range, IPv4 inside IPv6, ordinary public addresses),
 * callback URL and host checks, backoff, message ids, webhook routing,
 * durations, and the outbox's rows in the SQLite backend (written with a
 * submission and a review, claimed, retried, delivered, dead).
 */
#include <check.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "conf.h"
#include "outbox.h"
#include "sha256.h"
#include "store.h"
#include "testutil.h"

static void
hmac_hex(const void *key, size_t klen, const void *data, size_t n,
    char out[65])
{
	unsigned char mac[32];

	md_hmac_sha256(key, klen, data, n, mac);
	md_hex(mac, sizeof mac, out);
}

/* RFC 4231, section 4: test cases 1 to 7. */
START_TEST(hmac_rfc4231)
{
	unsigned char key[131], data[50];
	char hex[65];

	memset(key, 0x0b, 20);
	hmac_hex(key, 20, "Hi There", 8, hex);
	ck_assert_str_eq(hex, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");

	hmac_hex("Jefe", 4, "what do ya want for nothing?", 28, hex);
	ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");

	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	hmac_hex(key, 20, data, 50, hex);
	ck_assert_str_eq(hex, "773ea91e36800e46854db8ebd09181a7"
	    "2959098b3ef8c122d9635514ced565fe");

	for (int i = 0; i < 25; i++)
		key[i] = (unsigned char)(i + 1);
	memset(data, 0xcd, 50);
	hmac_hex(key, 25, data, 50, hex);
	ck_assert_str_eq(hex, "82558a389a443c0ea4cc819899f2083a"
	    "85f0faa3e578f8077a2e3ff46729665b");

	/* Case 5 is truncated to 128 bits. */
	memset(key, 0x0c, 20);
	hmac_hex(key, 20, "Test With Truncation", 20, hex);
	ck_assert_int_eq(strncmp(hex, "a3b6167473100ee06e0c796c2955552b", 32),
	    0);

	/* Keys longer than the block are hashed first. */
	memset(key, 0xaa, 131);
	hmac_hex(key, 131, "Test Using Larger Than Block-Size Key - Hash Key "
	    "First", 54, hex);
	ck_assert_str_eq(hex, "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54");
	{
		const char *t = "This is a test using a larger than block-size "
		    "key and a larger than block-size data. The key needs to "
		    "be hashed before being used by the HMAC algorithm.";

		hmac_hex(key, 131, t, strlen(t), hex);
		ck_assert_str_eq(hex, "9b09ffa71b942fcb27635fbcd5b0e944"
		    "bfdc63644f0713938a7f51535c3a35e2");
	}
}
END_TEST

/* The signature is HMAC over "TIMESTAMP.BODY", as docs/API.md tells. */
START_TEST(signature)
{
	char sig[MD_OUTBOX_SIGLEN], hex[65];
	const char *body = "{\"a\":1}";

	md_outbox_sign("s3cret-s3cret-s3cret", "1700000000", body,
	    strlen(body), sig);
	hmac_hex("s3cret-s3cret-s3cret", 20, "1700000000.{\"a\":1}", 18, hex);
	ck_assert_int_eq(strncmp(sig, "sha256=", 7), 0);
	ck_assert_str_eq(sig + 7, hex);
	/* Another timestamp, another signature: a replay is told apart. */
	md_outbox_sign("s3cret-s3cret-s3cret", "1700000001", body,
	    strlen(body), sig);
	ck_assert_str_ne(sig + 7, hex);
}
END_TEST

START_TEST(addresses)
{
	static const char *const special[] = {
		"0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255",
		"100.64.0.1", "100.127.255.254", "127.0.0.1", "127.8.9.10",
		"169.254.169.254", "172.16.0.1", "172.31.255.255",
		"192.0.0.8", "192.0.2.1", "192.88.99.1", "192.168.1.1",
		"198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
		"224.0.0.1", "239.255.255.250", "240.0.0.1",
		"255.255.255.255",
		"::", "::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3",
		"::ffff:169.254.169.254", "::127.0.0.1", "64:ff9b::10.0.0.1",
		"64:ff9b:1::1", "100::1", "2001:db8::1", "2001::1",
		"2002:c0a8:0101::1", "fc00::1", "fd12:3456::1", "fe80::1",
		"febf::1", "fec0::1", "ff02::1",
	};
	static const char *const ordinary[] = {
		"1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.0",
		"172.15.255.255", "172.32.0.0", "192.167.1.1", "198.17.0.1",
		"223.255.255.255", "114.114.114.114",
		"2400:3200::1", "2001:4860:4860::8888", "::ffff:8.8.8.8",
		"64:ff9b::8.8.8.8", "2002:0808:0808::1",
	};
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	size_t i;

	for (i = 0; i < MD_NELEM(special); i++)
		ck_assert_msg(md_addr_special_text(special[i]) != NULL,
		    "%s should be special", special[i]);
	for (i = 0; i < MD_NELEM(ordinary); i++)
		ck_assert_msg(md_addr_special_text(ordinary[i]) == NULL,
		    "%s should be ordinary (%s)", ordinary[i],
		    md_addr_special_text(ordinary[i]));
	ck_assert_ptr_null(md_addr_special_text("example.org"));
	ck_assert_ptr_nonnull(strstr(md_addr_special_text("127.0.0.1"),
	    "loopback"));
	ck_assert_ptr_nonnull(strstr(md_addr_special_text("fe80::1"),
	    "link-local"));

	/* The form curl's open-socket callback sees. */
	memset(&s4, 0, sizeof s4);
	s4.sin_family = AF_INET;
	inet_pton(AF_INET, "192.168.0.10", &s4.sin_addr);
	ck_assert_ptr_nonnull(md_addr_special((struct sockaddr *)&s4));
	inet_pton(AF_INET, "93.184.216.34", &s4.sin_addr);
	ck_assert_ptr_null(md_addr_special((struct sockaddr *)&s4));
	memset(&s6, 0, sizeof s6);
	s6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:192.168.0.10", &s6.sin6_addr);
	ck_assert_ptr_nonnull(md_addr_special((struct sockaddr *)&s6));
	inet_pton(AF_INET6, "2606:2800:220:1::1", &s6.sin6_addr);
	ck_assert_ptr_null(md_addr_special((struct sockaddr *)&s6));
}
END_TEST

START_TEST(urls_and_hosts)
{
	struct md_error err = { 0 };
	struct md_platform_conf p = { 0 };
	char *hosts[] = { "cb.example.org", "*.hotline.example", "[::1]",
		"127.0.0.1" };
	char *host = NULL;

	ck_assert_int_eq(md_outbox_url_check("https://CB.Example.org:8443/x?y=1",
	    &host, &err), 0);
	ck_assert_str_eq(host, "cb.example.org");
	free(host);
	ck_assert_int_eq(md_outbox_url_check("http://[::1]:9/cb", &host, &err),
	    0);
	ck_assert_str_eq(host, "::1");
	free(host);
	ck_assert_int_ne(md_outbox_url_check("ftp://cb.example.org/", NULL,
	    &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "http"));
	md_error_clear(&err);
	ck_assert_int_ne(md_outbox_url_check("https://u:p@cb.example.org/",
	    NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "user"));
	md_error_clear(&err);
	ck_assert_int_ne(md_outbox_url_check("not a url", NULL, &err), 0);
	md_error_clear(&err);
	ck_assert_int_ne(md_outbox_url_check("cb.example.org/x", NULL, &err),
	    0);

	p.hosts = hosts;
	p.nhosts = MD_NELEM(hosts);
	ck_assert(md_outbox_host_allowed(&p, "cb.example.org"));
	ck_assert(md_outbox_host_allowed(&p, "CB.EXAMPLE.ORG"));
	ck_assert(!md_outbox_host_allowed(&p, "evil.cb.example.org"));
	ck_assert(!md_outbox_host_allowed(&p, "cb.example.org.evil"));
	ck_assert(md_outbox_host_allowed(&p, "a.hotline.example"));
	ck_assert(md_outbox_host_allowed(&p, "a.b.hotline.example"));
	/* The wildcard is for subdomains; the name itself is not in it. */
	ck_assert(!md_outbox_host_allowed(&p, "hotline.example"));
	ck_assert(!md_outbox_host_allowed(&p, "evilhotline.example"));
	ck_assert(md_outbox_host_allowed(&p, "::1"));
	ck_assert(md_outbox_host_allowed(&p, "127.0.0.1"));
	ck_assert(!md_outbox_host_allowed(&p, "127.0.0.2"));
}
END_TEST

START_TEST(backoff_and_ids)
{
	struct md_outbox_conf o = { .retry_first = 1000, .retry_max = 60000 };
	char a[37], b[37];

	ck_assert_int_eq(md_outbox_backoff(&o, 1, 0), 1000);
	ck_assert_int_eq(md_outbox_backoff(&o, 2, 0), 2000);
	ck_assert_int_eq(md_outbox_backoff(&o, 3, 0), 4000);
	ck_assert_int_eq(md_outbox_backoff(&o, 7, 0), 60000);
	ck_assert_int_eq(md_outbox_backoff(&o, 500, 0), 60000);
	/* Jitter takes off up to a half, never more. */
	ck_assert_int_eq(md_outbox_backoff(&o, 3, 0.5), 3000);
	ck_assert_int_ge(md_outbox_backoff(&o, 3, 0.999999), 2000);
	ck_assert_int_eq(md_outbox_backoff(&o, 3, 7), 4000);

	md_outbox_message_id(a);
	md_outbox_message_id(b);
	ck_assert_uint_eq(strlen(a), 36);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(a[8], '-');
	ck_assert_int_eq(a[14], '4');
	ck_assert_ptr_nonnull(strchr("89ab", a[19]));
}
END_TEST

START_TEST(routing_and_durations)
{
	char *regions[] = { "11", "3101" };
	char *cats[] = { "closure.lockdown" };
	struct md_webhook_conf w = { .min_severity = 4 };

	ck_assert(md_outbox_webhook_wants(&w, "testing.mass", 4, NULL));
	ck_assert(!md_outbox_webhook_wants(&w, "testing.mass", 3, NULL));
	w.regions = regions;
	w.nregions = 2;
	ck_assert(md_outbox_webhook_wants(&w, "testing.mass", 5, "110105"));
	ck_assert(md_outbox_webhook_wants(&w, "testing.mass", 5, "310115"));
	ck_assert(!md_outbox_webhook_wants(&w, "testing.mass", 5, "310200"));
	ck_assert(!md_outbox_webhook_wants(&w, "testing.mass", 5, NULL));
	w.categories = cats;
	w.ncategories = 1;
	ck_assert(!md_outbox_webhook_wants(&w, "testing.mass", 5, "110105"));
	ck_assert(md_outbox_webhook_wants(&w, "closure.lockdown", 5,
	    "110105"));

	ck_assert_int_eq(md_conf_duration("250ms"), 250);
	ck_assert_int_eq(md_conf_duration("30s"), 30000);
	ck_assert_int_eq(md_conf_duration("10m"), 600000);
	ck_assert_int_eq(md_conf_duration("2d"), 172800000);
	ck_assert_int_eq(md_conf_duration("2"), -1);
	ck_assert_int_eq(md_conf_duration("s"), -1);
	ck_assert_int_eq(md_conf_duration("-1s"), -1);
	ck_assert_int_eq(md_conf_duration("999999d"), -1);
}
END_TEST

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Rows come with their events, in the same transaction, and a refused
 * event leaves none. */
START_TEST(store_rows)
{
	const struct md_store_backend *b = &md_store_sqlite;
	struct md_error err = { 0 };
	struct md_store_conn *c;
	struct md_submission s = { 0 };
	char *dir = tu_tmpdir(), *path = md_xasprintf("%s/s.db", dir);
	json_t *out = NULL, *msgs, *m, *body;
	sqlite3 *db;
	int64_t id, flag;

	c = b->open(path, 1, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	s.platform = md_xstrdup("p1");
	s.external_id = md_xstrdup("e1");
	s.kind = md_xstrdup("complaint");
	s.text = md_xstrdup("t");
	s.region_code = md_xstrdup("110105");
	s.callback_url = md_xstrdup("http://127.0.0.1:9/cb");
	memset(s.fingerprint, 'f', 64);
	snprintf(s.date, sizeof s.date, "2022-11-20");
	s.date_source = md_xstrdup("text");
	tu_add_finding(&s, "closure.lockdown", "2022-11-11", "2.9", "九", "r",
	    5, "x");
	s.webhooks = json_pack("[{s:s, s:s, s:i}]", "webhook", "wg",
	    "url", "http://127.0.0.1:9/wh", "finding", 0);
	ck_assert_int_eq(b->begin(c, &err), 0);
	ck_assert_int_eq(b->submission_put(c, &s, &out, &err),
	    MD_STORE_CREATED);
	flag = s.findings[0].flag_id;
	/* A review refused by the workflow queues nothing. */
	ck_assert_int_eq(b->flag_review(c, flag, "escalate", "rev", "n",
	    "public", &out, &err), MD_STORE_CONFLICT);
	md_error_clear(&err);
	ck_assert_int_eq(b->flag_review(c, flag, "confirm", "rev", "internal",
	    "公开说明", &out, &err), MD_STORE_OK);
	json_decref(out);
	ck_assert_int_eq(b->flag_review(c, flag, "escalate", "rev", "n", NULL,
	    &out, &err), MD_STORE_OK);
	json_decref(out);
	ck_assert_int_eq(b->commit(c, &err), 0);

	ck_assert_int_eq(b->begin(c, &err), 0);
	ck_assert_int_eq(b->outbox_claim(c, now_ms(), 10, now_ms() + 60000,
	    &out, &err), MD_STORE_OK);
	ck_assert_int_eq(b->commit(c, &err), 0);
	/* The second callback of the flag waits for the first. */
	msgs = json_object_get(out, "messages");
	ck_assert_uint_eq(json_array_size(msgs), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(out, "pending")),
	    3);
	m = json_array_get(msgs, 0);
	ck_assert_str_eq(json_string_value(json_object_get(m, "kind")),
	    "webhook");
	ck_assert_int_eq(json_integer_value(json_object_get(m, "attempts")), 1);
	body = json_loads(json_string_value(json_object_get(m, "body")), 0,
	    NULL);
	ck_assert_str_eq(json_string_value(json_object_get(body, "type")),
	    "flag.created");
	ck_assert_str_eq(json_string_value(json_object_get(body, "message_id")),
	    json_string_value(json_object_get(m, "message_id")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    body, "flag"), "id")), flag);
	json_decref(body);
	m = json_array_get(msgs, 1);
	ck_assert_str_eq(json_string_value(json_object_get(m, "kind")),
	    "callback");
	ck_assert_str_eq(json_string_value(json_object_get(m, "receiver")),
	    "p1");
	ck_assert_str_eq(json_string_value(json_object_get(m, "url")),
	    "http://127.0.0.1:9/cb");
	body = json_loads(json_string_value(json_object_get(m, "body")), 0,
	    NULL);
	ck_assert_str_eq(json_string_value(json_object_get(body,
	    "public_note")), "公开说明");
	/* The reviewer's own note stays inside. */
	ck_assert_ptr_null(strstr(json_string_value(json_object_get(m,
	    "body")), "internal"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    body, "flag"), "status")), "confirmed");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    body, "flag"), "previous_status")), "open");
	ck_assert_str_eq(json_string_value(json_object_get(body,
	    "external_id")), "e1");
	json_decref(body);
	id = json_integer_value(json_object_get(m, "id"));
	json_decref(out);

	/* Claimed rows are leased: not due again at once. */
	ck_assert_int_eq(b->begin(c, &err), 0);
	ck_assert_int_eq(b->outbox_claim(c, now_ms(), 10, now_ms() + 60000,
	    &out, &err), MD_STORE_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(out, "messages")), 0);
	json_decref(out);
	ck_assert_int_eq(b->outbox_done(c, id, MD_OUTBOX_RETRY, "HTTP 500",
	    now_ms() - 1, &err), MD_STORE_OK);
	ck_assert_int_eq(b->outbox_done(c, id - 1, MD_OUTBOX_DELIVERED, NULL,
	    0, &err), MD_STORE_OK);
	/* Once delivered, nothing more is recorded on it. */
	ck_assert_int_eq(b->outbox_done(c, id - 1, MD_OUTBOX_DEAD, "x", 0,
	    &err), MD_STORE_NOTFOUND);
	ck_assert_int_eq(b->outbox_claim(c, now_ms(), 10, now_ms() + 60000,
	    &out, &err), MD_STORE_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(out, "messages")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    json_object_get(out, "messages"), 0), "attempts")), 2);
	json_decref(out);
	ck_assert_int_eq(b->outbox_done(c, id, MD_OUTBOX_DEAD, "HTTP 500", 0,
	    &err), MD_STORE_OK);
	/* The first is settled (dead): now the second goes. */
	ck_assert_int_eq(b->outbox_claim(c, now_ms(), 10, now_ms() + 60000,
	    &out, &err), MD_STORE_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(out, "messages")), 1);
	m = json_array_get(json_object_get(out, "messages"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "id")), id + 1);
	body = json_loads(json_string_value(json_object_get(m, "body")), 0,
	    NULL);
	ck_assert(json_is_null(json_object_get(body, "public_note")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    body, "flag"), "status")), "escalated");
	json_decref(body);
	json_decref(out);
	ck_assert_int_eq(b->commit(c, &err), 0);
	b->close(c);

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM outbox WHERE "
	    "delivered_at IS NOT NULL"), 1);
	ck_assert_int_eq(sql_int(db, "SELECT attempts FROM outbox WHERE "
	    "dead_at IS NOT NULL AND last_error = 'HTTP 500'"), 2);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM reviews WHERE "
	    "public_note = '公开说明'"), 1);
	sqlite3_close(db);
	md_submission_free(&s);
	free(path);
	tu_rmdir(dir);
}
END_TEST

static int
load(const char *dir, const char *body, struct md_conf *conf,
    struct md_error *err)
{
	char *path = tu_conf(dir, body);
	int rc;

	md_conf_free(conf);
	md_conf_defaults(conf);
	md_error_clear(err);
	rc = md_conf_load(conf, path, err);
	free(path);
	return rc;
}

/* The outbox's configuration, and its errors as file:line: what. */
START_TEST(config)
{
	struct md_conf conf = { 0 };
	struct md_error err = { 0 };
	char *dir = tu_tmpdir(), *sec = tu_write(dir, "wg.secret",
	    "from-a-file-0123456789\nignored\n");
	const struct md_webhook_conf *w;
	const struct md_platform_conf *p;

	ck_assert_msg(load(dir, "<outbox retry-first=\"250ms\" retry-max=\"1m\" "
	    "max-age=\"2h\" timeout=\"3s\" parallel=\"4\"/>\n"
	    "<webhook name=\"wg\" url=\"https://wg.example/x\" "
	    "secret-file=\"wg.secret\" min-severity=\"4\"><region>11</region>"
	    "<category>closure.school</category><region>3101</region>"
	    "</webhook>\n<platform name=\"hotline\" secret=\"0123456789abcdef\">"
	    "<callback-host>cb.example.org</callback-host></platform>", &conf,
	    &err) == 0, "%s", err.msg);
	ck_assert_int_eq(conf.outbox.retry_first, 250);
	ck_assert_int_eq(conf.outbox.retry_max, 60000);
	ck_assert_int_eq(conf.outbox.max_age, 7200000);
	ck_assert_int_eq(conf.outbox.timeout, 3000);
	ck_assert_int_eq(conf.outbox.parallel, 4);
	ck_assert_ptr_nonnull(w = md_conf_webhook(&conf, "wg"));
	ck_assert_str_eq(w->secret, "from-a-file-0123456789");
	ck_assert_int_eq(w->min_severity, 4);
	ck_assert_uint_eq(w->nregions, 2);
	ck_assert_uint_eq(w->ncategories, 1);
	ck_assert(w->allow_private);
	ck_assert_ptr_nonnull(p = md_conf_platform(&conf, "hotline"));
	ck_assert(!p->allow_private);
	ck_assert_uint_eq(p->nhosts, 1);
	ck_assert_ptr_null(md_conf_platform(&conf, "other"));

	ck_assert_int_ne(load(dir, "<webhook name=\"wg\" url=\"https://x/\" "
	    "secret-file=\"missing.secret\"/>", &conf, &err), 0);
	ck_assert_msg(strstr(err.msg, "measured.conf:3: secret-file="
	    "\"missing.secret\"") != NULL, "%s", err.msg);
	ck_assert_int_ne(load(dir, "<webhook name=\"wg\" url=\"https://x/\" "
	    "secret=\"0123456789abcdef\"/>\n<webhook name=\"wg\" "
	    "url=\"https://y/\" secret=\"0123456789abcdef\"/>", &conf, &err), 0);
	ck_assert_msg(strstr(err.msg, ":4: webhook wg is configured twice") !=
	    NULL, "%s", err.msg);
	ck_assert_int_ne(load(dir, "<outbox retry-first=\"1h\" "
	    "retry-max=\"1m\"/>", &conf, &err), 0);
	ck_assert_msg(strstr(err.msg, "retry-first (3600000ms) is longer") !=
	    NULL, "%s", err.msg);
	ck_assert_int_ne(load(dir, "<webhook name=\"wg\" url=\"https://u:p@x/\" "
	    "secret=\"0123456789abcdef\"/>", &conf, &err), 0);
	ck_assert_msg(strstr(err.msg, "user name or password") != NULL, "%s",
	    err.msg);
	/* The schema: a short secret, a bad duration, an ftp URL. */
	ck_assert_int_ne(load(dir, "<platform name=\"p\" secret=\"short\"/>",
	    &conf, &err), 0);
	ck_assert_int_ne(load(dir, "<outbox timeout=\"10 seconds\"/>", &conf,
	    &err), 0);
	ck_assert_int_ne(load(dir, "<webhook name=\"wg\" url=\"ftp://x/\" "
	    "secret=\"0123456789abcdef\"/>", &conf, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "measured.conf:3"));
	/* The report folder survives a <store> after it and is freed with
	 * the rest (a merge once put its free() in the <store> branch). */
	ck_assert_msg(load(dir, "<report public=\"yes\" folder=\"/srv/r\"/>\n"
	    "<store>sqlite:/srv/m.db</store>", &conf, &err) == 0, "%s",
	    err.msg);
	ck_assert_str_eq(conf.report_folder, "/srv/r");
	ck_assert_str_eq(conf.store, "sqlite:/srv/m.db");
	md_conf_free(&conf);
	free(sec);
	tu_rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("outbox");
	TCase *tc = tcase_create("outbox");

	suite_add_tcase(s, tc);
	tcase_add_test(tc, hmac_rfc4231);
	tcase_add_test(tc, signature);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, urls_and_hosts);
	tcase_add_test(tc, backoff_and_ids);
	tcase_add_test(tc, routing_and_durations);
	tcase_add_test(tc, store_rows);
	tcase_add_test(tc, config);
	return tu_run(s);
}
