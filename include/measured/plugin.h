/*
 * measured/plugin.h - the whole contract between measured and its checker
 * plugins.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * md_plugin_descriptor, a const struct md_plugin.  The host reads the ABI
 * version at the start of that struct before it touches anything else,
 * refuses a plugin built for another major version or a newer minor version,
 * then calls init() once, check() once per document (from one thread at a
 * time per plugin instance) and fini() once.
 *
 * Plugins never allocate findings, never see the store and never block: they
 * read a normalized, read-only document and report findings through a sink.
 * Everything that more than one plugin needs (numerals, durations, clause
 * splitting, negation scope, rule-pack matching, regular expressions) is a
 * host service reached through struct md_host, so a test can hand a plugin a
 * mock host.
 *
 * ABI rules: a new minor version may only append members at the end of
 * struct md_host and struct md_document and add new enum values; anything
 * else is a new major version.  A plugin built against minor N runs on any
 * host whose minor is >= N.
 *
 * Changelog
 *   1.0 (2026-11)  first version: descriptor, host table with text services,
 *                  rule-pack matching and regular expressions, finding sink.
 *   1.1 (2026-11)  md_host.asks_at: whether a clause only asks or passes on
 *                  hearsay, by the host's own rule (plugins had copies).
 */
#ifndef MEASURED_PLUGIN_H
#define MEASURED_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MD_PLUGIN_ABI_MAJOR 1
#define MD_PLUGIN_ABI_MINOR 1

/* Name of the one symbol a plugin exports. */
#define MD_PLUGIN_SYMBOL "md_plugin_descriptor"

#if defined(__GNUC__)
#define MD_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define MD_PLUGIN_EXPORT
#endif

/* Severity of a finding: 1 (worth a look) .. 5 (grave, act now). */
#define MD_SEVERITY_MIN 1
#define MD_SEVERITY_MAX 5

/* Byte offsets [start, end) into md_document.text. */
struct md_span {
	size_t start;
	size_t end;
};

/*
 * A clause is a run of text between clause punctuation (，,；;：:) inside
 * a sentence; 、 does not end one, nor does an ASCII comma between digits
 * (1,000) or a colon between digits (10:30).  A sentence ends at 。！？!? or
 * a line break, with any closing quotes or brackets after it.
 */
struct md_clause {
	size_t start;
	size_t end;
	size_t sentence;	/* index into md_document.sentences */
};

/*
 * The document a plugin checks.  text is the normalized form of what was
 * submitted: valid UTF-8, full-width letters, digits and punctuation folded
 * to ASCII, NUL-terminated.  Spans refer to text; the host maps them back to
 * the bytes as submitted.
 */
struct md_document {
	const char *text;
	size_t len;
	const char *kind;	/* "notice" or "complaint" */
	const char *date;	/* "YYYY-MM-DD": the day the document is judged by */
	const char *version;	/* the measures version in force that day */
	const struct md_clause *clauses;
	size_t nclauses;
	const struct md_clause *sentences;
	size_t nsentences;
};

/* What governs a position in the text. */
enum md_scope {
	MD_SCOPE_PLAIN = 0,	/* nothing: the words mean what they say */
	MD_SCOPE_NEGATED = 1,	/* under 不得, 严禁, 禁止, 不再, 取消 ... */
	MD_SCOPE_LIFTED = 2	/* under 解封, 解除, 恢复, 有序放开 ... */
};

/* A duration in days (hours / 24); kind tells which unit was written. */
struct md_duration {
	double days;
	int unit;		/* one of MD_UNIT_* */
};
#define MD_UNIT_HOUR 1
#define MD_UNIT_DAY 2
#define MD_UNIT_WEEK 3
#define MD_UNIT_MONTH 4

/* A test frequency: count tests every period_days days (一天两检: 2 per 1). */
struct md_frequency {
	double count;
	double period_days;
};

/* One match of one rule of the calling plugin's rule pack. */
struct md_match {
	const char *rule;	/* rule id */
	const char *category;
	int severity;		/* the rule's severity */
	struct md_span span;	/* the pattern's match in md_document.text */
	const struct md_clause *clause;	/* the clause the match starts in */
	const char *reason;	/* the rule's reason text */
};

/* A finding, filled by a plugin and copied by the host in emit(). */
struct md_finding {
	const char *rule;	/* id of a rule in the plugin's pack; required */
	const char *category;	/* NULL: the rule's category */
	int severity;		/* 0: the rule's severity */
	double confidence;	/* 0 < c <= 1; 0 means 1.0 */
	struct md_span span;
	const char *reason;	/* NULL: the rule's reason */
};

struct md_sink {
	/* Returns 0, or -EINVAL when the finding is refused (undeclared
	 * category, unknown rule, bad span); the host logs why. */
	int (*emit)(struct md_sink *sink, const struct md_finding *finding);
	void *host_data;
};

/* Opaque host objects. */
struct md_ctx;		/* one per loaded plugin; passed to every service */
struct md_regex;	/* a compiled pattern, freed by the host at fini */
struct md_config;	/* the plugin's <plugin> element of the config */

typedef void (*md_match_fn)(void *arg, const struct md_match *match);

#define MD_LOG_ERR 3
#define MD_LOG_WARNING 4
#define MD_LOG_INFO 6
#define MD_LOG_DEBUG 7

/*
 * Host services.  Every function is safe to call from init() and check().
 * Functions returning int return 0 (or a count) on success and a negative
 * errno value on failure unless stated otherwise.
 */
struct md_host {
	uint16_t abi_major;
	uint16_t abi_minor;

	void (*log)(struct md_ctx *ctx, int priority, const char *fmt, ...)
#if defined(__GNUC__)
	    __attribute__((format(printf, 3, 4)))
#endif
	    ;

	/* The value of a config option of this plugin (<option name="..">),
	 * or NULL. */
	const char *(*config_get)(struct md_ctx *ctx, const char *name);

	/* 0 when s[0..len) is valid UTF-8; else -EILSEQ and *bad the offset
	 * of the first bad byte. */
	int (*utf8_check)(const char *s, size_t len, size_t *bad);

	/* Numerals at s: 7, ７, 七, 十四, 二十一, 两, 半, 1.5.  Returns 0
	 * and sets *value and *used (bytes read), or -ENOENT. */
	int (*parse_number)(const char *s, size_t len, double *value,
	    size_t *used);

	/* "7+3" or "7天+3天" at s: the two numbers.  0 or -ENOENT. */
	int (*parse_plus)(const char *s, size_t len, double *first,
	    double *second, size_t *used);

	/* A duration at s: 7天, 十四日, 48小时, 一周, 半个月.  0 or -ENOENT. */
	int (*parse_duration)(const char *s, size_t len,
	    struct md_duration *out, size_t *used);

	/* A test frequency at s: 一天两检, 每日一次, 三天两检, 每天两次核酸.
	 * 0 or -ENOENT. */
	int (*parse_frequency)(const char *s, size_t len,
	    struct md_frequency *out, size_t *used);

	/* The clause containing byte offset off of doc->text, or NULL. */
	const struct md_clause *(*clause_at)(const struct md_document *doc,
	    size_t off);

	/* What governs the text at [start, end): negation or lifting words
	 * earlier in the same clause (see docs/RULES.md). */
	enum md_scope (*scope_at)(const struct md_document *doc, size_t start,
	    size_t end);

	/* Runs the calling plugin's rule pack over doc, with every rule's
	 * conditions applied, and calls fn for each match, in text order.
	 * Returns the number of matches, or a negative errno. */
	int (*match_rules)(struct md_ctx *ctx, const struct md_document *doc,
	    md_match_fn fn, void *arg);

	/* Compiles a PCRE2 pattern (UTF, UCP, JIT, with limits).  NULL on
	 * error, logged with the pattern and the offset.  Owned by the host. */
	struct md_regex *(*regex_compile)(struct md_ctx *ctx,
	    const char *pattern);

	/* Searches text[from, to) for re.  1 and *span on a match, 0 on none,
	 * -ERANGE when a match or depth limit was hit (the host counts it as
	 * "not evaluated"). */
	int (*regex_search)(struct md_ctx *ctx, const struct md_regex *re,
	    const struct md_document *doc, size_t from, size_t to,
	    struct md_span *span);

	/* Like regex_search, but only a match that the text states: the
	 * first one whose scope_at is MD_SCOPE_PLAIN ("经省级批准", not
	 * "严禁未经批准" restated).  Same return values. */
	int (*regex_search_stated)(struct md_ctx *ctx,
	    const struct md_regex *re, const struct md_document *doc,
	    size_t from, size_t to, struct md_span *span);

	/* Since 1.1.  1 when the clause holding doc->text[off] only asks
	 * ("请问要隔离几天？") or passes on hearsay ("听说要封校"): the rule
	 * the host applies where a rule match starts, for plugins whose
	 * statement lies in a later clause. */
	int (*asks_at)(struct md_ctx *ctx, const struct md_document *doc,
	    size_t off);
};

struct md_plugin {
	/* Must be first: they protect the rest. */
	uint16_t abi_major;
	uint16_t abi_minor;

	const char *name;	/* [a-z][a-z0-9_]*, unique */
	const char *version;	/* the plugin's own version */
	const char *const *categories;	/* NULL-terminated; all it may emit */

	/* Called once.  *state is the plugin's own; 0 or a negative errno
	 * (the plugin is then not used and the reason is logged). */
	int (*init)(struct md_ctx *ctx, const struct md_host *host,
	    void **state);

	/* Called per document.  0, or a negative errno (logged; the
	 * document's other findings stand). */
	int (*check)(void *state, const struct md_document *doc,
	    struct md_sink *sink);

	void (*fini)(void *state);
};

/* Emits a match as it stands: the rule's category, severity and reason. */
static inline int
md_emit_match(struct md_sink *sink, const struct md_match *m)
{
	struct md_finding f = { m->rule, NULL, 0, 0.0, m->span, NULL };

	return sink->emit(sink, &f);
}

/*
 * Defines the descriptor; the ABI version comes first and is filled in
 * from this header.  Use: MD_PLUGIN_DEFINE(.name = "x", .version = "1",
 * .categories = cats, .init = x_init, .check = x_check, .fini = x_fini);
 */
#define MD_PLUGIN_DEFINE(...)                                          \
	MD_PLUGIN_EXPORT extern const struct md_plugin                 \
	    md_plugin_descriptor;                                      \
	const struct md_plugin md_plugin_descriptor = {                \
		.abi_major = MD_PLUGIN_ABI_MAJOR,                      \
		.abi_minor = MD_PLUGIN_ABI_MINOR, __VA_ARGS__ }

#ifdef __cplusplus
}
#endif

#endif /* MEASURED_PLUGIN_H */
