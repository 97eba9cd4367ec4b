/* Built for a newer minor version than the host's: must be refused. */
#include <measured/plugin.h>

static const char *const cats[] = { "closure.school", NULL };

static int
x_check(void *state, const struct md_document *doc, struct md_sink *sink)
{
	(void)state;
	(void)doc;
	(void)sink;
	return 0;
}

MD_PLUGIN_EXPORT extern const struct md_plugin md_plugin_descriptor;
const struct md_plugin md_plugin_descriptor = {
	.abi_major = MD_PLUGIN_ABI_MAJOR,
	.abi_minor = MD_PLUGIN_ABI_MINOR + 1,
	.name = "new_minor",
	.version = "1",
	.categories = cats,
	.check = x_check,
};
