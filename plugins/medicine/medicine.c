/*
 * medicine.c - the medicine checker (medicine.restricted): pharmacies
 * closed, and the sale of fever, cough, cold and antiviral medicines
 * stopped, refused or tied to registration or a test, against 新十条 五
 * (2022-12-07: 药店不得关停，不得限制群众线上线下购买退热、止咳、抗病毒、
 * 治感冒等非处方药).  Before that day "四类药品" registration was the rule,
 * so the rules cite nothing earlier.
 *
 * A pharmacy that has simply sold out is not a restriction: the rule pack
 * leaves out sentences about shortages.  Everything else is the rule
 * pack's; this file passes its matches on.
 */
#include <errno.h>
#include <stdlib.h>

#include <measured/plugin.h>

static const char *const categories[] = { "medicine.restricted", NULL };

struct medicine {
	struct md_ctx *ctx;
	const struct md_host *host;
};

struct walk {
	struct md_sink *sink;
};

static int
medicine_init(struct md_ctx *ctx, const struct md_host *host, void **state)
{
	struct medicine *m = calloc(1, sizeof *m);

	if (m == NULL)
		return -ENOMEM;
	m->ctx = ctx;
	m->host = host;
	*state = m;
	return 0;
}

static void
on_match(void *arg, const struct md_match *m)
{
	struct walk *w = arg;

	md_emit_match(w->sink, m);
}

static int
medicine_check(void *state, const struct md_document *doc,
    struct md_sink *sink)
{
	struct medicine *m = state;
	struct walk w = { sink };
	int n;

	n = m->host->match_rules(m->ctx, doc, on_match, &w);
	return n < 0 ? n : 0;
}

static void
medicine_fini(void *state)
{
	free(state);
}

MD_PLUGIN_DEFINE(
	.name = "medicine",
	.version = "1.0",
	.categories = categories,
	.init = medicine_init,
	.check = medicine_check,
	.fini = medicine_fini);
