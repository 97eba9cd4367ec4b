/*
 * services.c - the services checker (services.supplies): people sealed in
 * or isolated left without food, medicine or care, measure 二(十七)
 * 加强封控隔离人员服务保障 of 2022-11-11.
 *
 * The rule pack finds the complaint ("没人送菜", "买不到药", "老人没人管",
 * "孕妇出不去").  This file decides what a pattern cannot: whether the
 * people who lack them are sealed in or isolated.  (十七) is about them, so
 * a match counts only when the document states a lockdown or isolation
 * somewhere (封控, 隔离, 静默, 出不去 ...) as a fact: not when it is only
 * lifted (小区解封了, 解除隔离) or restated as a prohibition (不得随意封控).
 * A shortage in a town that is not sealed is not this measure's concern.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <measured/plugin.h>

static const char *const categories[] = { "services.supplies", NULL };

struct services {
	struct md_ctx *ctx;
	const struct md_host *host;
	struct md_regex *sealed;	/* sealed in or isolated */
};

struct walk {
	struct services *s;
	const struct md_document *doc;
	struct md_sink *sink;
	int sealed;			/* -1: not looked yet */
};

static int
services_init(struct md_ctx *ctx, const struct md_host *host, void **state)
{
	struct services *s = calloc(1, sizeof *s);

	if (s == NULL)
		return -ENOMEM;
	s->ctx = ctx;
	s->host = host;
	/* 封 after 解 is the lifting (解封了), and after 没 or 未 a denial
	 * (从来没封控过), not a lockdown. */
	s->sealed = host->regex_compile(ctx,
	    "(?<!解|没|未|不)(?<!没有|没被|未被|不用|不会)"
	    "封(?:控|闭|楼|小区|门|了|着|在|住|起来)|(?<!没|未|不)被封|"
	    "(?<!解除|没有|不用|无需|不需|未被|没被)(?<!没|未|不)隔离|"
	    "(?<!没|未|不)管控|静默|足不出户|居家(?:健康监测|观察)|"
	    "出不去|出不了(?:门|小区|楼)|不让(?:出|下楼)|不能出门|"
	    "不准出|高风险区|方舱");
	if (s->sealed == NULL) {
		free(s);
		return -EINVAL;
	}
	*state = s;
	return 0;
}

/* 1 when the document states that someone is sealed in or isolated. */
static int
sealed_stated(struct services *s, const struct md_document *doc)
{
	struct md_span sp;

	return s->host->regex_search_stated(s->ctx, s->sealed, doc, 0,
	    doc->len, &sp) == 1;
}

static void
on_match(void *arg, const struct md_match *m)
{
	struct walk *w = arg;

	if (w->sealed < 0)
		w->sealed = sealed_stated(w->s, w->doc);
	if (w->sealed)
		md_emit_match(w->sink, m);
}

static int
services_check(void *state, const struct md_document *doc,
    struct md_sink *sink)
{
	struct services *s = state;
	struct walk w = { s, doc, sink, -1 };
	int n;

	n = s->host->match_rules(s->ctx, doc, on_match, &w);
	return n < 0 ? n : 0;
}

static void
services_fini(void *state)
{
	free(state);
}

MD_PLUGIN_DEFINE(
	.name = "services",
	.version = "1.0",
	.categories = categories,
	.init = services_init,
	.check = services_check,
	.fini = services_fini);
