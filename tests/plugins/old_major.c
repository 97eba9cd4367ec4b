/* Built for a future major version of the ABI: must be refused. */
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
	.abi_major = MD_PLUGIN_ABI_MAJOR + 1,
	.abi_minor = 0,
	.name = "old_major",
	.version = "1",
	.categories = cats,
	.check = x_check,
};
