/*
 * traffic.c - the traffic checker: roads, exits, stations and transport
 * blocked without approval (traffic.block), measures 二(十六) 严禁未经批准
 * 阻断交通 and 二(二十).
 *
 * The rule pack finds the blocks; this file drops a block whose document
 * states that it was approved (经省级联防联控机制批准, 报经……批准同意):
 * the measure forbids blocks without approval, not approved ones.  "未经批准"
 * is the opposite and does not count as approval.
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <measured/plugin.h>

static const char *const categories[] = { "traffic.block", NULL };

struct traffic {
	struct md_ctx *ctx;
	const struct md_host *host;
	struct md_regex *approved;
};

struct walk {
	struct traffic *t;
	const struct md_document *doc;
	struct md_sink *sink;
	int approved;		/* -1: not looked yet */
};

static int
traffic_init(struct md_ctx *ctx, const struct md_host *host, void **state)
{
	struct traffic *t = calloc(1, sizeof *t);

	if (t == NULL)
		return -ENOMEM;
	t->ctx = ctx;
	t->host = host;
	t->approved = host->regex_compile(ctx,
	    "(?<!未|没有|没|未经|不经)(?:经|报经|报请|已经|已获|获)"
	    "[^,;。]{0,24}(?:批准|同意|批复)|依法批准|批准实施");
	if (t->approved == NULL) {
		free(t);
		return -EINVAL;
	}
	*state = t;
	return 0;
}

/*
 * 1 when the document says the control was approved ("严禁未经批准"
 * restates the rule and does not count).  The statement lies within one
 * clause and holds 批准, 同意 or 批复, so only the sentences holding one of
 * those words are searched: 经, where the pattern starts, is one of the
 * commonest characters in a notice.
 */
static int
approval_stated(struct traffic *t, const struct md_document *doc)
{
	static const char *const words[] = { "批准", "同意", "批复" };
	const struct md_clause *c;
	struct md_span sp;
	const char *p;
	size_t i, from;

	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		from = 0;
		while (from < doc->len && (p = memmem(doc->text + from,
		    doc->len - from, words[i], strlen(words[i]))) != NULL) {
			c = t->host->clause_at(doc, (size_t)(p - doc->text));
			if (c == NULL) {
				from = (size_t)(p - doc->text) + 1;
				continue;
			}
			c = &doc->sentences[c->sentence];
			if (t->host->regex_search_stated(t->ctx, t->approved,
			    doc, c->start, c->end, &sp) == 1)
				return 1;
			from = c->end;
		}
	}
	return 0;
}

static void
on_match(void *arg, const struct md_match *m)
{
	struct walk *w = arg;

	if (w->approved < 0)
		w->approved = approval_stated(w->t, w->doc);
	if (w->approved)
		return;
	md_emit_match(w->sink, m);
}

static int
traffic_check(void *state, const struct md_document *doc,
    struct md_sink *sink)
{
	struct traffic *t = state;
	struct walk w = { t, doc, sink, -1 };
	int n;

	n = t->host->match_rules(t->ctx, doc, on_match, &w);
	return n < 0 ? n : 0;
}

static void
traffic_fini(void *state)
{
	free(state);
}

MD_PLUGIN_DEFINE(
	.name = "traffic",
	.version = "1.0",
	.categories = categories,
	.init = traffic_init,
	.check = traffic_check,
	.fini = traffic_fini);
