/*
 * measurectl.c - the command-line client of the measured daemon's HTTP API.
 *
 *   measurectl submit FILE --external-id ID ...   POST /v1/submissions
 *   measurectl check FILE ...                     POST /v1/check
 *   measurectl flags list [filters] [--all]       GET  /v1/flags
 *   measurectl flags show ID                      GET  /v1/flags/ID
 *   measurectl review ID ACTION --note TEXT [--public-note TEXT]
 *                                                 POST /v1/flags/ID/review
 *
 * Options are parsed once, from one table, wherever they stand; each
 * command says which of them it takes.  Requests go through client.c; here
 * are the commands, their checks of the command line and the text output.
 * Server strings are cleaned of control characters before they are shown
 * (clean_strings), and every field is read through field(), which copes
 * with any type or none, so no answer can crash the text output.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "client.h"
#include "text.h"
#include "util.h"

#define CTL_DEFAULT_URL	"http://127.0.0.1:8080"
#define CTL_MAX_INPUT	(16u * 1024u * 1024u)	/* as measured check */
#define FIELD_MAX	32

/* Every option of every command; val is 256 + the index. */
enum opt {
	O_URL, O_TOKEN, O_JSON, O_HELP, O_VERSION,
	O_EXTERNAL_ID, O_KIND, O_TITLE, O_REGION_CODE, O_REGION_NAME,
	O_OCCURRED_AT, O_PUBLISHED_AT, O_CONTACT_NAME, O_CONTACT_PHONE,
	O_CALLBACK_URL,
	O_STATUS, O_CATEGORY, O_ITEM, O_REGION, O_SEVERITY, O_FROM, O_TO,
	O_LIMIT, O_CURSOR, O_ALL,
	O_NOTE, O_PUBLIC_NOTE,
	O_COUNT
};
#define OPT(o)		(1u << (o))
#define OPT_VAL(o)	(256 + (o))
#define GLOBAL_OPTS	(OPT(O_URL) | OPT(O_TOKEN) | OPT(O_JSON) | \
			 OPT(O_HELP) | OPT(O_VERSION))

static const struct option long_opts[] = {
	{ "url", required_argument, NULL, OPT_VAL(O_URL) },
	{ "token", required_argument, NULL, OPT_VAL(O_TOKEN) },
	{ "json", no_argument, NULL, OPT_VAL(O_JSON) },
	{ "help", no_argument, NULL, OPT_VAL(O_HELP) },
	{ "version", no_argument, NULL, OPT_VAL(O_VERSION) },
	{ "external-id", required_argument, NULL, OPT_VAL(O_EXTERNAL_ID) },
	{ "kind", required_argument, NULL, OPT_VAL(O_KIND) },
	{ "title", required_argument, NULL, OPT_VAL(O_TITLE) },
	{ "region-code", required_argument, NULL, OPT_VAL(O_REGION_CODE) },
	{ "region-name", required_argument, NULL, OPT_VAL(O_REGION_NAME) },
	{ "occurred-at", required_argument, NULL, OPT_VAL(O_OCCURRED_AT) },
	{ "published-at", required_argument, NULL, OPT_VAL(O_PUBLISHED_AT) },
	{ "contact-name", required_argument, NULL, OPT_VAL(O_CONTACT_NAME) },
	{ "contact-phone", required_argument, NULL,
	    OPT_VAL(O_CONTACT_PHONE) },
	{ "callback-url", required_argument, NULL, OPT_VAL(O_CALLBACK_URL) },
	{ "status", required_argument, NULL, OPT_VAL(O_STATUS) },
	{ "category", required_argument, NULL, OPT_VAL(O_CATEGORY) },
	{ "item", required_argument, NULL, OPT_VAL(O_ITEM) },
	{ "region", required_argument, NULL, OPT_VAL(O_REGION) },
	{ "severity", required_argument, NULL, OPT_VAL(O_SEVERITY) },
	{ "from", required_argument, NULL, OPT_VAL(O_FROM) },
	{ "to", required_argument, NULL, OPT_VAL(O_TO) },
	{ "limit", required_argument, NULL, OPT_VAL(O_LIMIT) },
	{ "cursor", required_argument, NULL, OPT_VAL(O_CURSOR) },
	{ "all", no_argument, NULL, OPT_VAL(O_ALL) },
	{ "note", required_argument, NULL, OPT_VAL(O_NOTE) },
	{ "public-note", required_argument, NULL, OPT_VAL(O_PUBLIC_NOTE) },
	{ NULL, 0, NULL, 0 }
};

struct ctl;

struct ctl_cmd {
	const char *name;	/* one word, or "flags list" */
	int nargs;		/* operands after the name */
	unsigned opts;		/* OPT() bits it takes besides the global */
	const char *usage;
	int (*exec)(struct ctl *);
};

/* The command line, parsed, and the client once there is one. */
struct ctl {
	const char *opt[O_COUNT];	/* NULL: not given; "" for flags */
	char **args;			/* operands after the command name */
	const struct ctl_cmd *cmd;
	const char *url;
	struct ctl_client *client;
};

static int cmd_submit(struct ctl *);
static int cmd_check(struct ctl *);
static int cmd_flags_list(struct ctl *);
static int cmd_flags_show(struct ctl *);
static int cmd_review(struct ctl *);

static const struct ctl_cmd ctl_cmds[] = {
	{
		.name = "submit",
		.nargs = 1,
		.opts = OPT(O_EXTERNAL_ID) | OPT(O_KIND) | OPT(O_TITLE) |
		    OPT(O_REGION_CODE) | OPT(O_REGION_NAME) |
		    OPT(O_OCCURRED_AT) | OPT(O_PUBLISHED_AT) |
		    OPT(O_CONTACT_NAME) | OPT(O_CONTACT_PHONE) |
		    OPT(O_CALLBACK_URL),
		.usage = "submit FILE|- --external-id ID "
		    "[--kind complaint|notice] [--title T]\n"
		    "         [--region-code CODE] [--region-name NAME] "
		    "[--occurred-at DATE]\n"
		    "         [--published-at DATE] [--contact-name N] "
		    "[--contact-phone P]\n"
		    "         [--callback-url URL]",
		.exec = cmd_submit,
	},
	{
		.name = "check",
		.nargs = 1,
		.opts = OPT(O_KIND) | OPT(O_OCCURRED_AT) | OPT(O_PUBLISHED_AT),
		.usage = "check FILE|- [--kind complaint|notice] "
		    "[--occurred-at DATE]\n"
		    "         [--published-at DATE]",
		.exec = cmd_check,
	},
	{
		.name = "flags list",
		.nargs = 0,
		.opts = OPT(O_STATUS) | OPT(O_CATEGORY) | OPT(O_ITEM) |
		    OPT(O_REGION) | OPT(O_SEVERITY) | OPT(O_FROM) | OPT(O_TO) |
		    OPT(O_LIMIT) | OPT(O_CURSOR) | OPT(O_ALL),
		.usage = "flags list [--status S] [--category C] [--item I] "
		    "[--region CODE]\n"
		    "         [--severity 1-5] [--from DATE] [--to DATE] "
		    "[--limit N]\n"
		    "         [--cursor C] [--all]",
		.exec = cmd_flags_list,
	},
	{
		.name = "flags show",
		.nargs = 1,
		.opts = 0,
		.usage = "flags show ID",
		.exec = cmd_flags_show,
	},
	{
		.name = "review",
		.nargs = 2,
		.opts = OPT(O_NOTE) | OPT(O_PUBLIC_NOTE),
		.usage = "review ID confirm|dismiss|escalate|rectified|reopen "
		    "--note TEXT [--public-note TEXT]",
		.exec = cmd_review,
	},
};

static const char *const review_actions[] = {
	"confirm", "dismiss", "escalate", "rectified", "reopen"
};

/* --- the command line ---------------------------------------------------- */

static void
help(FILE *out)
{
	size_t i;

	fprintf(out, "usage: measurectl [--url URL] [--token TOKEN] [--json] "
	    "COMMAND ...\n"
	    "       measurectl -h | -V\n\ncommands:\n");
	for (i = 0; i < MD_NELEM(ctl_cmds); i++)
		fprintf(out, "  %s\n", ctl_cmds[i].usage);
	fprintf(out, "\n"
	    "  --url URL      the daemon (default $MEASURED_URL, else "
	    CTL_DEFAULT_URL ")\n"
	    "  --token TOKEN  bearer token (default $MEASURED_TOKEN)\n"
	    "  --json         print the server's JSON answer instead of text\n"
	    "Exit status: 0 done, 1 the server refused or answered nonsense,"
	    "\n2 a usage or input error, 3 the server could not be reached.\n"
	    "See measurectl(1).\n");
}

/* Says what was wrong, then how the command (or measurectl) is used. */
static int
usage_error(const struct ctl *ctl, const char *fmt, ...) MD_PRINTF(2, 3);

static int
usage_error(const struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fputs("measurectl: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	if (ctl->cmd != NULL)
		fprintf(stderr, "usage: measurectl [--url URL] [--token TOKEN] "
		    "[--json]\n         %s\n", ctl->cmd->usage);
	else
		fprintf(stderr, "usage: measurectl [--url URL] [--token TOKEN] "
		    "[--json] COMMAND ...\n"
		    "commands: submit, check, flags list, flags show, review; "
		    "see measurectl -h\n");
	return CTL_USAGE;
}

/* The command named by the first operands; *used says how many. */
static const struct ctl_cmd *
find_cmd(char **words, int n, int *used)
{
	size_t i, len;

	for (i = 0; i < MD_NELEM(ctl_cmds); i++) {
		const char *name = ctl_cmds[i].name, *sp = strchr(name, ' ');

		len = sp ? (size_t)(sp - name) : strlen(name);
		if (n < 1 || strncmp(words[0], name, len) != 0 ||
		    words[0][len] != '\0')
			continue;
		if (sp == NULL) {
			*used = 1;
			return &ctl_cmds[i];
		}
		if (n >= 2 && strcmp(words[1], sp + 1) == 0) {
			*used = 2;
			return &ctl_cmds[i];
		}
	}
	return NULL;
}

/*
 * Parses all of argv: options anywhere (getopt_long permutes them ahead of
 * the operands), then the command from the first operands.  Returns -1 to
 * go on, or an exit status when there is nothing more to do (-h, -V, an
 * error).
 */
static int
parse(struct ctl *ctl, int argc, char **argv)
{
	unsigned given = 0;
	const char *bad;
	char **words;
	int c, i, n, used;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", long_opts, NULL)) != -1) {
		if (c == 'h')
			c = OPT_VAL(O_HELP);
		else if (c == 'V')
			c = OPT_VAL(O_VERSION);
		if (c == '?' || c == ':') {
			bad = argv[optind - 1];
			if (optopt != 0 && optopt < 256)
				return usage_error(ctl, "%s -%c", c == '?' ?
				    "unknown option" : "missing argument to",
				    optopt);
			return usage_error(ctl, "%s %s", c == '?' ?
			    "unknown option" : "missing argument to", bad);
		}
		ctl->opt[c - 256] = optarg ? optarg : "";
		given |= OPT(c - 256);
		if (optarg != NULL && md_utf8_check(optarg, strlen(optarg),
		    NULL) != 0)
			return usage_error(ctl, "the value of --%s is not "
			    "valid UTF-8", long_opts[c - 256].name);
	}
	if (ctl->opt[O_HELP] != NULL) {
		help(stdout);
		return CTL_OK;
	}
	if (ctl->opt[O_VERSION] != NULL) {
		printf("measurectl %s\n", PACKAGE_VERSION);
		return CTL_OK;
	}
	words = argv + optind;
	n = argc - optind;
	if (n == 0)
		return usage_error(ctl, "no command");
	ctl->cmd = find_cmd(words, n, &used);
	if (ctl->cmd == NULL) {
		if (strcmp(words[0], "flags") == 0)
			return usage_error(ctl, "flags wants list or show%s%s",
			    n > 1 ? ", not " : "", n > 1 ? words[1] : "");
		return usage_error(ctl, "unknown command \"%s\"", words[0]);
	}
	for (i = 0; i < O_COUNT; i++)
		if ((given & OPT(i) & ~(GLOBAL_OPTS | ctl->cmd->opts)) != 0)
			return usage_error(ctl, "%s does not take --%s",
			    ctl->cmd->name, long_opts[i].name);
	if (n - used != ctl->cmd->nargs)
		return usage_error(ctl, "%s takes %d operand%s, not %d",
		    ctl->cmd->name, ctl->cmd->nargs,
		    ctl->cmd->nargs == 1 ? "" : "s", n - used);
	ctl->args = words + used;
	return -1;
}

/* The daemon's URL: --url, else $MEASURED_URL, else the default. */
static const char *
base_url(const struct ctl *ctl)
{
	const char *env = getenv("MEASURED_URL");

	if (ctl->opt[O_URL] != NULL)
		return ctl->opt[O_URL];
	return env != NULL && *env != '\0' ? env : CTL_DEFAULT_URL;
}

/* Makes the client once the command line is known to be good. */
static int
connect_client(struct ctl *ctl)
{
	struct md_error err = { 0 };
	const char *token = ctl->opt[O_TOKEN];

	if (token == NULL)
		token = getenv("MEASURED_TOKEN");
	ctl->client = ctl_client_new(ctl->url, token, &err);
	if (ctl->client == NULL) {
		fprintf(stderr, "measurectl: %s\n", err.msg);
		return CTL_USAGE;
	}
	return CTL_OK;
}

/* 1 when s is a decimal number from lo to hi. */
static int
number_in(const char *s, long long lo, long long hi)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' && v >= lo && v <= hi;
}

static int
check_kind(const struct ctl *ctl)
{
	const char *kind = ctl->opt[O_KIND];

	if (kind != NULL && strcmp(kind, "complaint") != 0 &&
	    strcmp(kind, "notice") != 0)
		return usage_error(ctl, "--kind must be complaint or notice, "
		    "not \"%s\"", kind);
	return CTL_OK;
}

static int
check_flag_id(const struct ctl *ctl, const char *id)
{
	if (!number_in(id, 1, INT64_MAX))
		return usage_error(ctl, "flag id \"%s\" is not a positive "
		    "integer", id);
	return CTL_OK;
}

/* --- requests and answers ------------------------------------------------ */

/* One request; errors are printed and returned as the exit status. */
static int
request(struct ctl *ctl, const char *method, const char *path,
    const json_t *body, json_t **out, long *status)
{
	struct md_error err = { 0 };
	long st;
	int rc;

	rc = ctl_request(ctl->client, method, path, body, out,
	    status ? status : &st, &err);
	if (rc != CTL_OK)
		fprintf(stderr, "measurectl: %s\n", err.msg);
	return rc;
}

static int
malformed(const struct ctl *ctl, const char *path, const char *what)
{
	fprintf(stderr, "measurectl: %s%s: malformed response: %s\n",
	    ctl->url, path, what);
	return CTL_FAIL;
}

/* A flag or a submission without its integer id is no answer. */
static int
check_id(const struct ctl *ctl, const char *path, const json_t *o)
{
	if (!json_is_integer(json_object_get(o, "id")))
		return malformed(ctl, path, "no integer \"id\"");
	return CTL_OK;
}

/* --json: the answer as the server gave it, indented. */
static void
print_json(const json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(15));
	fputc('\n', stdout);
}

/* Replaces control characters in every string of v, before text output. */
static void
clean_strings(json_t *v)
{
	struct md_buf b = { 0 };
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, x)
			clean_strings(x);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			clean_strings(x);
	} else if (json_is_string(v)) {
		ctl_buf_clean(&b, json_string_value(v));
		if (b.data != NULL && strcmp(b.data, json_string_value(v)) != 0)
			json_string_set(v, b.data);
		md_buf_free(&b);
	}
}

/*
 * The scalar at a dotted path ("measure.number") of o, as text: strings as
 * they are, numbers in decimal (written into buf), "-" for anything else,
 * missing or null.  The result lives as long as o and buf.
 */
static const char *
field(const json_t *o, const char *path, char buf[FIELD_MAX])
{
	const json_t *v = o;
	const char *dot;
	char key[64];

	while (v != NULL && (dot = strchr(path, '.')) != NULL) {
		if ((size_t)(dot - path) >= sizeof key)
			return "-";
		memcpy(key, path, (size_t)(dot - path));
		key[dot - path] = '\0';
		v = json_object_get(v, key);
		path = dot + 1;
	}
	v = v != NULL ? json_object_get(v, path) : NULL;
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, FIELD_MAX, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, FIELD_MAX, "%g", json_real_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return "-";
}

/* 1 when field() found something worth showing. */
static int
present(const char *s)
{
	return *s != '\0' && strcmp(s, "-") != 0;
}

/* The array at key of o when it is one whose members are all objects. */
static json_t *
object_array(const json_t *o, const char *key)
{
	json_t *a = json_object_get(o, key), *x;
	size_t i;

	if (!json_is_array(a))
		return NULL;
	json_array_foreach(a, i, x)
		if (!json_is_object(x))
			return NULL;
	return a;
}

/* --- display width --------------------------------------------------- */

/* The character at s (UTF-8; anything invalid counts as one byte). */
static size_t
u8_next(const char *s, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i;

	if (p[0] < 0x80 || p[0] < 0xc2 || p[0] > 0xf4) {
		*cp = p[0] < 0x80 ? p[0] : 0xfffd;
		return 1;
	}
	n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	*cp = p[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		*cp = (*cp << 6) | (p[i] & 0x3f);
	}
	return n;
}

/* Terminal columns of a character: East Asian wide and full-width ones
 * take two. */
static size_t
cp_width(uint32_t cp)
{
	static const uint32_t wide[][2] = {
		{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff },
		{ 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf },
		{ 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe30, 0xfe4f },
		{ 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
		{ 0x1f900, 0x1f9ff }, { 0x20000, 0x3fffd },
	};
	size_t i;

	for (i = 0; i < MD_NELEM(wide); i++)
		if (cp >= wide[i][0] && cp <= wide[i][1])
			return 2;
	return 1;
}

static size_t
u8_width(const char *s)
{
	uint32_t cp;
	size_t w = 0;

	while (*s != '\0') {
		s += u8_next(s, &cp);
		w += cp_width(cp);
	}
	return w;
}

/*
 * Prints s in w columns: cut between characters and ended with … when it
 * is wider, padded with spaces (before it when right) unless last.
 */
static void
put_cell(const char *s, size_t w, int right, int last)
{
	size_t sw = u8_width(s), used = 0, n;
	uint32_t cp;

	if (sw <= w) {
		if (right)
			printf("%*s", (int)(w - sw), "");
		fputs(s, stdout);
		if (!right && !last)
			printf("%*s", (int)(w - sw), "");
		return;
	}
	while (*s != '\0') {
		n = u8_next(s, &cp);
		if (used + cp_width(cp) > w - 1)
			break;
		fwrite(s, 1, n, stdout);
		used += cp_width(cp);
		s += n;
	}
	fputs("\xe2\x80\xa6", stdout);	/* … */
	if (!last)
		printf("%*s", (int)(w - 1 - used), "");
}

/* --- findings: submit and check ------------------------------------------ */

static void
print_measure(const char *label, const json_t *m)
{
	char b1[FIELD_MAX], b2[FIELD_MAX], b3[FIELD_MAX];
	const char *number = field(m, "number", b3);

	printf("      %-7s %s %s%s%s\n", label, field(m, "version", b1),
	    field(m, "item", b2), present(number) ? " " : "",
	    present(number) ? number : "");
}

/*
 * The excerpt, with the finding's span marked 【like this】 when the span's
 * bytes (offsets into the text sent) occur in it.
 */
static void
print_excerpt(const json_t *f, const char *text, size_t len)
{
	const char *ex, *hit = NULL;
	json_int_t start, end;
	json_t *span;
	char b[FIELD_MAX];

	ex = field(f, "excerpt", b);
	span = json_object_get(f, "span");
	start = json_integer_value(json_object_get(span, "start"));
	end = json_integer_value(json_object_get(span, "end"));
	if (text != NULL && start >= 0 && start < end && (size_t)end <= len)
		hit = memmem(ex, strlen(ex), text + start,
		    (size_t)(end - start));
	if (hit == NULL) {
		printf("      text    %s\n", ex);
		return;
	}
	printf("      text    %.*s\xe3\x80\x90%.*s\xe3\x80\x91%s\n",
	    (int)(hit - ex), ex, (int)(end - start), hit, hit + (end - start));
}

static void
print_finding(size_t n, const json_t *f, const char *text, size_t len)
{
	char b1[FIELD_MAX], b2[FIELD_MAX], b3[FIELD_MAX], b4[FIELD_MAX];
	const char *flag = field(f, "flag_id", b4);
	json_t *also = object_array(f, "also"), *a;
	size_t i;

	printf("\n  [%zu] %s  severity %s/5  rule %s", n,
	    field(f, "category", b1), field(f, "severity", b2),
	    field(f, "rule", b3));
	if (present(flag))
		printf("  flag %s", flag);
	printf("\n");
	print_measure("measure", json_object_get(f, "measure"));
	json_array_foreach(also, i, a)
		print_measure("also", a);
	print_excerpt(f, text, len);
	printf("      why     %s\n", field(f, "reason", b1));
}

/* "N findings; date D (SOURCE); measures V", then each finding. */
static int
print_result(const struct ctl *ctl, const char *path, const json_t *r,
    const char *text, size_t len)
{
	char b1[FIELD_MAX], b2[FIELD_MAX], b3[FIELD_MAX];
	json_t *findings = object_array(r, "findings"), *f;
	const char *version = field(r, "measures_version", b3);
	size_t i;

	if (findings == NULL)
		return malformed(ctl, path, "no \"findings\" array of objects");
	printf("%zu finding%s; date %s (%s); measures %s\n",
	    json_array_size(findings), json_array_size(findings) == 1 ?
	    "" : "s", field(r, "date", b1), field(r, "date_source", b2),
	    present(version) ? version : "none in force");
	json_array_foreach(findings, i, f)
		print_finding(i + 1, f, text, len);
	return CTL_OK;
}

/* The input of submit and check: FILE or -, valid UTF-8. */
static char *
read_input(const char *path, size_t *len)
{
	struct md_error err = { 0 };
	size_t bad;
	char *text;

	text = md_read_file(path, len, CTL_MAX_INPUT, &err);
	if (text == NULL) {
		fprintf(stderr, "measurectl: %s\n", err.msg);
		return NULL;
	}
	if (md_utf8_check(text, *len, &bad) != 0) {
		fprintf(stderr, "measurectl: %s: invalid UTF-8 at byte %zu "
		    "(the text must be UTF-8, without NUL bytes)\n",
		    strcmp(path, "-") == 0 ? "standard input" : path, bad);
		free(text);
		return NULL;
	}
	return text;
}

/* Sets key to the option's value when it was given. */
static void
set_opt(json_t *o, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_new(o, key, json_string(value));
}

/* {"a": ..., "b": ...} of the parts given, or nothing when none is. */
static void
set_pair(json_t *o, const char *key, const char *ka, const char *a,
    const char *kb, const char *b)
{
	json_t *p;

	if (a == NULL && b == NULL)
		return;
	p = json_object();
	set_opt(p, ka, a);
	set_opt(p, kb, b);
	json_object_set_new(o, key, p);
}

/* submit and check: the body, the request and the answer. */
static int
send_text(struct ctl *ctl, const char *path, int submit)
{
	json_t *body, *r = NULL;
	size_t len;
	long status = 0;
	char *text;
	int rc;

	if ((rc = check_kind(ctl)) != CTL_OK)
		return rc;
	if (submit && ctl->opt[O_EXTERNAL_ID] == NULL)
		return usage_error(ctl, "submit needs --external-id");
	if ((text = read_input(ctl->args[0], &len)) == NULL)
		return CTL_USAGE;
	if ((rc = connect_client(ctl)) != CTL_OK) {
		free(text);
		return rc;
	}
	body = json_object();
	set_opt(body, "external_id", ctl->opt[O_EXTERNAL_ID]);
	json_object_set_new(body, "text", json_stringn(text, len));
	set_opt(body, "kind", ctl->opt[O_KIND]);
	set_opt(body, "title", ctl->opt[O_TITLE]);
	set_pair(body, "region", "code", ctl->opt[O_REGION_CODE],
	    "name", ctl->opt[O_REGION_NAME]);
	set_opt(body, "occurred_at", ctl->opt[O_OCCURRED_AT]);
	set_opt(body, "published_at", ctl->opt[O_PUBLISHED_AT]);
	set_pair(body, "contact", "name", ctl->opt[O_CONTACT_NAME],
	    "phone", ctl->opt[O_CONTACT_PHONE]);
	set_opt(body, "callback_url", ctl->opt[O_CALLBACK_URL]);
	rc = request(ctl, "POST", path, body, &r, &status);
	json_decref(body);
	if (rc == CTL_OK && submit)
		rc = check_id(ctl, path, r);
	if (rc == CTL_OK && ctl->opt[O_JSON] != NULL) {
		print_json(r);
	} else if (rc == CTL_OK) {
		char b1[FIELD_MAX], b2[FIELD_MAX];

		clean_strings(r);
		if (submit)
			printf("submission %s (external id %s) %s\n",
			    field(r, "id", b1), field(r, "external_id", b2),
			    status == 201 ? "stored" : "already stored");
		rc = print_result(ctl, path, r, text, len);
	}
	json_decref(r);
	free(text);
	return rc;
}

static int
cmd_submit(struct ctl *ctl)
{
	return send_text(ctl, "/v1/submissions", 1);
}

static int
cmd_check(struct ctl *ctl)
{
	return send_text(ctl, "/v1/check", 0);
}

/* --- flags ------------------------------------------------------------- */

/* The columns of flags list, and the most each may take. */
enum { C_ID, C_STATUS, C_SEVERITY, C_CATEGORY, C_ITEM, C_DATE, C_REGION,
	C_EXCERPT, NCOLS };
static const size_t col_max[NCOLS] = { 12, 12, 4, 24, 12, 10, 16, 40 };

struct row {
	const char *cell[NCOLS];
	char buf[NCOLS][FIELD_MAX];
};

static void
flag_row(const json_t *f, struct row *r)
{
	const char *s;

	r->cell[C_ID] = field(f, "id", r->buf[C_ID]);
	r->cell[C_STATUS] = field(f, "status", r->buf[C_STATUS]);
	s = field(f, "severity", r->buf[C_SEVERITY]);
	if (s == r->buf[C_SEVERITY])
		strncat(r->buf[C_SEVERITY], "/5",
		    FIELD_MAX - strlen(r->buf[C_SEVERITY]) - 1);
	r->cell[C_SEVERITY] = s;
	r->cell[C_CATEGORY] = field(f, "category", r->buf[C_CATEGORY]);
	s = field(f, "measure.number", r->buf[C_ITEM]);
	r->cell[C_ITEM] = present(s) ? s : field(f, "measure.item",
	    r->buf[C_ITEM]);
	r->cell[C_DATE] = field(f, "date", r->buf[C_DATE]);
	s = field(f, "region.name", r->buf[C_REGION]);
	r->cell[C_REGION] = present(s) ? s : field(f, "region.code",
	    r->buf[C_REGION]);
	r->cell[C_EXCERPT] = field(f, "excerpt", r->buf[C_EXCERPT]);
}

/* One line per flag, each column as wide as its widest cell allows. */
static void
print_flags(const json_t *flags)
{
	size_t i, c, n = json_array_size(flags), width[NCOLS] = { 0 };
	struct row *rows = md_xcalloc(n, sizeof *rows);

	for (i = 0; i < n; i++) {
		flag_row(json_array_get(flags, i), &rows[i]);
		for (c = 0; c < NCOLS; c++) {
			size_t w = u8_width(rows[i].cell[c]);

			if (w > width[c])
				width[c] = w < col_max[c] ? w : col_max[c];
		}
	}
	for (i = 0; i < n; i++) {
		for (c = 0; c < NCOLS; c++) {
			if (c > 0)
				fputs("  ", stdout);
			put_cell(rows[i].cell[c], width[c], c == C_ID,
			    c == NCOLS - 1);
		}
		fputc('\n', stdout);
	}
	free(rows);
}

/* GET /v1/flags with the filters given and the cursor. */
static char *
flags_path(struct ctl *ctl, const char *cursor)
{
	static const struct {
		enum opt opt;
		const char *key;
	} params[] = {
		{ O_STATUS, "status" }, { O_CATEGORY, "category" },
		{ O_ITEM, "item" }, { O_REGION, "region" },
		{ O_SEVERITY, "severity" }, { O_FROM, "from" }, { O_TO, "to" },
		{ O_LIMIT, "limit" },
	};
	struct md_buf q = { 0 };
	size_t i;

	md_buf_adds(&q, "/v1/flags");
	for (i = 0; i < MD_NELEM(params); i++)
		ctl_query_add(ctl->client, &q, params[i].key,
		    ctl->opt[params[i].opt]);
	ctl_query_add(ctl->client, &q, "cursor", cursor);
	return q.data;
}

/*
 * One page into *all: the first page becomes it, later pages add their
 * flags to its array.  *next is the page's next_cursor (copied) or NULL.
 */
static int
take_page(struct ctl *ctl, const char *path, json_t *page, json_t **all,
    char **next)
{
	json_t *flags = object_array(page, "flags"), *nc;

	nc = json_object_get(page, "next_cursor");
	if (flags == NULL)
		return malformed(ctl, path, "no \"flags\" array of objects");
	if (nc != NULL && !json_is_null(nc) && !json_is_string(nc))
		return malformed(ctl, path, "next_cursor is neither a string "
		    "nor null");
	*next = json_is_string(nc) ? md_xstrdup(json_string_value(nc)) : NULL;
	if (*all == NULL)
		*all = json_incref(page);
	else
		json_array_extend(json_object_get(*all, "flags"), flags);
	return CTL_OK;
}

/* The pages: one, or with --all every one until next_cursor is null. */
static int
fetch_flags(struct ctl *ctl, json_t **all, char **next)
{
	char *cursor = NULL, *path;
	json_t *page;
	int rc;

	*all = NULL;
	*next = NULL;
	if (ctl->opt[O_CURSOR] != NULL)
		cursor = md_xstrdup(ctl->opt[O_CURSOR]);
	for (;;) {
		path = flags_path(ctl, cursor);
		rc = request(ctl, "GET", path, NULL, &page, NULL);
		if (rc == CTL_OK) {
			rc = take_page(ctl, path, page, all, next);
			json_decref(page);
		}
		free(path);
		if (rc != CTL_OK || ctl->opt[O_ALL] == NULL || *next == NULL)
			break;
		if (cursor != NULL && strcmp(*next, cursor) == 0) {
			fprintf(stderr, "measurectl: the server gave cursor "
			    "\"%s\" again; stopping\n", cursor);
			rc = CTL_FAIL;
			break;
		}
		free(cursor);
		cursor = *next;
		*next = NULL;
	}
	free(cursor);
	return rc;
}

static int
cmd_flags_list(struct ctl *ctl)
{
	const char *sev = ctl->opt[O_SEVERITY], *limit = ctl->opt[O_LIMIT];
	json_t *all = NULL;
	char *next = NULL;
	int rc;

	if (sev != NULL && !number_in(sev, 1, 5))
		return usage_error(ctl, "--severity must be 1 to 5, not "
		    "\"%s\"", sev);
	if (limit != NULL && !number_in(limit, 1, INT32_MAX))
		return usage_error(ctl, "--limit must be a positive integer, "
		    "not \"%s\"", limit);
	if ((rc = connect_client(ctl)) != CTL_OK)
		return rc;
	rc = fetch_flags(ctl, &all, &next);
	if (rc == CTL_OK && ctl->opt[O_JSON] != NULL) {
		if (ctl->opt[O_ALL] != NULL)
			json_object_set_new(all, "next_cursor", json_null());
		print_json(all);
	} else if (rc == CTL_OK) {
		clean_strings(all);
		if (json_array_size(json_object_get(all, "flags")) == 0)
			printf("no flags\n");
		print_flags(json_object_get(all, "flags"));
		if (next != NULL)
			printf("next: %s\n", next);
	}
	free(next);
	json_decref(all);
	return rc;
}

static void
print_submission(const json_t *s)
{
	char b1[FIELD_MAX], b2[FIELD_MAX], b3[FIELD_MAX], b4[FIELD_MAX];
	const char *title;

	if (!json_is_object(s))
		return;
	printf("submission %s  %s  platform %s  external id %s\n",
	    field(s, "id", b1), field(s, "kind", b2), field(s, "platform", b3),
	    field(s, "external_id", b4));
	title = field(s, "title", b1);
	if (present(title))
		printf("title      %s\n", title);
	if (json_is_object(json_object_get(s, "region")))
		printf("region     %s %s\n", field(s, "region.code", b1),
		    field(s, "region.name", b2));
	if (json_is_object(json_object_get(s, "contact")))
		printf("contact    %s %s\n", field(s, "contact.name", b1),
		    field(s, "contact.phone", b2));
}

static void
print_history(const json_t *f)
{
	char b[6][FIELD_MAX];
	json_t *history = object_array(f, "history"), *h;
	const char *note;
	size_t i;

	if (history == NULL || json_array_size(history) == 0)
		return;
	printf("history\n");
	json_array_foreach(history, i, h) {
		note = field(h, "note", b[5]);
		printf("  %s  %s  %s -> %s  by %s%s%s\n", field(h, "at", b[0]),
		    field(h, "action", b[1]), field(h, "from", b[2]),
		    field(h, "to", b[3]), field(h, "actor", b[4]),
		    present(note) ? ": " : "", present(note) ? note : "");
	}
}

/* flags show: the flag, its measure, its text, its submission, its
 * history. */
static void
print_flag(const json_t *f)
{
	char b[6][FIELD_MAX];
	const char *number = field(f, "measure.number", b[5]);

	printf("flag %s: %s\n", field(f, "id", b[0]), field(f, "status", b[1]));
	printf("category   %s  severity %s/5  confidence %s\n",
	    field(f, "category", b[0]), field(f, "severity", b[1]),
	    field(f, "confidence", b[2]));
	printf("rule       %s (plugin %s)\n", field(f, "rule", b[0]),
	    field(f, "plugin", b[1]));
	printf("measure    %s %s%s%s\n", field(f, "measure.version", b[0]),
	    field(f, "measure.item", b[1]), present(number) ? " " : "",
	    present(number) ? number : "");
	printf("           %s\n", field(f, "measure.text", b[0]));
	printf("span       bytes %s-%s\n", field(f, "span.start", b[0]),
	    field(f, "span.end", b[1]));
	printf("text       %s\n", field(f, "excerpt", b[0]));
	printf("why        %s\n", field(f, "reason", b[0]));
	print_submission(json_object_get(f, "submission"));
	print_history(f);
}

static int
cmd_flags_show(struct ctl *ctl)
{
	json_t *f = NULL;
	char *path;
	int rc;

	if ((rc = check_flag_id(ctl, ctl->args[0])) != CTL_OK)
		return rc;
	if ((rc = connect_client(ctl)) != CTL_OK)
		return rc;
	path = md_xasprintf("/v1/flags/%s", ctl->args[0]);
	rc = request(ctl, "GET", path, NULL, &f, NULL);
	if (rc == CTL_OK)
		rc = check_id(ctl, path, f);
	if (rc == CTL_OK && ctl->opt[O_JSON] != NULL) {
		print_json(f);
	} else if (rc == CTL_OK) {
		clean_strings(f);
		print_flag(f);
	}
	json_decref(f);
	free(path);
	return rc;
}

/* --- review -------------------------------------------------------------- */

static int
cmd_review(struct ctl *ctl)
{
	const char *id = ctl->args[0], *action = ctl->args[1];
	const char *note = ctl->opt[O_NOTE], *to;
	char b1[FIELD_MAX], b2[FIELD_MAX];
	json_t *body, *f = NULL, *history, *last;
	size_t i;
	char *path;
	int rc;

	if ((rc = check_flag_id(ctl, id)) != CTL_OK)
		return rc;
	for (i = 0; i < MD_NELEM(review_actions); i++)
		if (strcmp(action, review_actions[i]) == 0)
			break;
	if (i == MD_NELEM(review_actions))
		return usage_error(ctl, "unknown review action \"%s\"", action);
	if (note == NULL || *note == '\0')
		return usage_error(ctl, "review needs --note TEXT");
	if ((rc = connect_client(ctl)) != CTL_OK)
		return rc;
	body = json_pack("{s:s, s:s}", "action", action, "note", note);
	if (body == NULL) {
		fprintf(stderr, "measurectl: --note is not valid UTF-8\n");
		return CTL_USAGE;
	}
	/* The note the platform's callback carries (docs/API.md). */
	if (ctl->opt[O_PUBLIC_NOTE] != NULL && json_object_set_new(body,
	    "public_note", json_string(ctl->opt[O_PUBLIC_NOTE])) != 0) {
		json_decref(body);
		fprintf(stderr, "measurectl: --public-note is not valid "
		    "UTF-8\n");
		return CTL_USAGE;
	}
	path = md_xasprintf("/v1/flags/%s/review", id);
	rc = request(ctl, "POST", path, body, &f, NULL);
	if (rc == CTL_OK)
		rc = check_id(ctl, path, f);
	if (rc == CTL_OK && ctl->opt[O_JSON] != NULL) {
		print_json(f);
	} else if (rc == CTL_OK) {
		/* The change is the last history entry (the review). */
		clean_strings(f);
		history = object_array(f, "history");
		last = json_array_get(history, json_array_size(history) - 1);
		to = field(last, "to", b2);
		printf("flag %s: %s -> %s\n", id, field(last, "from", b1),
		    present(to) ? to : field(f, "status", b2));
	}
	json_decref(body);
	json_decref(f);
	free(path);
	return rc;
}

/* --- main ---------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	struct ctl ctl = { 0 };
	int rc;

	rc = parse(&ctl, argc, argv);
	if (rc >= 0)
		return rc;
	ctl.url = base_url(&ctl);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "measurectl: cannot initialise libcurl\n");
		return CTL_FAIL;
	}
	rc = ctl.cmd->exec(&ctl);
	ctl_client_free(ctl.client);
	curl_global_cleanup();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "measurectl: writing the output: %s\n",
		    strerror(errno));
		return CTL_FAIL;
	}
	return rc;
}
