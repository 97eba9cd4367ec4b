/*
 * An out-of-tree plugin, built by tests/oot/run.sh against the installed
 * <measured/plugin.h> found through measured-plugin.pc.  It reports every
 * match of its one rule as it stands.
 */
#include <measured/plugin.h>

static const char *const cats[] = { "closure.school", NULL };

struct hello {
	struct md_ctx *ctx;
	const struct md_host *host;
};

static struct hello the;

static int
hello_init(struct md_ctx *ctx, const struct md_host *host, void **state)
{
	the.ctx = ctx;
	the.host = host;
	*state = &the;
	return 0;
}

static void
on_match(void *arg, const struct md_match *m)
{
	md_emit_match(arg, m);
}

static int
hello_check(void *state, const struct md_document *doc, struct md_sink *sink)
{
	struct hello *h = state;

	return h->host->match_rules(h->ctx, doc, on_match, sink) < 0 ? -1 : 0;
}

MD_PLUGIN_DEFINE(.name = "hello", .version = "0.1", .categories = cats,
    .init = hello_init, .check = hello_check);
