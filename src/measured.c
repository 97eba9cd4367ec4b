/*
 * measured.c - the measured program: the daemon, subcommands and the -T
 * rule test.
 *
 *   measured [-d] [-l ADDR:PORT] [-s STORE]   the daemon (daemon.c)
 *   measured token add|list|revoke     tokens in the store (daemon.c)
 *   measured check [options] FILE...   check documents (cmd_check.c)
 *   measured report [options]          the weekly report (cmd_report.c)
 *   measured -T | test-rules           validate config, catalogues, plugins
 *                                      and rule packs; run rule examples
 *   measured -t                        validate without running examples
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_check.h"
#include "cmd_measures.h"
#include "cmd_report.h"
#include "daemon.h"
#include "measured/plugin.h"
#include "engine.h"
#include "xml.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: measured [-c FILE] [-l ADDRESS:PORT] [-s BACKEND:LOCATION] "
	    "[-d] [-v]\n"
	    "       measured [-c FILE] [-v] -T | -t\n"
	    "       measured [-c FILE] check [--date YYYY-MM-DD] "
	    "[--kind notice|complaint]\n"
	    "                            [--format text|json] FILE...|-\n"
	    "       measured [-c FILE] test-rules\n"
	    "       measured [-c FILE] measures [--version YYYY-MM-DD] "
	    "[--format text|json]\n"
	    "       measured [-c FILE] [-s STORE] token add|list|revoke ...\n"
	    "       measured [-c FILE] [-s STORE] report [--week YYYY-Www] "
	    "[--format html|json|csv]\n"
	    "                            [--cases N] [-o FILE]\n"
	    "       measured -V | -h\n"
	    "\n"
	    "  -c FILE   configuration file (default: the embedded defaults)\n"
	    "  -d        detach (where there is no service manager)\n"
	    "  -l ADDRESS:PORT     listen here (default " MD_DEFAULT_LISTEN ")\n"
	    "  -s BACKEND:LOCATION the store, as sqlite:/path/measured.db\n"
	    "  -T        test: load everything and run every rule's examples\n"
	    "  -t        load and validate everything, then exit\n"
	    "  -v        more log output (repeat for debug)\n"
	    "  -V        print the version and the plugin ABI\n"
	    "See measured(8).\n");
}

/* -t and -T: exit status 0 only when everything loads (and, for -T, every
 * rule example gives what it says). */
static int
test_main(const char *conf_path, const char *listen, const char *store,
    int run_examples)
{
	struct md_error err = { 0 };
	struct md_engine *e;
	size_t failures = 0, total = 0;

	if (md_daemon_check_conf(conf_path, listen, store, &err) != 0) {
		fprintf(stderr, "measured: %s\n", err.msg);
		return 1;
	}
	e = md_engine_load(conf_path, &err);
	if (e == NULL) {
		fprintf(stderr, "measured: %s\n", err.msg);
		return 1;
	}
	if (run_examples)
		failures = md_engine_test_rules(e, stderr, &total);
	printf("measured: %zu measures versions, %zu plugins, %zu rules "
	    "(prefilter %s)", md_engine_catalog(e)->n,
	    md_engine_nplugins(e), md_engine_nrules(e),
	    md_engine_prefilter(e));
	if (run_examples)
		printf("; %zu examples, %zu failed", total, failures);
	printf("\n");
	md_engine_free(e);
	return failures == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const char *conf_path = NULL, *listen = NULL, *store = NULL;
	int c, mode = 0, rc, detach = 0;

	md_xml_init();
	/* "+": stop at the subcommand; its options are its own. */
	while ((c = getopt(argc, argv, "+c:dl:s:TtvVh")) != -1) {
		switch (c) {
		case 'c':
			conf_path = optarg;
			break;
		case 'd':
			detach = 1;
			break;
		case 'l':
			listen = optarg;
			break;
		case 's':
			store = optarg;
			break;
		case 'T':
		case 't':
			mode = c;
			break;
		case 'v':
			md_log_level++;
			break;
		case 'V':
			printf("measured %s (plugin ABI %d.%d)\n",
			    PACKAGE_VERSION, MD_PLUGIN_ABI_MAJOR,
			    MD_PLUGIN_ABI_MINOR);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (mode != 0) {
		rc = test_main(conf_path, listen, store, mode == 'T');
	} else if (optind < argc && strcmp(argv[optind], "check") == 0) {
		rc = md_check_main(argc - optind, argv + optind, conf_path);
	} else if (optind < argc && strcmp(argv[optind], "test-rules") == 0) {
		rc = test_main(conf_path, listen, store, 1);
	} else if (optind < argc && strcmp(argv[optind], "measures") == 0) {
		rc = md_measures_main(argc - optind, argv + optind, conf_path);
	} else if (optind < argc && strcmp(argv[optind], "token") == 0) {
		rc = md_token_main(argc - optind, argv + optind, conf_path,
		    store);
	} else if (optind < argc && strcmp(argv[optind], "report") == 0) {
		rc = md_report_main(argc - optind, argv + optind, conf_path,
		    store);
	} else if (optind < argc) {
		fprintf(stderr, "measured: unknown command \"%s\"\n",
		    argv[optind]);
		usage(stderr);
		rc = 2;
	} else {
		rc = md_daemon_main(conf_path, listen, store, detach);
	}
	xmlCleanupParser();
	return rc;
}
