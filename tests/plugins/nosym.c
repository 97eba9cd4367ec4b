/* A shared object without the descriptor symbol: must be refused. */
#include <measured/plugin.h>

MD_PLUGIN_EXPORT int not_a_descriptor(void);

int
not_a_descriptor(void)
{
	return 42;
}
