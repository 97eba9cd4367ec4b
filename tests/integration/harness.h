/*
 * harness.h - starting the real measured daemon for integration tests and
 * talking HTTP to it with libcurl.
 *
 * The daemon listens on 127.0.0.1:0 (any free port) with a store in a
 * temporary directory; the harness learns the port from the daemon's own
 * sd_notify messages (READY=1, STATUS=serving on ADDR), so those are tested
 * too.  When MD_RUN is set (valgrind builds), the daemon runs under it and
 * a nonzero exit (leaks, errors) fails the test that stops it.
 */
#ifndef MD_HARNESS_H
#define MD_HARNESS_H

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "util.h"

#ifndef MD_TEST_BUILDDIR
#error MD_TEST_BUILDDIR must name the build tree
#endif

struct daemon {
	char dir[256];		/* temporary: the store, notify socket */
	char conf[300];		/* config file or "" */
	char store[300];
	char url[128];
	pid_t pid;
	int notify_fd;
	char notify_path[300];
};

struct resp {
	long status;
	char *body;
	size_t len;
	char *headers;
	size_t hlen;
	json_t *json;
};

static inline void
resp_free(struct resp *r)
{
	if (r == NULL)
		return;
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	free(r);
}

static inline double
h_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How long a daemon may take to start: longer under valgrind. */
static inline double
h_start_timeout(void)
{
	const char *run = getenv("MD_RUN");

	return run != NULL && *run != '\0' ? 120 : 30;
}

static inline void
h_init_dir(struct daemon *d)
{
	memset(d, 0, sizeof *d);
	snprintf(d->dir, sizeof d->dir, "/tmp/measured-it.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d->dir));
	snprintf(d->store, sizeof d->store, "sqlite:%s/measured.db", d->dir);
	d->pid = -1;
	d->notify_fd = -1;
}

/* Writes a config with body inside <measured> and uses it. */
static inline void
h_conf(struct daemon *d, const char *body)
{
	FILE *f;

	snprintf(d->conf, sizeof d->conf, "%s/measured.conf", d->dir);
	f = fopen(d->conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<measured xmlns=\"urn:measured:config:1\">\n%s\n</measured>\n",
	    body);
	fclose(f);
}

/* Runs `measured token add ...` on the daemon's store; the token. */
static inline char *
h_token(struct daemon *d, const char *role, const char *platform,
    const char *label)
{
	char cmd[1024], tok[128];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof cmd, "'%s/measured' -s '%s' token add --role %s "
	    "%s%s --name %s 2>/dev/null", MD_TEST_BUILDDIR, d->store, role,
	    platform ? "--platform " : "", platform ? platform : "", label);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(tok, sizeof tok, p));
	ck_assert_int_eq(pclose(p), 0);
	n = strlen(tok);
	while (n > 0 && tok[n - 1] == '\n')
		tok[--n] = '\0';
	ck_assert_int_eq((int)n, 47);
	return md_xstrdup(tok);
}

static inline int
h_measured(struct daemon *d, const char *args)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, "'%s/measured' -s '%s' %s >/dev/null "
	    "2>&1", MD_TEST_BUILDDIR, d->store, args);
	return system(cmd);
}

/* Waits for a notify datagram containing want; its text, or NULL. */
static inline int
h_notify_wait(struct daemon *d, const char *want, char *out, size_t outlen,
    double timeout)
{
	double end = h_now() + timeout;

	while (h_now() < end) {
		struct pollfd pfd = { d->notify_fd, POLLIN, 0 };
		char buf[1024];
		ssize_t n;
		int st;

		if (poll(&pfd, 1, 100) == 1) {
			n = recv(d->notify_fd, buf, sizeof buf - 1, 0);
			if (n > 0) {
				buf[n] = '\0';
				if (strstr(buf, want) != NULL) {
					if (out != NULL)
						snprintf(out, outlen, "%s", buf);
					return 0;
				}
			}
		}
		if (d->pid > 0 && waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = -1;
			return -1;
		}
	}
	return -1;
}

/* Starts the daemon; extra is more arguments (or NULL). */
static inline void
h_start(struct daemon *d, const char *extra)
{
	struct sockaddr_un sa;
	char msg[1024], *p, *e;
	const char *run = getenv("MD_RUN");

	if (d->notify_fd < 0) {
		snprintf(d->notify_path, sizeof d->notify_path, "%s/notify",
		    d->dir);
		d->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		ck_assert_int_ge(d->notify_fd, 0);
		memset(&sa, 0, sizeof sa);
		sa.sun_family = AF_UNIX;
		ck_assert_uint_lt(strlen(d->notify_path), sizeof sa.sun_path);
		memcpy(sa.sun_path, d->notify_path, strlen(d->notify_path));
		ck_assert_int_eq(bind(d->notify_fd, (struct sockaddr *)&sa,
		    sizeof sa), 0);
	}
	d->pid = fork();
	ck_assert_int_ge(d->pid, 0);
	if (d->pid == 0) {
		char cmd[2048], log[320];

		/* Never outlive a test that aborts. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		snprintf(log, sizeof log, "%s/daemon.log", d->dir);
		snprintf(cmd, sizeof cmd, "exec %s '%s/measured' %s%s%s -s '%s' "
		    "-l 127.0.0.1:0 %s 2>>'%s'", run ? run : "",
		    MD_TEST_BUILDDIR, d->conf[0] ? "-c '" : "", d->conf,
		    d->conf[0] ? "'" : "", d->store, extra ? extra : "", log);
		setenv("NOTIFY_SOCKET", d->notify_path, 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (h_notify_wait(d, "READY=1", msg, sizeof msg,
	    h_start_timeout()) != 0) {
		char cmd[400];

		snprintf(cmd, sizeof cmd, "cat '%s/daemon.log' >&2", d->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "(no log)\n");
		ck_abort_msg("the daemon did not become ready");
	}
	p = strstr(msg, "serving on ");
	ck_assert_ptr_nonnull(p);
	p += strlen("serving on ");
	e = strchr(p, '\n');
	snprintf(d->url, sizeof d->url, "http://%.*s", e ? (int)(e - p) :
	    (int)strlen(p), p);
}

/* SIGTERM and wait; the exit status (0 is a clean drain). */
static inline int
h_stop(struct daemon *d)
{
	int st;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	ck_assert_int_eq(waitpid(d->pid, &st, 0), d->pid);
	d->pid = -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char cmd[400];

		/* Show why: sanitizer or valgrind reports are in the log. */
		snprintf(cmd, sizeof cmd, "cat '%s/daemon.log' >&2", d->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "(no daemon log)\n");
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static inline void
h_kill(struct daemon *d)
{
	int st;

	kill(d->pid, SIGKILL);
	waitpid(d->pid, &st, 0);
	d->pid = -1;
}

static inline void
h_cleanup(struct daemon *d)
{
	char cmd[400];

	if (d->pid > 0)
		h_kill(d);
	if (d->notify_fd >= 0)
		close(d->notify_fd);
	d->notify_fd = -1;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d->dir);
}

static size_t
h_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct md_buf *b = arg;

	md_buf_add(b, p, size * n);
	return size * n;
}

/*
 * One request.  ctype NULL sends JSON when there is a body; token NULL
 * sends no Authorization.  extra_header may be NULL.
 */
static inline struct resp *
h_req_full(struct daemon *d, const char *method, const char *path,
    const char *token, const char *ctype, const char *body, size_t len,
    const char *extra_header)
{
	struct md_buf b = { 0 }, h = { 0 };
	struct curl_slist *hdrs = NULL;
	struct resp *r = md_xcalloc(1, sizeof *r);
	char url[512], line[512];
	CURL *c = curl_easy_init();
	CURLcode rc;

	ck_assert_ptr_nonnull(c);
	snprintf(url, sizeof url, "%s%s", d->url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, h_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, h_write_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (token != NULL) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", token);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (body != NULL) {
		snprintf(line, sizeof line, "Content-Type: %s",
		    ctype ? ctype : "application/json");
		hdrs = curl_slist_append(hdrs, line);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	}
	if (extra_header != NULL)
		hdrs = curl_slist_append(hdrs, extra_header);
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else
		r->status = -(long)rc;
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	md_buf_add(&b, "", 0);
	md_buf_add(&h, "", 0);
	r->body = b.data;
	r->len = b.len;
	r->headers = h.data;
	r->hlen = h.len;
	r->json = json_loadb(r->body, r->len, 0, NULL);
	return r;
}

static inline struct resp *
h_req(struct daemon *d, const char *method, const char *path,
    const char *token, const char *body)
{
	return h_req_full(d, method, path, token, NULL, body,
	    body ? strlen(body) : 0, NULL);
}

/* A response header's value (copied into out), or NULL. */
static inline const char *
h_header(const struct resp *r, const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name);
	const char *p = r->headers;

	while (p != NULL && *p != '\0') {
		const char *e = strstr(p, "\r\n");

		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			snprintf(out, outlen, "%.*s", (int)((e ? e : v +
			    strlen(v)) - v), v);
			return out;
		}
		p = e ? e + 2 : NULL;
	}
	return NULL;
}

/* Asserts the status, showing the body when it differs. */
#define h_expect(r, want) \
	ck_assert_msg((r)->status == (want), "HTTP %ld (wanted %d): %s", \
	    (r)->status, (want), (r)->body)

static inline const char *
h_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static inline long long
h_int(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* The value of a metric line "name{labels} value", or -1. */
static inline double
h_metric(struct daemon *d, const char *series)
{
	struct resp *r = h_req(d, "GET", "/metrics", NULL, NULL);
	const char *p = r->body;
	double v = -1;
	size_t n = strlen(series);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, series, n) == 0 && p[n] == ' ') {
			v = strtod(p + n + 1, NULL);
			break;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	resp_free(r);
	return v;
}

#endif /* MD_HARNESS_H */
