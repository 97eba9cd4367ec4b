/*
 * test_crash.c - nothing acknowledged is lost, nothing retried is doubled.
 *
 * Several clients submit at once; the daemon is killed with SIGKILL in
 * the middle of the stream and restarted on the same store.  Every
 * submission that was answered 201 or 200 must be there exactly once,
 * with the findings it was answered with; then every client retries all
 * of its submissions, and each is stored exactly once.
 *
 * Reloads and a drain while clients submit: requests are read and checked
 * on the worker thread with the runtime they started with, so SIGHUP must
 * not free an engine in use (the sanitizer and valgrind builds see it if
 * it does), and SIGTERM must answer everything it has taken in.
 */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

enum { CLIENTS = 6, EACH = 60 };

static const char *const texts[] = {
	"即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。",
	"各地要严格执行国家统一的防控政策，不得随意封校停课、停工停产。",
	"我们小区没有病例，却已经封了十天，大门被铁皮焊死，也没人说什么时候解封。",
	"全市所有进出通道一律关闭，车辆禁止通行，具体解除时间另行通知。",
	"我家孩子发烧，医院要求先出示24小时核酸阴性证明才给看急诊。",
};

struct outcome {
	long status;
	long long id;
	size_t nfindings;
};

struct client {
	struct daemon *d;
	const char *token;
	int no;
	struct outcome *out;
	volatile int *stop;
};

static char *
body_for(int client, int i)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:{s:s}}",
	    "external_id", "", "text", texts[(client + i) % MD_NELEM(texts)],
	    "occurred_at", "2022-11-20", "region", "code", "110105");
	char ext[32], *s;

	snprintf(ext, sizeof ext, "crash-%d-%d", client, i);
	json_object_set_new(o, "external_id", json_string(ext));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static void *
client_main(void *arg)
{
	struct client *c = arg;
	int i;

	for (i = 0; i < EACH && !*c->stop; i++) {
		char *body = body_for(c->no, i);
		struct resp *r = h_req(c->d, "POST", "/v1/submissions",
		    c->token, body);

		c->out[i].status = r->status;
		if (r->status == 200 || r->status == 201) {
			c->out[i].id = h_int(r->json, "id");
			c->out[i].nfindings = json_array_size(
			    json_object_get(r->json, "findings"));
		}
		resp_free(r);
		free(body);
		/* A refused connection means the daemon is gone: stop. */
		if (c->out[i].status < 0)
			break;
	}
	return NULL;
}

static int
count_stored(struct daemon *d, const char *token, int client, int i,
    long long *id, size_t *nfindings)
{
	char path[96];
	struct resp *r;
	json_t *arr;
	int n;

	snprintf(path, sizeof path, "/v1/submissions?external_id=crash-%d-%d",
	    client, i);
	r = h_req(d, "GET", path, token, NULL);
	if (r->status == 404) {
		resp_free(r);
		return 0;
	}
	h_expect(r, 200);
	arr = json_object_get(r->json, "submissions");
	n = (int)json_array_size(arr);
	if (n > 0) {
		*id = h_int(json_array_get(arr, 0), "id");
		*nfindings = json_array_size(json_object_get(json_array_get(arr,
		    0), "findings"));
	}
	resp_free(r);
	return n;
}

START_TEST(sigkill_mid_stream)
{
	static struct outcome out[CLIENTS][EACH];
	struct client cl[CLIENTS];
	pthread_t th[CLIENTS];
	struct daemon d;
	volatile int stop = 0;
	char *tok;
	int c, i, acked = 0, stored = 0;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	memset(out, 0, sizeof out);
	h_init_dir(&d);
	h_conf(&d, "<rate-limit per-second=\"0\"/>");
	tok = h_token(&d, "submitter", "hotline", "hotline");
	h_start(&d, NULL);
	for (c = 0; c < CLIENTS; c++) {
		cl[c].d = &d;
		cl[c].token = tok;
		cl[c].no = c;
		cl[c].out = out[c];
		cl[c].stop = &stop;
		ck_assert_int_eq(pthread_create(&th[c], NULL, client_main,
		    &cl[c]), 0);
	}
	/* Kill it once a good part of the stream has been answered.  The
	 * metric counts an answer when it is queued for sending, so up to
	 * one a client may not have reached its client yet. */
	while (h_metric(&d, "measured_http_requests_total"
	    "{route=\"/v1/submissions\",code=\"201\"}") <
	    CLIENTS * EACH / 4 + CLIENTS)
		usleep(5000);
	h_kill(&d);
	stop = 1;
	for (c = 0; c < CLIENTS; c++)
		pthread_join(th[c], NULL);

	h_start(&d, NULL);
	for (c = 0; c < CLIENTS; c++)
		for (i = 0; i < EACH; i++) {
			long long id = 0;
			size_t nf = 0;
			int n = count_stored(&d, tok, c, i, &id, &nf);

			ck_assert_msg(n <= 1, "crash-%d-%d stored %d times", c,
			    i, n);
			stored += n;
			if (out[c][i].status != 200 && out[c][i].status != 201)
				continue;
			acked++;
			ck_assert_msg(n == 1, "crash-%d-%d was answered %ld but "
			    "is not stored", c, i, out[c][i].status);
			ck_assert_int_eq(id, out[c][i].id);
			ck_assert_uint_eq(nf, out[c][i].nfindings);
		}
	ck_assert_int_ge(acked, CLIENTS * EACH / 4);
	/* Unanswered ones may or may not have been committed. */
	ck_assert_int_ge(stored, acked);

	/* Every client retries everything: each is stored exactly once. */
	for (c = 0; c < CLIENTS; c++)
		for (i = 0; i < EACH; i++) {
			char *body = body_for(c, i);
			struct resp *r = h_req(&d, "POST", "/v1/submissions",
			    tok, body);
			long long id = 0;
			size_t nf = 0;

			if (out[c][i].status == 200 || out[c][i].status == 201) {
				h_expect(r, 200);
				ck_assert_int_eq(h_int(r->json, "id"),
				    out[c][i].id);
			} else {
				ck_assert_msg(r->status == 200 ||
				    r->status == 201, "retry crash-%d-%d: %ld",
				    c, i, r->status);
			}
			resp_free(r);
			free(body);
			ck_assert_int_eq(count_stored(&d, tok, c, i, &id, &nf),
			    1);
		}
	ck_assert_int_eq(h_stop(&d), 0);
	h_cleanup(&d);
	free(tok);
	curl_global_cleanup();
}
END_TEST

/* What a client of the reload test saw. */
struct seen {
	long status;
	json_t *json;		/* the answer of a 201 */
};

struct rclient {
	struct daemon *d;
	const char *token;
	int no;
	struct seen *out;
	volatile int *stop;
};

static void *
rclient_main(void *arg)
{
	struct rclient *c = arg;
	int i;

	for (i = 0; i < EACH && !*c->stop; i++) {
		char *body = body_for(100 + c->no, i);
		struct resp *r;

		/* Every other request a check: it runs on the worker too. */
		if (i % 2 == 1) {
			r = h_req(c->d, "POST", "/v1/check", c->token,
			    "{\"text\":\"全市所有进出通道一律关闭，车辆禁止通"
			    "行。\",\"occurred_at\":\"2022-11-20\"}");
			ck_assert_msg(r->status == 200 || r->status == 503 ||
			    r->status < 0, "check: %ld %s", r->status,
			    r->body ? r->body : "");
			if (r->status == 200)
				ck_assert_uint_eq(json_array_size(
				    json_object_get(r->json, "findings")), 2);
			resp_free(r);
		}
		r = h_req(c->d, "POST", "/v1/submissions", c->token, body);
		c->out[i].status = r->status;
		if (r->status == 201) {
			c->out[i].json = r->json;
			r->json = NULL;
		}
		resp_free(r);
		free(body);
		if (c->out[i].status < 0)
			break;
	}
	return NULL;
}

START_TEST(reload_and_drain_mid_stream)
{
	static struct seen out[CLIENTS][EACH];
	struct rclient cl[CLIENTS];
	pthread_t th[CLIENTS];
	struct daemon d;
	volatile int stop = 0;
	char *tok;
	int c, i, reloads, created = 0;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	memset(out, 0, sizeof out);
	h_init_dir(&d);
	h_conf(&d, "<rate-limit per-second=\"0\"/>");
	tok = h_token(&d, "submitter", "hotline", "hotline");
	h_start(&d, NULL);
	for (c = 0; c < CLIENTS; c++) {
		cl[c].d = &d;
		cl[c].token = tok;
		cl[c].no = c;
		cl[c].out = out[c];
		cl[c].stop = &stop;
		ck_assert_int_eq(pthread_create(&th[c], NULL, rclient_main,
		    &cl[c]), 0);
	}
	/* Reload again and again while the clients submit and check; each
	 * reload is done when the daemon says so. */
	for (reloads = 1; reloads <= 8; reloads++) {
		char msg[1024];

		kill(d.pid, SIGHUP);
		ck_assert_int_eq(h_notify_wait(&d, "(reloaded)", msg,
		    sizeof msg, h_start_timeout()), 0);
	}
	ck_assert(h_metric(&d, "measured_reloads_total") == 8);
	/* Then drain with requests still coming. */
	while (h_metric(&d, "measured_http_requests_total"
	    "{route=\"/v1/submissions\",code=\"201\"}") < CLIENTS * EACH / 2)
		usleep(5000);
	ck_assert_int_eq(h_stop(&d), 0);
	stop = 1;
	for (c = 0; c < CLIENTS; c++)
		pthread_join(th[c], NULL);

	/* Every 201 is stored once, and reads back as it was answered. */
	h_start(&d, NULL);
	for (c = 0; c < CLIENTS; c++)
		for (i = 0; i < EACH; i++) {
			char path[64];
			struct resp *r;

			if (out[c][i].status <= 0)
				continue;
			ck_assert_msg(out[c][i].status == 201 ||
			    out[c][i].status == 503, "submission %d-%d: %ld",
			    c, i, out[c][i].status);
			if (out[c][i].status != 201)
				continue;
			created++;
			snprintf(path, sizeof path, "/v1/submissions/%lld",
			    h_int(out[c][i].json, "id"));
			r = h_req(&d, "GET", path, tok, NULL);
			h_expect(r, 200);
			ck_assert_msg(json_equal(r->json, out[c][i].json),
			    "%s reads back as %s", path, r->body);
			resp_free(r);
			json_decref(out[c][i].json);
		}
	ck_assert_int_ge(created, CLIENTS * EACH / 2);
	ck_assert_int_eq(h_stop(&d), 0);
	h_cleanup(&d);
	free(tok);
	curl_global_cleanup();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("crash");
	TCase *tc = tcase_create("sigkill");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, sigkill_mid_stream);
	tcase_add_test(tc, reload_and_drain_mid_stream);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
