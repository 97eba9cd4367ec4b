/*
 * daemon.c - `measured` as a daemon: startup, the listening socket,
 * SIGHUP reload, SIGTERM/SIGINT drain, sd_notify, detaching; and
 * `measured token`.
 *
 * Reload builds a whole new runtime (config, engine with its plugins and
 * rules, the /v1/measures and /v1/plugins answers) beside the old one and
 * swaps it in only when all of it loaded; on any failure the old runtime
 * stays and the reason is logged and counted.  Tokens are re-read from the
 * store on reload and every few seconds, off the event loop.
 *
 * Drain: stop accepting, answer what has been received (store jobs
 * finish and reply), then close the store and exit 0.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/http.h>

#include "cmd_measures.h"
#include "curlev.h"
#include "cmd_report.h"
#include "daemon.h"
#include "feed.h"
#include "outbox.h"
#include "rules.h"
#include "server.h"
#include "sha256.h"
#include "spool.h"

#define TOKEN_REFRESH_SECONDS 5

/* --- sd_notify ---------------------------------------------------------- */

void
md_notify(const char *fmt, ...)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	char msg[512];
	socklen_t len;
	va_list ap;
	int fd;

	if (path == NULL || *path == '\0')
		return;
	if ((path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof sa.sun_path)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* an abstract socket */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	/* Never wait on the event loop: a listener that reads no more (its
	 * queue full) loses a notice rather than hanging the daemon. */
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT,
	    (struct sockaddr *)&sa, len) < 0)
		md_log(4, "sd_notify: %s: %s", path, strerror(errno));
	close(fd);
}

static unsigned long long
monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull +
	    (unsigned long long)ts.tv_nsec / 1000ull;
}

/* --- tokens ------------------------------------------------------------- */

void
md_token_generate(char out[48])
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char r[33];
	size_t got = 0;
	int fd, i;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		md_fatal("/dev/urandom: %s", strerror(errno));
	while (got < sizeof r) {
		ssize_t n = read(fd, r + got, sizeof r - got);

		if (n <= 0 && errno != EINTR)
			md_fatal("/dev/urandom: %s", strerror(errno));
		if (n > 0)
			got += (size_t)n;
	}
	close(fd);
	memcpy(out, "mdt_", 4);
	/* 32 random bytes (256 bits) as 43 base64url characters. */
	for (i = 0; i < 43; i++) {
		int bit = i * 6, byte = bit / 8, shift = bit % 8;
		unsigned v = ((unsigned)r[byte] << 8 | r[byte + 1]) >>
		    (10 - shift);

		out[4 + i] = b64[v & 63];
	}
	out[47] = '\0';
}

static int
cmp_principal(const void *a, const void *b)
{
	return strcmp(((const struct md_principal *)a)->t.hash,
	    ((const struct md_principal *)b)->t.hash);
}

/* Takes over t[0..n); keeps the rate-limit buckets of tokens still
 * there. */
void
md_server_replace_tokens(struct md_server *srv, struct md_token *t, size_t n)
{
	struct md_principal *who = md_xcalloc(n ? n : 1, sizeof *who);
	size_t i;

	for (i = 0; i < n; i++) {
		struct md_principal *old = NULL;
		size_t k;

		who[i].t = t[i];
		for (k = 0; k < srv->nwho; k++)
			if (strcmp(srv->who[k].t.hash, t[i].hash) == 0) {
				old = &srv->who[k];
				break;
			}
		if (old != NULL) {
			who[i].tokens = old->tokens;
			who[i].refilled = old->refilled;
		} else {
			who[i].tokens = srv->rt ? srv->rt->conf.burst : 1;
			who[i].refilled = md_mono();
		}
	}
	free(t);
	qsort(who, n, sizeof *who, cmp_principal);
	for (i = 0; i < srv->nwho; i++)
		md_token_free(&srv->who[i].t);
	free(srv->who);
	srv->who = who;
	srv->nwho = n;
	srv->tokens_loaded = 1;
}

struct token_job {
	struct md_job job;
	struct md_server *srv;
	struct md_token *t;
	size_t n;
};

static int
job_tokens(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct token_job *tj = (struct token_job *)j;

	return b->tokens_list(c, &tj->t, &tj->n, &j->err);
}

static void
done_tokens(struct md_job *j)
{
	struct token_job *tj = (struct token_job *)j;

	tj->srv->token_refreshing = 0;
	if (j->rc == MD_STORE_OK)
		md_server_replace_tokens(tj->srv, tj->t, tj->n);
	else
		md_log(3, "cannot re-read tokens: %s (the ones known stay)",
		    j->err.msg);
	free(tj);
}

void
md_server_refresh_tokens(struct md_server *srv)
{
	struct token_job *tj;

	if (srv->token_refreshing || srv->draining)
		return;
	tj = md_xcalloc(1, sizeof *tj);
	tj->srv = srv;
	tj->job.run = job_tokens;
	tj->job.done = done_tokens;
	tj->job.arg = tj;
	srv->token_refreshing = 1;
	md_store_read(srv->store, &tj->job);
}

static void
on_token_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	md_server_refresh_tokens(arg);
}

/* --- the runtime -------------------------------------------------------- */

static json_t *
plugins_json(const struct md_engine *e)
{
	json_t *arr = json_array();
	struct md_plugin_info pi;
	size_t i, k;

	for (i = 0; md_engine_plugin(e, i, &pi) == 0; i++) {
		json_t *cats = json_array(), *rules = json_array(), *o;

		for (k = 0; pi.categories[k] != NULL; k++)
			json_array_append_new(cats,
			    json_string(pi.categories[k]));
		o = json_pack("{s:s, s:s, s:s, s:b, s:o}", "name", pi.name,
		    "version", pi.version ? pi.version : "", "file", pi.path,
		    "usable", pi.usable, "categories", cats);
		if (pi.pack != NULL) {
			struct md_error err = { 0 };
			char hex[65] = "";
			size_t len;
			char *buf = md_read_file(pi.pack->file, &len,
			    64u << 20, &err);

			if (buf != NULL) {
				md_sha256_hex(buf, len, hex);
				free(buf);
			}
			for (k = 0; k < pi.pack->nrules; k++) {
				const struct md_rule *r = &pi.pack->rules[k];

				json_array_append_new(rules, json_pack("{s:s, "
				    "s:s, s:i}", "id", r->id, "category",
				    r->category, "severity", r->severity));
			}
			json_object_set_new(o, "rule_file", json_pack("{s:s, "
			    "s:s}", "path", pi.pack->file, "sha256", hex));
		} else {
			json_object_set_new(o, "rule_file", json_null());
		}
		json_object_set_new(o, "rules", rules);
		json_array_append_new(arr, o);
	}
	return json_pack("{s:o}", "plugins", arr);
}

/* Config (with the command line's overrides over it) and an engine. */
static int
load_conf(struct md_conf *conf, const char *path, const char *listen,
    const char *store, struct md_error *err)
{
	md_conf_defaults(conf);
	if (path != NULL && md_conf_load(conf, path, err) != 0) {
		md_conf_free(conf);
		return -1;
	}
	if (listen != NULL) {
		free(conf->listen);
		conf->listen = md_xstrdup(listen);
	}
	if (store != NULL) {
		free(conf->store);
		conf->store = md_xstrdup(store);
	}
	return 0;
}

struct md_runtime *
md_runtime_build(struct md_server *srv, struct md_error *err)
{
	struct md_runtime *rt = md_xcalloc(1, sizeof *rt);

	if (load_conf(&rt->conf, srv->conf_path, srv->listen_override,
	    srv->store_override, err) != 0) {
		free(rt);
		return NULL;
	}
	if ((rt->engine = md_engine_new(&rt->conf, err)) == NULL) {
		md_runtime_free(rt);
		return NULL;
	}
	rt->measures = md_measures_json(md_engine_catalog(rt->engine), NULL);
	rt->plugins = plugins_json(rt->engine);
	return rt;
}

void
md_runtime_free(struct md_runtime *rt)
{
	if (rt == NULL)
		return;
	if (rt->engine != NULL)
		md_engine_free(rt->engine);
	json_decref(rt->measures);
	json_decref(rt->plugins);
	md_conf_free(&rt->conf);
	free(rt);
}

static void
reload(struct md_server *srv)
{
	struct md_error err = { 0 };
	struct md_runtime *rt;

	md_notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
	    monotonic_usec());
	md_log(5, "reloading %s", srv->conf_path ? srv->conf_path :
	    "the embedded defaults");
	rt = md_runtime_build(srv, &err);
	if (rt == NULL) {
		srv->m.reload_failures++;
		snprintf(srv->m.last_reload_error,
		    sizeof srv->m.last_reload_error, "%.250s", err.msg);
		md_log(3, "reload failed, the previous configuration stays in "
		    "force: %s", err.msg);
		md_notify("READY=1\nSTATUS=reload failed: %.200s; serving on %s "
		    "with the previous configuration", err.msg, srv->listen);
		return;
	}
	if (strcmp(rt->conf.listen, srv->rt->conf.listen) != 0 ||
	    strcmp(rt->conf.store, srv->rt->conf.store) != 0)
		md_log(4, "reload: a new listen address or store takes effect "
		    "only on restart; still %s and %s", srv->listen,
		    srv->store_spec);
	md_runtime_free(srv->rt);
	srv->rt = rt;
	md_http_apply_limits(srv);
	srv->m.reloads++;
	srv->m.last_reload_ok = (double)time(NULL);
	md_server_refresh_tokens(srv);
	md_feeds_configure(srv->feeds, &rt->conf);
	md_spools_configure(srv->spools, &rt->conf);
	md_log(5, "reloaded: %zu plugins, %zu rules",
	    md_engine_nplugins(rt->engine), md_engine_nrules(rt->engine));
	md_notify("READY=1\nSTATUS=serving on %s (reloaded)", srv->listen);
}

/* --- listening ---------------------------------------------------------- */

/* "ADDRESS:PORT" or "[V6]:PORT" into its parts. */
static int
split_listen(const char *spec, char *host, size_t hostlen,
    unsigned short *port, struct md_error *err)
{
	const char *colon;
	char *end;
	unsigned long p;
	size_t n;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		n = (size_t)(close - spec - 1);
		colon = close + 1;
		spec++;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL)
			goto bad;
		n = (size_t)(colon - spec);
	}
	if (n == 0 || n >= hostlen)
		goto bad;
	memcpy(host, spec, n);
	host[n] = '\0';
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p > 65535)
		goto bad;
	*port = (unsigned short)p;
	return 0;
bad:
	md_error_set(err, "listen address \"%s\": expected ADDRESS:PORT, such "
	    "as 127.0.0.1:8080 or [::1]:8080", spec);
	return -1;
}

static int
bind_listen(struct md_server *srv, struct md_error *err)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	unsigned short port;
	char host[256], addr[INET6_ADDRSTRLEN];

	if (split_listen(srv->rt->conf.listen, host, sizeof host, &port,
	    err) != 0)
		return -1;
	srv->sock = evhttp_bind_socket_with_handle(srv->http, host, port);
	if (srv->sock == NULL) {
		md_error_set(err, "cannot listen on %s: %s",
		    srv->rt->conf.listen, strerror(errno));
		return -1;
	}
	/* Port 0 asks for any free port: say which one we got. */
	if (getsockname(evhttp_bound_socket_get_fd(srv->sock),
	    (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof addr);
			snprintf(srv->listen, sizeof srv->listen, "[%s]:%u",
			    addr, ntohs(s6->sin6_port));
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof addr);
			snprintf(srv->listen, sizeof srv->listen, "%s:%u",
			    addr, ntohs(s4->sin_port));
		}
	} else {
		snprintf(srv->listen, sizeof srv->listen, "%s",
		    srv->rt->conf.listen);
	}
	return 0;
}

int
md_daemon_check_conf(const char *conf_path, const char *listen,
    const char *store, struct md_error *err)
{
	struct md_conf conf;
	unsigned short port;
	const char *loc;
	char host[256];
	int rc = 0;

	if (load_conf(&conf, conf_path, listen, store, err) != 0)
		return -1;
	if (split_listen(conf.listen, host, sizeof host, &port, err) != 0 ||
	    md_store_backend_find(conf.store, &loc, err) == NULL)
		rc = -1;
	md_conf_free(&conf);
	return rc;
}

/* --- signals and drain -------------------------------------------------- */

static void
check_drained(evutil_socket_t fd, short what, void *arg)
{
	struct md_server *srv = arg;

	(void)fd;
	(void)what;
	if (md_store_pending(srv->store) == 0)
		event_base_loopexit(srv->base, NULL);
}

static void
drain(struct md_server *srv, int sig)
{
	struct timeval tv = { 0, 20000 };

	if (srv->draining)
		return;
	srv->draining = 1;
	md_log(5, "%s: draining: no new connections; answering what is in "
	    "flight", sig == SIGINT ? "SIGINT" : "SIGTERM");
	md_notify("STOPPING=1\nSTATUS=draining");
	if (srv->sock != NULL) {
		evhttp_del_accept_socket(srv->http, srv->sock);
		srv->sock = NULL;
	}
	event_del(srv->token_timer);
	md_report_writer_stop(srv);
	/* No new polls or spool files; what they queued is finished. */
	md_feeds_stop(srv->feeds);
	md_spools_stop(srv->spools);
	/* Transfers in flight are cut off; their messages stay due and go
	 * out again, with the same message id, after a restart. */
	md_outbox_stop(srv->outbox);
	srv->drain_timer = event_new(srv->base, -1, EV_PERSIST, check_drained,
	    srv);
	event_add(srv->drain_timer, &tv);
	check_drained(-1, 0, srv);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	if (sig == SIGHUP)
		reload(arg);
	else
		drain(arg, (int)sig);
}

/* libevent's own messages, through our logger. */
static void
event_log(int severity, const char *msg)
{
	int prio = severity == EVENT_LOG_DEBUG ? 7 : severity ==
	    EVENT_LOG_MSG ? 6 : severity == EVENT_LOG_WARN ? 4 : 3;

	md_log(prio, "libevent: %s", msg);
}

/* Forks; the parent waits for the child to say it is serving. */
static int
detach(int *ready_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p) != 0)
		md_fatal("pipe: %s", strerror(errno));
	if ((pid = fork()) < 0)
		md_fatal("fork: %s", strerror(errno));
	if (pid > 0) {
		close(p[1]);
		/* The child writes one byte when it serves, or exits. */
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		md_fatal("setsid: %s", strerror(errno));
	*ready_fd = p[1];
	return 0;
}

static void
quiet_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		if (fd > 2)
			close(fd);
	}
}

/* The directory of a sqlite store, created when missing. */
static void
ensure_store_dir(const char *spec)
{
	const struct md_store_backend *b;
	const char *loc;
	char *dir, *slash;

	if ((b = md_store_backend_find(spec, &loc, NULL)) == NULL ||
	    b != &md_store_sqlite)
		return;
	dir = md_xstrdup(loc);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST)
			md_log(4, "cannot create %s: %s", dir, strerror(errno));
	}
	free(dir);
}

static int
load_tokens_now(struct md_server *srv, struct md_error *err)
{
	const struct md_store_backend *b;
	struct md_store_conn *c;
	struct md_token *t = NULL;
	const char *loc;
	size_t n = 0;
	int rc;

	if ((b = md_store_backend_find(srv->store_spec, &loc, err)) == NULL ||
	    (c = b->open(loc, 0, err)) == NULL)
		return -1;
	rc = b->tokens_list(c, &t, &n, err);
	b->close(c);
	if (rc != MD_STORE_OK)
		return -1;
	md_server_replace_tokens(srv, t, n);
	return 0;
}

int
md_daemon_main(const char *conf_path, const char *listen,
    const char *store, int detached)
{
	struct md_server srv;
	struct md_error err = { 0 };
	struct event *sigs[3];
	struct timeval refresh = { TOKEN_REFRESH_SECONDS, 0 };
	int ready_fd = -1, i, valid = 0, curl_inited = 0;
	size_t k;

	memset(&srv, 0, sizeof srv);
	umask(027);	/* the store holds personal data */
	srv.conf_path = conf_path;
	srv.listen_override = listen;
	srv.store_override = store;
	signal(SIGPIPE, SIG_IGN);
	event_set_log_callback(event_log);

	/* Everything that can be wrong is found before we fork or listen. */
	if ((srv.rt = md_runtime_build(&srv, &err)) == NULL) {
		md_log(3, "%s", err.msg);
		return 1;
	}
	snprintf(srv.store_spec, sizeof srv.store_spec, "%s",
	    srv.rt->conf.store);
	if (detached)
		detach(&ready_fd);

	{
		/*
		 * evhttp turns a connection's read and write interest on and
		 * off several times a request; with the changelist, epoll
		 * hears only the net change of each loop pass (the daemon
		 * never dup()s a socket it watches).
		 */
		struct event_config *cfg = event_config_new();

		if (cfg != NULL) {
			event_config_set_flag(cfg,
			    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
			srv.base = event_base_new_with_config(cfg);
			event_config_free(cfg);
		}
	}
	srv.http = evhttp_new(srv.base);
	if (srv.base == NULL || srv.http == NULL)
		md_fatal("cannot create the event loop");
	ensure_store_dir(srv.store_spec);
	if ((srv.store = md_store_open(srv.store_spec, srv.base, &err)) ==
	    NULL || load_tokens_now(&srv, &err) != 0) {
		md_log(3, "%s", err.msg);
		goto out;
	}
	if (md_report_writer_start(&srv, &err) != 0) {
		md_log(3, "%s", err.msg);
		goto out;
	}
	md_http_setup(&srv);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		md_error_set(&err, "cannot start libcurl");
		md_log(3, "%s", err.msg);
		goto out;
	}
	curl_inited = 1;
	if ((srv.curl = md_curlev_new(srv.base, &err)) == NULL) {
		md_error_set(&err, "cannot start libcurl");
		md_log(3, "%s", err.msg);
		goto out;
	}
	srv.feeds = md_feeds_new(&srv);
	srv.spools = md_spools_new(&srv);
	/* The outbox has its own curl glue: drain cancels its transfers
	 * alone. */
	if ((srv.outbox = md_outbox_new(&srv, &err)) == NULL) {
		md_log(3, "%s", err.msg);
		goto out;
	}
	if (bind_listen(&srv, &err) != 0) {
		md_log(3, "%s", err.msg);
		goto out;
	}
	sigs[0] = evsignal_new(srv.base, SIGHUP, on_signal, &srv);
	sigs[1] = evsignal_new(srv.base, SIGTERM, on_signal, &srv);
	sigs[2] = evsignal_new(srv.base, SIGINT, on_signal, &srv);
	for (i = 0; i < 3; i++)
		event_add(sigs[i], NULL);
	srv.token_timer = event_new(srv.base, -1, EV_PERSIST, on_token_timer,
	    &srv);
	event_add(srv.token_timer, &refresh);
	md_feeds_configure(srv.feeds, &srv.rt->conf);
	md_spools_configure(srv.spools, &srv.rt->conf);

	for (k = 0; k < srv.nwho; k++)
		valid += srv.who[k].t.revoked_at == NULL;
	md_log(5, "measured %s serving on http://%s (store %s; %zu plugins, "
	    "%zu rules; %d tokens)", PACKAGE_VERSION, srv.listen,
	    srv.store_spec, md_engine_nplugins(srv.rt->engine),
	    md_engine_nrules(srv.rt->engine), valid);
	if (valid == 0)
		md_log(4, "no tokens yet: every API request will get 401; "
		    "create one with `measured token add`");
	md_notify("READY=1\nSTATUS=serving on %s\nMAINPID=%ld", srv.listen,
	    (long)getpid());
	if (ready_fd >= 0) {
		char c = 1;

		quiet_stdio();
		if (write(ready_fd, &c, 1) != 1)
			md_log(4, "cannot tell the parent we are ready");
		close(ready_fd);
		ready_fd = -1;
	}

	event_base_dispatch(srv.base);

	md_log(5, "drained; closing the store");
	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	event_free(srv.token_timer);
	if (srv.drain_timer != NULL)
		event_free(srv.drain_timer);
	evhttp_free(srv.http);
	srv.http = NULL;
	md_feeds_stop(srv.feeds);
	md_spools_stop(srv.spools);
	md_curlev_free(srv.curl);
	srv.curl = NULL;
	md_store_close(srv.store);
	srv.store = NULL;
	md_outbox_free(srv.outbox);
	srv.outbox = NULL;
	md_log(5, "stopped");
out:
	if (srv.http != NULL)
		evhttp_free(srv.http);
	md_report_writer_stop(&srv);
	md_feeds_stop(srv.feeds);
	md_spools_stop(srv.spools);
	md_outbox_stop(srv.outbox);
	md_curlev_free(srv.curl);
	if (srv.store != NULL)
		md_store_close(srv.store);
	/* After the store: its jobs' done callbacks hold them. */
	md_feeds_free(srv.feeds);
	md_spools_free(srv.spools);
	md_outbox_free(srv.outbox);
	md_report_writer_free(&srv);
	md_http_free(&srv);
	event_base_free(srv.base);
	md_runtime_free(srv.rt);
	for (k = 0; k < srv.nwho; k++)
		md_token_free(&srv.who[k].t);
	free(srv.who);
	md_metrics_free(&srv.m);
	/* After everything of curl's is gone. */
	if (curl_inited)
		curl_global_cleanup();
	libevent_global_shutdown();
	return err.set ? 1 : 0;
}

/* --- measured token ----------------------------------------------------- */

static void
token_usage(FILE *out)
{
	fprintf(out,
	    "usage: measured [-c FILE] [-s STORE] token add --role submitter "
	    "--platform NAME --name LABEL\n"
	    "       measured [-c FILE] [-s STORE] token add --role reviewer|admin "
	    "--name LABEL\n"
	    "       measured [-c FILE] [-s STORE] token list\n"
	    "       measured [-c FILE] [-s STORE] token revoke LABEL\n");
}

static int
label_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    strchr("._-@", s[i])))
			return 0;
	return 1;
}

int
md_token_main(int argc, char **argv, const char *conf_path,
    const char *store)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "platform", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct md_store_backend *b;
	struct md_store_conn *c = NULL;
	struct md_error err = { 0 };
	struct md_conf conf;
	const char *role = NULL, *platform = NULL, *name = NULL, *cmd, *loc;
	int ch, rc = 1;

	if (argc < 2) {
		token_usage(stderr);
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': role = optarg; break;
		case 'p': platform = optarg; break;
		case 'n': name = optarg; break;
		case 'h': token_usage(stdout); return 0;
		default: token_usage(stderr); return 2;
		}
	}
	if (strcmp(cmd, "add") == 0) {
		if (role == NULL || name == NULL || optind != argc) {
			token_usage(stderr);
			return 2;
		}
		if (strcmp(role, "submitter") != 0 &&
		    strcmp(role, "reviewer") != 0 && strcmp(role, "admin") != 0) {
			fprintf(stderr, "measured token: --role must be "
			    "submitter, reviewer or admin\n");
			return 2;
		}
		if ((strcmp(role, "submitter") == 0) != (platform != NULL)) {
			fprintf(stderr, "measured token: --platform NAME is "
			    "required for a submitter and only for one\n");
			return 2;
		}
		if (!label_valid(name) || (platform && !label_valid(platform))) {
			fprintf(stderr, "measured token: labels and platform "
			    "names are 1 to 64 of A-Z a-z 0-9 . _ - @\n");
			return 2;
		}
	} else if (strcmp(cmd, "revoke") == 0) {
		if (optind + 1 != argc) {
			token_usage(stderr);
			return 2;
		}
		name = argv[optind];
	} else if (strcmp(cmd, "list") != 0 || optind != argc) {
		token_usage(stderr);
		return 2;
	}

	if (load_conf(&conf, conf_path, NULL, store, &err) != 0) {
		fprintf(stderr, "measured: %s\n", err.msg);
		return 1;
	}
	umask(027);
	ensure_store_dir(conf.store);
	if ((b = md_store_backend_find(conf.store, &loc, &err)) == NULL ||
	    (c = b->open(loc, 1, &err)) == NULL) {
		fprintf(stderr, "measured: %s\n", err.msg);
		md_conf_free(&conf);
		return 1;
	}
	if (strcmp(cmd, "add") == 0) {
		struct md_token t = { 0 };
		char tok[48];

		md_token_generate(tok);
		md_sha256_hex(tok, strlen(tok), t.hash);
		t.label = (char *)name;
		t.role = (char *)role;
		t.platform = (char *)platform;
		if (b->begin(c, &err) == 0 &&
		    (rc = b->token_add(c, &t, &err)) == MD_STORE_CREATED &&
		    b->commit(c, &err) == 0) {
			/* The token itself, once, alone on stdout. */
			printf("%s\n", tok);
			fprintf(stderr, "measured: token \"%s\" (%s%s%s) added "
			    "to %s; only its hash is stored, so keep it now\n",
			    name, role, platform ? ", platform " : "",
			    platform ? platform : "", conf.store);
			rc = 0;
		} else {
			b->rollback(c);
			fprintf(stderr, "measured token: %s\n", err.msg);
			rc = 1;
		}
		memset(tok, 0, sizeof tok);
	} else if (strcmp(cmd, "revoke") == 0) {
		if (b->begin(c, &err) == 0 &&
		    b->token_revoke(c, name, &err) == MD_STORE_OK &&
		    b->commit(c, &err) == 0) {
			fprintf(stderr, "measured: token \"%s\" revoked; a running "
			    "daemon refuses it within %d seconds\n", name,
			    TOKEN_REFRESH_SECONDS);
			rc = 0;
		} else {
			b->rollback(c);
			fprintf(stderr, "measured token: %s\n", err.msg);
			rc = 1;
		}
	} else {
		struct md_token *t = NULL;
		size_t n = 0, i;

		if (b->tokens_list(c, &t, &n, &err) != MD_STORE_OK) {
			fprintf(stderr, "measured token: %s\n", err.msg);
		} else {
			printf("%-24s %-10s %-20s %-26s %s\n", "LABEL", "ROLE",
			    "PLATFORM", "CREATED", "REVOKED");
			for (i = 0; i < n; i++) {
				printf("%-24s %-10s %-20s %-26s %s\n",
				    t[i].label, t[i].role, t[i].platform ?
				    t[i].platform : "-", t[i].created_at,
				    t[i].revoked_at ? t[i].revoked_at : "-");
				md_token_free(&t[i]);
			}
			free(t);
			rc = 0;
		}
	}
	b->close(c);
	md_conf_free(&conf);
	return rc;
}
