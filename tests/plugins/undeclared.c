/*
 * Declares closure.school but emits traffic.block for every document with
 * text: the host must refuse the finding and the plugin.  Its rule pack is
 * tests/data/undeclared.rules.xml.
 */
#include <measured/plugin.h>

static const char *const cats[] = { "closure.school", NULL };

static int
x_check(void *state, const struct md_document *doc, struct md_sink *sink)
{
	struct md_finding f = { "undeclared.any", "traffic.block", 0, 0,
		{ 0, doc->len }, "emits what it did not declare" };

	(void)state;
	return sink->emit(sink, &f);
}

MD_PLUGIN_DEFINE(.name = "undeclared", .version = "1", .categories = cats,
    .check = x_check);
