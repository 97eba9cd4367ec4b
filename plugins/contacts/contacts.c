/*
 * contacts.c - the contacts checker (contacts.secondary): contacts of
 * close contacts (次密接, 密接的密接) still identified, traced or managed
 * after 二(二) of 2022-11-11 ended it ("不再判定密接的密接").  The rule
 * cites no item of the ninth edition, which managed them (9.2), so the
 * host drops it for documents dated before 2022-11-11.
 *
 * The rule pack finds the term.  Naming it is not a violation: notices
 * explain the change ("对次密接人员，不再采取居家隔离措施") and people ask
 * about it.  This file keeps a match only when its sentence states
 * something done to them - identified, traced, coded, tested at the door,
 * quarantined - that is not itself under negation or lifting; clauses
 * split "对次密接人员，不再…", so the rule's own clause exclusions cannot
 * see that.
 */
#include <errno.h>
#include <stdlib.h>

#include <measured/plugin.h>

static const char *const categories[] = { "contacts.secondary", NULL };

struct contacts {
	struct md_ctx *ctx;
	const struct md_host *host;
	struct md_regex *action;	/* what is done to them */
};

struct walk {
	struct contacts *c;
	const struct md_document *doc;
	struct md_sink *sink;
};

static int
contacts_init(struct md_ctx *ctx, const struct md_host *host, void **state)
{
	struct contacts *c = calloc(1, sizeof *c);

	if (c == NULL)
		return -ENOMEM;
	c->ctx = ctx;
	c->host = host;
	c->action = host->regex_compile(ctx,
	    "判定|判为|判成|判了|定为|认定|列为|列入|算作|划为|划成|追踪|"
	    "排查|流调|隔离|管控|管理|健康监测|赋码|赋黄码|黄码|红码|弹窗|"
	    "转运|拉走|拉去|带走|上门|封门|贴封条|门磁|报备|核酸|三天两检|"
	    "不让出门|不准出门|不能出门|不得外出|居家|集中");
	if (c->action == NULL) {
		free(c);
		return -EINVAL;
	}
	*state = c;
	return 0;
}

/* 1 when the sentence states an action on them outside a question. */
static int
acted_on(struct walk *w, const struct md_clause *s)
{
	struct md_span sp;
	size_t from = s->start;

	while (from < s->end && w->c->host->regex_search_stated(w->c->ctx,
	    w->c->action, w->doc, from, s->end, &sp) == 1) {
		if (!w->c->host->asks_at(w->c->ctx, w->doc, sp.start))
			return 1;
		from = sp.end;
	}
	return 0;
}

static void
on_match(void *arg, const struct md_match *m)
{
	struct walk *w = arg;

	if (!acted_on(w, &w->doc->sentences[m->clause->sentence]))
		return;
	md_emit_match(w->sink, m);
}

static int
contacts_check(void *state, const struct md_document *doc,
    struct md_sink *sink)
{
	struct contacts *c = state;
	struct walk w = { c, doc, sink };
	int n;

	n = c->host->match_rules(c->ctx, doc, on_match, &w);
	return n < 0 ? n : 0;
}

static void
contacts_fini(void *state)
{
	free(state);
}

MD_PLUGIN_DEFINE(
	.name = "contacts",
	.version = "1.0",
	.categories = categories,
	.init = contacts_init,
	.check = contacts_check,
	.fini = contacts_fini);
