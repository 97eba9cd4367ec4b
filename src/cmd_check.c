/*
 * cmd_check.c - `measured check`: checks files (or standard input) from the
 * command line and prints the findings for people (text) or programs
 * (JSON, one object per input on its own line).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd_check.h"
#include "json.h"
#include "engine.h"

#define CHECK_MAX_INPUT (16u * 1024u * 1024u)

static const char *
source_words(const char *src)
{
	if (strcmp(src, "option") == 0)
		return "from --date";
	if (strcmp(src, "text") == 0)
		return "stated in the text";
	if (strcmp(src, "today") == 0)
		return "no date in the text: today";
	return src;
}

static json_t *
item_json(const struct md_measures *m, const struct md_item *it, int text)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "version", m->version, "item",
	    it->id, "number", it->number ? it->number : "");

	if (text)
		json_object_set_new(o, "text", json_string(it->text));
	return o;
}

json_t *
md_findings_json(const struct md_result *r, int text)
{
	json_t *arr = json_array();
	size_t i, k;

	for (i = 0; i < r->n; i++) {
		const struct md_found *f = &r->findings[i];
		json_t *also = json_array();

		for (k = 0; k < f->nalso; k++)
			json_array_append_new(also, item_json(r->measures,
			    f->also[k], text));
		json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:s, "
		    "s:s, s:i, s:f, s:{s:I, s:I}, s:s, s:s}",
		    "category", f->category,
		    "measure", item_json(r->measures, f->item, text),
		    "also", also,
		    "rule", f->rule->id,
		    "plugin", f->plugin,
		    "severity", f->severity,
		    "confidence", f->confidence,
		    "span", "start", (json_int_t)f->start,
		    "end", (json_int_t)f->end,
		    "excerpt", f->excerpt,
		    "reason", f->reason));
	}
	return arr;
}

static void
write_str(struct md_buf *b, const char *s)
{
	md_json_write_string(b, s, strlen(s));
}

static void
item_write(struct md_buf *b, const struct md_measures *m,
    const struct md_item *it, int text)
{
	md_buf_adds(b, "{\"version\":");
	write_str(b, m->version);
	md_buf_adds(b, ",\"item\":");
	write_str(b, it->id);
	md_buf_adds(b, ",\"number\":");
	write_str(b, it->number ? it->number : "");
	if (text) {
		md_buf_adds(b, ",\"text\":");
		write_str(b, it->text);
	}
	md_buf_add(b, "}", 1);
}

void
md_finding_write(struct md_buf *b, const struct md_result *r,
    const struct md_found *f, int text)
{
	size_t k;

	md_buf_adds(b, "{\"category\":");
	write_str(b, f->category);
	md_buf_adds(b, ",\"measure\":");
	item_write(b, r->measures, f->item, text);
	md_buf_adds(b, ",\"also\":[");
	for (k = 0; k < f->nalso; k++) {
		if (k > 0)
			md_buf_add(b, ",", 1);
		item_write(b, r->measures, f->also[k], text);
	}
	md_buf_adds(b, "],\"rule\":");
	write_str(b, f->rule->id);
	md_buf_adds(b, ",\"plugin\":");
	write_str(b, f->plugin);
	md_buf_adds(b, ",\"severity\":");
	md_json_write_int(b, f->severity);
	md_buf_adds(b, ",\"confidence\":");
	md_json_write_real(b, f->confidence);
	md_buf_adds(b, ",\"span\":{\"start\":");
	md_json_write_int(b, (long long)f->start);
	md_buf_adds(b, ",\"end\":");
	md_json_write_int(b, (long long)f->end);
	md_buf_adds(b, "},\"excerpt\":");
	write_str(b, f->excerpt);
	md_buf_adds(b, ",\"reason\":");
	write_str(b, f->reason);
	md_buf_add(b, "}", 1);
}

json_t *
md_result_json(const char *input, const struct md_result *r)
{
	return json_pack("{s:s, s:o, s:s, s:s, s:o, s:I}", "input", input,
	    "version", r->measures ? json_string(r->measures->version) :
	    json_null(), "date", r->date, "date_source", r->date_source,
	    "findings", md_findings_json(r, 1),
	    "not_evaluated", (json_int_t)r->not_evaluated);
}

/*
 * The sentence of a measure item that the finding rests on, for people:
 * items run to several sentences, so text output shows the one sharing
 * most two-character words with the rule's reason (which quotes the
 * measure), marked with … where text was left out.  JSON has it all.
 */
static void
print_item(FILE *out, const char *label, const char *version,
    const struct md_item *it, const char *reason)
{
	const char *p = it->text, *best = it->text, *best_end = NULL;
	int best_score = -1;

	while (*p != '\0') {
		const char *e = strstr(p, "\xe3\x80\x82");	/* 。 */
		const char *q;
		int score = 0;

		e = e ? e + 3 : p + strlen(p);
		/* Count the sentence's CJK bigrams that occur in reason. */
		for (q = p; q + 6 <= e; q += 3) {
			char bigram[7];

			memcpy(bigram, q, 6);
			bigram[6] = '\0';
			if (strstr(reason, bigram) != NULL)
				score++;
		}
		if (score > best_score) {
			best_score = score;
			best = p;
			best_end = e;
		}
		p = e;
	}
	fprintf(out, "      %-7s %s %s%s: %s%.*s%s\n", label, version,
	    it->part ? it->part : "", it->number ? it->number : it->id,
	    best == it->text ? "" : "\xe2\x80\xa6", (int)(best_end - best), best,
	    *best_end == '\0' ? "" : "\xe2\x80\xa6");
}

static void
print_text(FILE *out, const char *input, const struct md_result *r)
{
	size_t i, j;

	fprintf(out, "%s: %zu finding%s; date %s (%s); measures %s\n", input,
	    r->n, r->n == 1 ? "" : "s", r->date, source_words(r->date_source),
	    r->measures ? r->measures->version : "none in force");
	for (i = 0; i < r->n; i++) {
		const struct md_found *f = &r->findings[i];

		fprintf(out, "\n  [%zu] %s  severity %d/5  rule %s  "
		    "bytes %zu-%zu\n", i + 1, f->category, f->severity,
		    f->rule->id, f->start, f->end);
		print_item(out, "measure", r->measures->version, f->item,
		    f->reason);
		for (j = 0; j < f->nalso; j++)
			print_item(out, "also", r->measures->version,
			    f->also[j], f->reason);
		fprintf(out, "      text    %.*s\xe3\x80\x90%.*s\xe3\x80\x91%s\n",
		    (int)f->ex_start, f->excerpt,
		    (int)(f->ex_end - f->ex_start), f->excerpt + f->ex_start,
		    f->excerpt + f->ex_end);
		fprintf(out, "      why     %s\n", f->reason);
	}
	if (r->not_evaluated > 0)
		fprintf(out, "  (%lu rule match%s abandoned at the PCRE2 "
		    "limits: not evaluated)\n", r->not_evaluated,
		    r->not_evaluated == 1 ? "" : "es");
}

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: measured check [-c FILE] [--date YYYY-MM-DD] "
	    "[--kind notice|complaint]\n"
	    "                      [--format text|json] FILE...|-\n"
	    "Checks each document against the measures in force on its date."
	    "\nExit status: 0 nothing found, 1 findings, 2 an error.\n");
}

int
md_check_main(int argc, char **argv, const char *conf_path)
{
	static const struct option opts[] = {
		{ "date", required_argument, NULL, 'd' },
		{ "kind", required_argument, NULL, 'k' },
		{ "format", required_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *date = NULL, *kind = "notice", *format = "text";
	struct md_error err = { 0 };
	struct md_engine *e;
	int c, i, status = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			date = optarg;
			break;
		case 'k':
			kind = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'c':
			conf_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (strcmp(kind, "notice") != 0 && strcmp(kind, "complaint") != 0) {
		fprintf(stderr, "measured check: --kind must be notice or "
		    "complaint, not \"%s\"\n", kind);
		return 2;
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
		fprintf(stderr, "measured check: --format must be text or "
		    "json, not \"%s\"\n", format);
		return 2;
	}
	if (date != NULL && !md_date_valid(date)) {
		fprintf(stderr, "measured check: --date \"%s\" is not a valid "
		    "YYYY-MM-DD date\n", date);
		return 2;
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	e = md_engine_load(conf_path, &err);
	if (e == NULL) {
		fprintf(stderr, "measured: %s\n", err.msg);
		return 2;
	}
	for (i = optind; i < argc; i++) {
		struct md_input in = { 0 };
		struct md_result r;
		size_t len;
		char *text;

		md_error_clear(&err);
		text = md_read_file(argv[i], &len, CHECK_MAX_INPUT, &err);
		if (text == NULL) {
			fprintf(stderr, "measured check: %s\n", err.msg);
			status = 2;
			continue;
		}
		in.name = argv[i];
		in.text = text;
		in.len = len;
		in.kind = kind;
		in.date = date;
		if (md_engine_check(e, &in, &r, &err) != 0) {
			fprintf(stderr, "measured check: %s\n", err.msg);
			status = 2;
		} else {
			if (strcmp(format, "json") == 0) {
				json_t *o = md_result_json(argv[i], &r);

				json_dumpf(o, stdout, JSON_COMPACT |
				    JSON_PRESERVE_ORDER |
				    JSON_REAL_PRECISION(4));
				fputc('\n', stdout);
				json_decref(o);
			} else {
				print_text(stdout, argv[i], &r);
			}
			if (r.plugin_errors > 0)
				status = 2;
			else if (r.n > 0 && status == 0)
				status = 1;
		}
		md_result_free(&r);
		free(text);
	}
	md_engine_free(e);
	fflush(stdout);
	return status;
}
