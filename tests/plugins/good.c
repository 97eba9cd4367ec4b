/* A plugin that loads and finds nothing: the loader's control case. */
#include <measured/plugin.h>

static const char *const cats[] = { "closure.school", NULL };

static int
good_check(void *state, const struct md_document *doc, struct md_sink *sink)
{
	(void)state;
	(void)doc;
	(void)sink;
	return 0;
}

MD_PLUGIN_DEFINE(.name = "good", .version = "1", .categories = cats,
    .check = good_check);
