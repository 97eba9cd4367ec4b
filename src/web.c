/*
 * web.c - the reviewers' web UI: the static files of <web-dir> served at
 * "/" (index.html, app.js, app.css ...), plain files with no build step.
 *
 * What may be served is narrow on purpose.  A request names one file
 * directly in the folder ("/" is index.html): a name of letters, digits,
 * "_", "-" and ".", not starting with ".", with a known extension.  No
 * "/", "%" or ".." gets past that, so no path leaves the folder and no
 * listing exists.  The file is opened with O_NOFOLLOW relative to the
 * folder and must be a regular file.  Everything is sent with a strict
 * Content-Security-Policy (everything from this origin only, no inline
 * script or style) and an ETag, so browsers revalidate cheaply and see a
 * new UI as soon as it is installed.
 *
 * The files are small (a few tens of KB) and local; they are read whole
 * on the event loop, which waits on nothing but the page cache.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "reply.h"
#include "server.h"
#include "web.h"

/* Larger than any file of the UI; a guard against serving a huge file
 * someone dropped into the folder. */
#define WEB_MAX_FILE (8u * 1024u * 1024u)

const char md_web_csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".woff2", "font/woff2" },
};

/* The file name a path asks for, or NULL when it names nothing servable. */
const char *
md_web_name(const char *path)
{
	const char *name, *p;

	if (path == NULL || path[0] != '/')
		return NULL;
	name = path[1] == '\0' ? "index.html" : path + 1;
	if (name[0] == '.' || strlen(name) > 64)
		return NULL;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.'))
			return NULL;
	if (strstr(name, "..") != NULL || md_web_type(name) == NULL)
		return NULL;
	return name;
}

const char *
md_web_type(const char *name)
{
	size_t n = strlen(name), i;

	for (i = 0; i < MD_NELEM(types); i++) {
		size_t k = strlen(types[i].ext);

		if (n > k && strcmp(name + n - k, types[i].ext) == 0)
			return types[i].type;
	}
	return NULL;
}

/* Appends the size bytes of fd to out; -1 with errno on a read error or
 * a file that changed size under us. */
static int
read_into(struct evbuffer *out, int fd, size_t size)
{
	char buf[16384];
	size_t got = 0;
	ssize_t n;

	while (got < size) {
		n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		evbuffer_add(out, buf, (size_t)n);
		got += (size_t)n;
	}
	return 0;
}

/* Whether the request's If-None-Match lists etag. */
static int
etag_matches(struct evhttp_request *r, const char *etag)
{
	const char *inm = evhttp_find_header(
	    evhttp_request_get_input_headers(r), "If-None-Match");

	return inm != NULL && (strstr(inm, etag) != NULL ||
	    strcmp(inm, "*") == 0);
}

int
md_web_serve(struct md_server *srv, struct evhttp_request *r,
    const char *path)
{
	const char *dir = srv->rt->conf.web_dir, *name, *type;
	struct evkeyvalq *h = evhttp_request_get_output_headers(r);
	struct stat st;
	char etag[64];
	int dfd = -1, fd = -1;

	if (dir == NULL || (name = md_web_name(path)) == NULL)
		return 404;
	type = md_web_type(name);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		md_log(4, "web: %s: %s", dir, strerror(errno));
		return 404;
	}
	/* O_NONBLOCK: opening a FIFO planted here must not wait for a
	 * writer (fstat refuses it next); reads of regular files ignore it. */
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	close(dfd);
	if (fd < 0)
		return 404;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uintmax_t)st.st_size > WEB_MAX_FILE) {
		close(fd);
		return 404;
	}
	snprintf(etag, sizeof etag, "\"%jx-%jx\"", (uintmax_t)st.st_size,
	    (uintmax_t)st.st_mtim.tv_sec * 1000u +
	    (uintmax_t)st.st_mtim.tv_nsec / 1000000u);
	evhttp_add_header(h, "Content-Security-Policy", md_web_csp);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	/* Always revalidate: a 304 is cheap, and a reviewer never runs an
	 * old app.js against a newer daemon. */
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "ETag", etag);
	if (etag_matches(r, etag)) {
		close(fd);
		md_reply(r, 304, "Not Modified", NULL, srv->rt->conf.timeout);
		return 304;
	}
	if (read_into(evhttp_request_get_output_buffer(r), fd,
	    (size_t)st.st_size) != 0) {
		md_log(3, "web: %s/%s: %s", dir, name, strerror(errno));
		close(fd);
		evbuffer_drain(evhttp_request_get_output_buffer(r),
		    evbuffer_get_length(evhttp_request_get_output_buffer(r)));
		return 404;
	}
	close(fd);
	evhttp_add_header(h, "Content-Type", type);
	md_reply(r, 200, "OK", NULL, srv->rt->conf.timeout);
	return 200;
}
