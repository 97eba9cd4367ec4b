/*
 * metrics.c - GET /metrics in the Prometheus text format (version 0.0.4):
 * requests by route and status, request latency, the store's commit
 * groups and their latency, findings by category, regex limit hits,
 * reloads, and build info.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "outbox.h"
#include "server.h"
#include "spool.h"

static const double lat_bounds[MD_NLAT] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
	2.5, 5, 10,
};

void
md_metrics_request(struct md_metrics *m, int route, int status,
    double seconds)
{
	size_t i;

	for (i = 0; i < m->nreqs; i++)
		if (m->reqs[i].route == route && m->reqs[i].status == status)
			break;
	if (i == m->nreqs) {
		m->reqs = md_xreallocarray(m->reqs, m->nreqs + 1,
		    sizeof *m->reqs);
		m->reqs[i].route = route;
		m->reqs[i].status = status;
		m->reqs[i].n = 0;
		m->nreqs++;
	}
	m->reqs[i].n++;
	for (i = 0; i < MD_NLAT && seconds > lat_bounds[i]; i++)
		;
	if (i < MD_NLAT)
		m->lat_hist[i]++;
	m->lat_sum += seconds;
	m->lat_count++;
}

void
md_metrics_finding(struct md_metrics *m, const char *category)
{
	size_t i;

	if (category == NULL)
		return;
	for (i = 0; i < m->ncats; i++)
		if (strcmp(m->cats[i].category, category) == 0) {
			m->cats[i].n++;
			return;
		}
	m->cats = md_xreallocarray(m->cats, m->ncats + 1, sizeof *m->cats);
	m->cats[m->ncats].category = md_xstrdup(category);
	m->cats[m->ncats].n = 1;
	m->ncats++;
}

void
md_metrics_free(struct md_metrics *m)
{
	size_t i;

	for (i = 0; i < m->ncats; i++)
		free(m->cats[i].category);
	free(m->cats);
	free(m->reqs);
	memset(m, 0, sizeof *m);
}

static void
head(struct md_buf *b, const char *name, const char *type, const char *help)
{
	md_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static void
histogram(struct md_buf *b, const char *name, const double *bounds,
    const uint64_t *counts, size_t n, uint64_t total, double sum)
{
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		cum += counts[i];
		md_buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i],
		    (unsigned long long)cum);
	}
	md_buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n"
	    "%s_count %llu\n", name, (unsigned long long)total, name, sum,
	    name, (unsigned long long)total);
}

char *
md_metrics_render(struct md_server *srv, size_t *len)
{
	static const double batch_bounds[8] = { 1, 3, 7, 15, 31, 63, 127,
		1e9 };
	struct md_metrics *m = &srv->m;
	struct md_store_stats st;
	struct md_outbox_stats ob;
	struct md_buf b = { 0 };
	uint64_t groups;
	size_t i;

	head(&b, "measured_build_info", "gauge", "The running build.");
	md_buf_printf(&b, "measured_build_info{version=\"%s\",store=\"%s\"} 1\n",
	    PACKAGE_VERSION, md_store_backend(srv->store)->name);

	head(&b, "measured_http_requests_total", "counter",
	    "HTTP requests answered, by route and status.");
	for (i = 0; i < m->nreqs; i++)
		md_buf_printf(&b, "measured_http_requests_total{route=\"%s\","
		    "code=\"%d\"} %llu\n", md_route_names[m->reqs[i].route],
		    m->reqs[i].status, (unsigned long long)m->reqs[i].n);

	head(&b, "measured_http_request_duration_seconds", "histogram",
	    "Time from a request's arrival (whole) to its answer.");
	histogram(&b, "measured_http_request_duration_seconds", lat_bounds,
	    m->lat_hist, MD_NLAT, m->lat_count, m->lat_sum);

	head(&b, "measured_rate_limited_total", "counter",
	    "Requests refused with 429.");
	md_buf_printf(&b, "measured_rate_limited_total %llu\n",
	    (unsigned long long)m->rate_limited);

	md_store_stats(srv->store, &st);
	groups = st.commits + st.commit_failures;
	head(&b, "measured_store_commit_batch_size", "histogram",
	    "Writes per store transaction (group commit).");
	histogram(&b, "measured_store_commit_batch_size", batch_bounds,
	    st.batch_hist, 8, groups, (double)st.committed_jobs);
	head(&b, "measured_store_commit_duration_seconds", "histogram",
	    "Time to run and commit one group of writes.");
	histogram(&b, "measured_store_commit_duration_seconds",
	    md_store_lat_bounds, st.commit_hist, MD_STORE_NLAT, groups,
	    st.commit_seconds);
	head(&b, "measured_store_commit_failures_total", "counter",
	    "Groups of writes whose transaction failed (nothing of them "
	    "stored).");
	md_buf_printf(&b, "measured_store_commit_failures_total %llu\n",
	    (unsigned long long)st.commit_failures);
	head(&b, "measured_store_group_reruns_total", "counter",
	    "Groups of writes rolled back and run again, a savepoint a "
	    "job, because one of them was refused (a conflicting retry) "
	    "or failed.");
	md_buf_printf(&b, "measured_store_group_reruns_total %llu\n",
	    (unsigned long long)st.reruns);
	head(&b, "measured_store_pending", "gauge",
	    "Store jobs queued or running.");
	md_buf_printf(&b, "measured_store_pending %zu\n",
	    md_store_pending(srv->store));

	head(&b, "measured_findings_total", "counter",
	    "Findings reported (submissions and checks), by category.");
	for (i = 0; i < m->ncats; i++)
		md_buf_printf(&b, "measured_findings_total{category=\"%s\"} "
		    "%llu\n", m->cats[i].category,
		    (unsigned long long)m->cats[i].n);

	head(&b, "measured_regex_limit_hits_total", "counter",
	    "Rule matches abandoned at PCRE2's match or depth limit.");
	md_buf_printf(&b, "measured_regex_limit_hits_total %llu\n",
	    (unsigned long long)m->regex_limit_hits);

	head(&b, "measured_reloads_total", "counter",
	    "Successful reloads (SIGHUP).");
	md_buf_printf(&b, "measured_reloads_total %llu\n",
	    (unsigned long long)m->reloads);
	head(&b, "measured_reload_failures_total", "counter",
	    "Reloads refused; the previous configuration stayed in force.");
	md_buf_printf(&b, "measured_reload_failures_total %llu\n",
	    (unsigned long long)m->reload_failures);
	if (m->last_reload_error[0] != '\0') {
		const char *p;

		head(&b, "measured_reload_last_failure_info", "gauge",
		    "Why the last refused reload was refused.");
		md_buf_adds(&b, "measured_reload_last_failure_info{reason=\"");
		for (p = m->last_reload_error; *p != '\0'; p++) {
			if (*p == '\\' || *p == '"')
				md_buf_printf(&b, "\\%c", *p);
			else if (*p == '\n')
				md_buf_adds(&b, "\\n");
			else
				md_buf_add(&b, p, 1);
		}
		md_buf_adds(&b, "\"} 1\n");
	}
	md_outbox_stats(srv->outbox, &ob);
	head(&b, "measured_outbox_queued", "gauge",
	    "Outbox messages not yet delivered nor dead, at the last look.");
	md_buf_printf(&b, "measured_outbox_queued %llu\n",
	    (unsigned long long)ob.queued);
	head(&b, "measured_outbox_in_flight", "gauge",
	    "Outbox messages being sent now.");
	md_buf_printf(&b, "measured_outbox_in_flight %zu\n", ob.in_flight);
	head(&b, "measured_outbox_attempts_total", "counter",
	    "Delivery attempts made since the daemon started.");
	md_buf_printf(&b, "measured_outbox_attempts_total %llu\n",
	    (unsigned long long)ob.sent);
	head(&b, "measured_outbox_delivered_total", "counter",
	    "Outbox messages delivered (a 2xx answer).");
	md_buf_printf(&b, "measured_outbox_delivered_total %llu\n",
	    (unsigned long long)ob.delivered);
	head(&b, "measured_outbox_retried_total", "counter",
	    "Failed attempts that will be retried.");
	md_buf_printf(&b, "measured_outbox_retried_total %llu\n",
	    (unsigned long long)ob.retried);
	head(&b, "measured_outbox_dead_total", "counter",
	    "Outbox messages given up on after their maximum age.");
	md_buf_printf(&b, "measured_outbox_dead_total %llu\n",
	    (unsigned long long)ob.dead);
	head(&b, "measured_outbox_refused_total", "counter",
	    "Attempts refused because the receiver's address was private, "
	    "loopback or otherwise special.");
	md_buf_printf(&b, "measured_outbox_refused_total %llu\n",
	    (unsigned long long)ob.refused);

	md_feeds_metrics(srv->feeds, &b);
	md_spools_metrics(srv->spools, &b);
	head(&b, "measured_tokens", "gauge", "Valid tokens known.");
	{
		size_t valid = 0;

		for (i = 0; i < srv->nwho; i++)
			valid += srv->who[i].t.revoked_at == NULL;
		md_buf_printf(&b, "measured_tokens %zu\n", valid);
	}
	*len = b.len;
	return b.data;
}
