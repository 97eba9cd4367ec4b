/*
 * Declares closure.school and traffic.block, then misbehaves as the
 * document asks, so the host's checks of every finding can be tested:
 *   "span"   a span that starts inside a character;
 *   "ground" traffic.block for a rule whose measure items only ground
 *            closure.school;
 *   "rule"   a rule that is not in its pack;
 *   anything else: a good finding.
 * Its rule pack is tests/data/misbehave.rules.xml.
 */
#include <string.h>

#include <measured/plugin.h>

static const char *const cats[] = { "closure.school", "traffic.block", NULL };

static int
x_check(void *state, const struct md_document *doc, struct md_sink *sink)
{
	struct md_finding f = { "misbehave.any", NULL, 0, 0, { 0, doc->len },
		NULL };

	(void)state;
	if (strncmp(doc->text, "span", 4) == 0) {
		f.span.start = 6;	/* inside 停 (bytes 5-7) of "span 停课" */
	} else if (strncmp(doc->text, "ground", 6) == 0) {
		f.category = "traffic.block";
	} else if (strncmp(doc->text, "rule", 4) == 0) {
		f.rule = "misbehave.nosuch";
	}
	return sink->emit(sink, &f);
}

MD_PLUGIN_DEFINE(.name = "misbehave", .version = "1", .categories = cats,
    .check = x_check);
