/*
 * web.h - serving the reviewers' web UI (the files of <web-dir>) at "/".
 */
#ifndef MD_WEB_H
#define MD_WEB_H

struct md_server;
struct evhttp_request;

/* The Content-Security-Policy of every page and file of the UI. */
extern const char md_web_csp[];

/*
 * Answers a GET of path from the web folder: 200 (or 304 for a matching
 * If-None-Match) when it replied, 404 when path names no servable file
 * and nothing was sent (the caller answers with its problem).
 */
int md_web_serve(struct md_server *srv, struct evhttp_request *r,
    const char *path);

/* The file a path names ("/" is index.html), or NULL: only plain names
 * with a known extension, never "..", "/", "%" or a leading ".". */
const char *md_web_name(const char *path);
/* The Content-Type for a file name, or NULL for an unknown extension. */
const char *md_web_type(const char *name);

#endif /* MD_WEB_H */
