/*
 * report.c - the weekly exposure report (report.h): ISO-week arithmetic in
 * China Standard Time, aggregation of the store's rows, and the JSON, CSV
 * and HTML renderings.
 *
 * Everything personal stays out by construction: the store's report rows
 * carry no contact field, and every excerpt and place name taken from a
 * submission goes through md_redact() before it reaches the report.  The
 * measure texts come from the catalogue, never from a submission, and are
 * not redacted.
 *
 * The HTML is one self-contained page (inline CSS, inline SVG charts, no
 * script, nothing loaded) that validates as HTML5 (tests run tidy over
 * it); charts and tables carry stable ids so browser tests can find them.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "redact.h"
#include "report.h"

#define CST (8 * 3600)

/* --- weeks -------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static long
days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* 0 for Monday .. 6 for Sunday. */
static int
weekday(long days)
{
	return (int)(((days % 7) + 7 + 3) % 7);	/* 1970-01-01 was a Thursday */
}

/* Days since the epoch of Monday of week 1 of year. */
static long
week1_monday(int year)
{
	long jan4 = days_from_civil(year, 1, 4);

	return jan4 - weekday(jan4);
}

int
md_week_count(int year)
{
	return (int)((week1_monday(year + 1) - week1_monday(year)) / 7);
}

int
md_week_parse(const char *s, struct md_week *w, struct md_error *err)
{
	int i, y = 0, n = 0;

	if (s == NULL || strlen(s) != 8 || s[4] != '-' || s[5] != 'W')
		goto shape;
	for (i = 0; i < 8; i++) {
		if (i == 4 || i == 5)
			continue;
		if (s[i] < '0' || s[i] > '9')
			goto shape;
		if (i < 4)
			y = y * 10 + (s[i] - '0');
		else
			n = n * 10 + (s[i] - '0');
	}
	if (y < 2000 || y > 2999) {
		md_error_set(err, "week \"%s\": the year must be from 2000 to "
		    "2999", s);
		return -1;
	}
	if (n < 1 || n > md_week_count(y)) {
		md_error_set(err, "week \"%s\": %d has ISO weeks 01 to %02d", s,
		    y, md_week_count(y));
		return -1;
	}
	w->year = y;
	w->week = n;
	return 0;
shape:
	md_error_set(err, "week \"%s\": expected an ISO week as YYYY-Www, "
	    "such as 2022-W47", s ? s : "");
	return -1;
}

void
md_week_format(const struct md_week *w, char out[16])
{
	snprintf(out, 16, "%04d-W%02d", w->year, w->week);
}

time_t
md_week_start(const struct md_week *w)
{
	long days = week1_monday(w->year) + 7L * (w->week - 1);

	return (time_t)days * 86400 - CST;
}

void
md_week_of(time_t t, struct md_week *w)
{
	long days, monday;
	int y;
	time_t local = t + CST;

	days = (long)(local >= 0 ? local / 86400 : (local - 86399) / 86400);
	/* The ISO year is the calendar year of the week's Thursday. */
	monday = days - weekday(days);
	{
		time_t thu = (time_t)(monday + 3) * 86400;
		struct tm tm;

		gmtime_r(&thu, &tm);
		y = tm.tm_year + 1900;
	}
	w->year = y;
	w->week = (int)((monday - week1_monday(y)) / 7) + 1;
}

void
md_week_add(struct md_week *w, int n)
{
	md_week_of(md_week_start(w) + (time_t)n * 7 * 86400, w);
}

time_t
md_report_next_write(time_t now)
{
	struct md_week w;
	time_t at;

	md_week_of(now, &w);
	at = md_week_start(&w) + MD_REPORT_WRITE_HOUR * 3600;
	if (at <= now)
		at += 7 * 86400;
	return at;
}

time_t
md_report_parse_time(const char *s)
{
	int y, mo, d, h, mi, sec, oh, om, used = 0;
	char sign;
	long days;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%2d:%2d%n", &y,
	    &mo, &d, &h, &mi, &sec, &sign, &oh, &om, &used) != 9 ||
	    s[used] != '\0' || (sign != '+' && sign != '-'))
		return -1;
	days = days_from_civil(y, mo, d);
	return (time_t)days * 86400 + h * 3600 + mi * 60 + sec -
	    (sign == '+' ? 1 : -1) * (oh * 3600 + om * 60);
}

/* "2022-11-21" of a Unix time, in CST. */
static void
cst_date(time_t t, char out[11])
{
	struct tm tm;

	t += CST;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* --- names -------------------------------------------------------------- */

static const char *const categories[][2] = {
	{ "quarantine.excess", "超时超范围隔离" },
	{ "contacts.secondary", "判定“密接的密接”" },
	{ "riskzone.medium", "违规划定中风险区" },
	{ "riskzone.overbroad", "随意扩大高风险区范围" },
	{ "riskzone.not_lifted", "风险区未按时解封" },
	{ "testing.mass", "按行政区域全员核酸检测" },
	{ "testing.frequency", "“一天两检”“一天三检”" },
	{ "testing.certificate", "违规查验核酸证明、健康码" },
	{ "closure.school", "随意封校停课" },
	{ "closure.work", "随意停工停产停业" },
	{ "closure.lockdown", "随意封控、“静默”管理" },
	{ "traffic.block", "擅自阻断交通" },
	{ "closure.medical", "随意停诊、推诿拒诊" },
	{ "services.supplies", "封控隔离人员生活物资保障不力" },
	{ "inbound.flight", "入境航班“熔断”、多次登机前检测" },
	{ "inbound.repeat", "入境人员在目的地重复隔离" },
	{ "stranded.refused", "限制人员离开、拒绝返乡人员" },
	{ "enterprise.shutdown", "白名单重点企业被停产" },
	{ "medicine.restricted", "关停药店、限售退烧止咳感冒药" },
};

const char *
md_report_category_label(const char *category)
{
	size_t i;

	for (i = 0; i < MD_NELEM(categories); i++)
		if (strcmp(categories[i][0], category) == 0)
			return categories[i][1];
	return category;
}

/* GB/T 2260 provinces, by their first two digits. */
static const char *const provinces[][2] = {
	{ "11", "北京市" }, { "12", "天津市" }, { "13", "河北省" },
	{ "14", "山西省" }, { "15", "内蒙古自治区" }, { "21", "辽宁省" },
	{ "22", "吉林省" }, { "23", "黑龙江省" }, { "31", "上海市" },
	{ "32", "江苏省" }, { "33", "浙江省" }, { "34", "安徽省" },
	{ "35", "福建省" }, { "36", "江西省" }, { "37", "山东省" },
	{ "41", "河南省" }, { "42", "湖北省" }, { "43", "湖南省" },
	{ "44", "广东省" }, { "45", "广西壮族自治区" }, { "46", "海南省" },
	{ "50", "重庆市" }, { "51", "四川省" }, { "52", "贵州省" },
	{ "53", "云南省" }, { "54", "西藏自治区" }, { "61", "陕西省" },
	{ "62", "甘肃省" }, { "63", "青海省" }, { "64", "宁夏回族自治区" },
	{ "65", "新疆维吾尔自治区" }, { "71", "台湾省" },
	{ "81", "香港特别行政区" }, { "82", "澳门特别行政区" },
};

const char *
md_report_province(const char *code)
{
	size_t i;

	if (code == NULL || strlen(code) < 2)
		return NULL;
	for (i = 0; i < MD_NELEM(provinces); i++)
		if (strncmp(provinces[i][0], code, 2) == 0)
			return provinces[i][1];
	return NULL;
}

static const char *
status_label(const char *status)
{
	if (strcmp(status, "rectified") == 0)
		return "已整改";
	if (strcmp(status, "escalated") == 0)
		return "已督办，整改中";
	return "已确认，待督办";
}

/* Municipalities: the city is the province. */
static int
municipality(const char *code)
{
	return strncmp(code, "11", 2) == 0 || strncmp(code, "12", 2) == 0 ||
	    strncmp(code, "31", 2) == 0 || strncmp(code, "50", 2) == 0;
}

/*
 * The city's name from a submission's region name (already redacted):
 * without the province's name in front, up to the first 市, 自治州,
 * 地区 or 盟 (else 州).  A 4-digit code names the city itself, so the whole rest is
 * its name.  NULL when nothing fits (the caller shows the code).
 */
static char *
city_name(const char *code, const char *name)
{
	/* 州 last: it is inside city names (广州市, 杭州市). */
	static const char *const ends[] = { "自治州", "地区", "市", "盟" };
	const char *prov = md_report_province(code), *p = name, *best = NULL;
	size_t i, blen = 0;

	if (municipality(code))
		return prov ? md_xstrdup(prov) : NULL;
	if (name == NULL || *name == '\0')
		return NULL;
	if (prov != NULL) {
		size_t pl = strlen(prov);

		if (strncmp(p, prov, pl) == 0) {
			p += pl;
		} else {
			/* A short name: 广东 for 广东省, 广西 for 广西壮族自治区. */
			size_t sl = strncmp(prov, "内蒙古", 9) == 0 ||
			    strncmp(prov, "黑龙江", 9) == 0 ? 9 : 6;

			if (strncmp(p, prov, sl) == 0)
				p += sl;
		}
	}
	if (*p == '\0')
		return NULL;
	if (strlen(code) == 4)
		return md_xstrdup(p);
	for (i = 0; i < MD_NELEM(ends); i++) {
		const char *e = strstr(p, ends[i]);

		if (e != NULL && e > p && (best == NULL || e < best)) {
			best = e;
			blen = strlen(ends[i]);
		}
	}
	if (best == NULL && (best = strstr(p, "州")) != NULL)
		blen = strlen("州");
	if (best == NULL || best - p > 30)
		return NULL;
	return md_xstrndup(p, (size_t)(best - p) + blen);
}

/* --- aggregation -------------------------------------------------------- */

struct tally {
	char *key;
	char *name;		/* may be NULL */
	long cur, prev;
	struct tallies *sub;	/* cities of a province */
	json_t *extra;		/* more members for the row, or NULL */
};

struct tallies {
	struct tally *v;
	size_t n;
};

static struct tally *
tally_get(struct tallies *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0)
			return &t->v[i];
	t->v = md_xreallocarray(t->v, t->n + 1, sizeof *t->v);
	memset(&t->v[t->n], 0, sizeof *t->v);
	t->v[t->n].key = md_xstrdup(key);
	return &t->v[t->n++];
}

static void
tallies_free(struct tallies *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].name);
		json_decref(t->v[i].extra);
		if (t->v[i].sub != NULL) {
			tallies_free(t->v[i].sub);
			free(t->v[i].sub);
		}
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* Most this week first, then most last week, then by key. */
static int
cmp_tally(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	if (x->cur != y->cur)
		return x->cur > y->cur ? -1 : 1;
	if (x->prev != y->prev)
		return x->prev > y->prev ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* The rows of t, sorted; each names its key keyname and its name
 * namename (none when NULL). */
static json_t *
tallies_json(struct tallies *t, const char *keyname, const char *namename)
{
	json_t *arr = json_array();
	size_t i;

	if (t->n > 1)
		qsort(t->v, t->n, sizeof *t->v, cmp_tally);
	for (i = 0; i < t->n; i++) {
		struct tally *e = &t->v[i];
		json_t *o = json_object();

		json_object_set_new(o, keyname, json_string(e->key));
		if (e->extra != NULL)
			json_object_update(o, e->extra);
		if (namename != NULL)
			json_object_set_new(o, namename, e->name ?
			    json_string(e->name) : json_null());
		json_object_set_new(o, "count", json_integer(e->cur));
		json_object_set_new(o, "previous", json_integer(e->prev));
		json_object_set_new(o, "change",
		    json_integer(e->cur - e->prev));
		if (e->sub != NULL)
			json_object_set_new(o, "cities", tallies_json(e->sub,
			    "code", "name"));
		json_array_append_new(arr, o);
	}
	return arr;
}

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile p (0..100) of sorted v[0..n). */
static double
percentile(const double *v, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

/* A typical case: sorted most severe first, then rectified before the
 * rest, then the earliest confirmed. */
static int
cmp_case(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t sx = json_integer_value(json_object_get(x, "severity"));
	json_int_t sy = json_integer_value(json_object_get(y, "severity"));
	int rx = strcmp(jstr(x, "status"), "rectified") == 0;
	int ry = strcmp(jstr(y, "status"), "rectified") == 0;
	json_int_t ix = json_integer_value(json_object_get(x, "id"));
	json_int_t iy = json_integer_value(json_object_get(y, "id"));

	if (sx != sy)
		return sx > sy ? -1 : 1;
	if (rx != ry)
		return rx ? -1 : 1;
	return ix < iy ? -1 : ix > iy;
}

json_t *
md_report_texts(const struct md_catalog *cat)
{
	json_t *o = json_object();
	size_t v, i;

	for (v = 0; cat != NULL && v < cat->n; v++)
		for (i = 0; i < cat->versions[v].nitems; i++) {
			const struct md_item *it = &cat->versions[v].items[i];
			char key[128];

			snprintf(key, sizeof key, "%s/%s",
			    cat->versions[v].version, it->id);
			json_object_set_new(o, key, json_string(it->text));
		}
	return o;
}

/* A row's measure; with its text (from texts) when text is set. */
static json_t *
measure_json(json_t *row, json_t *texts, int text)
{
	json_t *m = json_pack("{s:s?, s:s?, s:s?}", "version", jstr(row,
	    "version"), "item", jstr(row, "item"), "number", jstr(row,
	    "number"));

	if (text) {
		char key[128];

		snprintf(key, sizeof key, "%s/%s", jstr(row, "version") ?
		    jstr(row, "version") : "", jstr(row, "item") ?
		    jstr(row, "item") : "");
		json_object_set_new(m, "text", json_incref(json_object_get(texts,
		    key) ? json_object_get(texts, key) : json_null()));
	}
	return m;
}

/* The region of a row: {province:{code,name}, city:{code,name}} with
 * names redacted; null members when the submission named no region.
 * Borrowed from cache, where each code and name is worked out once. */
static json_t *
region_of(json_t *row, json_t *cache)
{
	const char *code = jstr(row, "region_code");
	const char *name = jstr(row, "region_name");
	char pc[3], cc[5];
	char *red, *city, *key;
	json_t *o;

	key = md_xasprintf("%s\x1f%s", code ? code : "", name ? name : "");
	if ((o = json_object_get(cache, key)) != NULL) {
		free(key);
		return o;
	}
	if (code == NULL || strlen(code) < 2) {
		o = json_pack("{s:n, s:n}", "province", "city");
		json_object_set_new(cache, key, o);
		free(key);
		return o;
	}
	snprintf(pc, sizeof pc, "%.2s", code);
	red = name ? md_redact(name, NULL) : NULL;
	o = json_pack("{s:{s:s, s:s?}}", "province", "code", pc, "name",
	    md_report_province(code));
	if (strlen(code) >= 4) {
		snprintf(cc, sizeof cc, "%.4s", code);
		city = city_name(code, red);
		json_object_set_new(o, "city", json_pack("{s:s, s:s?}", "code",
		    cc, "name", city));
		free(city);
	} else {
		json_object_set_new(o, "city", json_null());
	}
	free(red);
	json_object_set_new(cache, key, o);
	free(key);
	return o;
}

/* A row's excerpt, redacted with the text around it as context, so that
 * nothing is left of a name or number the excerpt's edge cut through. */
static char *
redact_excerpt(json_t *row)
{
	const char *ex = jstr(row, "excerpt"), *ctx = jstr(row, "context");
	const char *p;

	if (ex == NULL)
		return md_xstrdup("");
	if (ctx != NULL && *ex != '\0' && (p = strstr(ctx, ex)) != NULL)
		return md_redact_window(ctx, (size_t)(p - ctx),
		    (size_t)(p - ctx) + strlen(ex), NULL);
	return md_redact(ex, NULL);
}

json_t *
md_report_build(json_t *rows, const struct md_week *w, int ncases,
    json_t *texts, time_t now)
{
	json_t *regions = json_object();
	struct tallies bycat = { 0 }, byitem = { 0 }, byprov = { 0 };
	time_t start = md_week_start(w), end = start + 7 * 86400;
	time_t pstart = start - 7 * 86400, sstart;
	long series[MD_REPORT_WEEKS] = { 0 }, srect[MD_REPORT_WEEKS] = { 0 };
	long total = 0, ptotal = 0, rectified = 0;
	json_t *report, *flags = json_array(), *cases = json_array(), *row;
	json_t **mine = NULL;
	double *delays = NULL;
	size_t nmine = 0, ndelays = 0, i, k;
	char wk[16], from[11], to[11], gen[26];
	struct md_week sw;

	sstart = start - (time_t)(MD_REPORT_WEEKS - 1) * 7 * 86400;
	json_array_foreach(json_object_get(rows, "confirmed"), i, row) {
		time_t t = md_report_parse_time(jstr(row, "confirmed_at"));
		const char *category = jstr(row, "category");
		const char *status = jstr(row, "status");
		int cur = t >= start && t < end, prev = t >= pstart &&
		    t < start;
		struct tally *e;
		json_t *reg;

		if (t < 0 || category == NULL || status == NULL)
			continue;
		if (t >= sstart && t < end) {
			size_t s = (size_t)((t - sstart) / (7 * 86400));

			series[s]++;
			srect[s] += strcmp(status, "rectified") == 0;
		}
		if (!cur && !prev)
			continue;
		total += cur;
		ptotal += prev;
		e = tally_get(&bycat, category);
		e->cur += cur;
		e->prev += prev;
		if (e->name == NULL)
			e->name = md_xstrdup(md_report_category_label(category));
		{
			char key[96];

			snprintf(key, sizeof key, "%s/%s", jstr(row, "version"),
			    jstr(row, "item"));
			e = tally_get(&byitem, key);
			e->cur += cur;
			e->prev += prev;
			if (e->extra == NULL)
				e->extra = measure_json(row, texts, 1);
		}
		reg = region_of(row, regions);
		{
			json_t *p = json_object_get(reg, "province");
			json_t *c = json_object_get(reg, "city");

			e = tally_get(&byprov, json_is_null(p) ? "" :
			    jstr(p, "code"));
			e->cur += cur;
			e->prev += prev;
			if (e->name == NULL)
				e->name = md_xstrdup(json_is_null(p) ?
				    "未注明地区" : jstr(p, "name") ? jstr(p,
				    "name") : "未知省份");
			if (json_is_object(c)) {
				struct tally *ce;

				if (e->sub == NULL)
					e->sub = md_xcalloc(1, sizeof *e->sub);
				ce = tally_get(e->sub, jstr(c, "code"));
				ce->cur += cur;
				ce->prev += prev;
				if (ce->name == NULL && jstr(c, "name") != NULL)
					ce->name = md_xstrdup(jstr(c, "name"));
			}
		}
		if (cur) {
			char *ex = redact_excerpt(row);
			json_t *f = json_pack("{s:O, s:s, s:s, s:s, s:o, s:O, "
			    "s:o, s:s, s:s, s:s, s:s}",
			    "id", json_object_get(row, "id"),
			    "confirmed_at", jstr(row, "confirmed_at"),
			    "category", category,
			    "category_label", md_report_category_label(category),
			    "measure", measure_json(row, texts, 0),
			    "severity", json_object_get(row, "severity"),
			    "region", json_incref(reg),
			    "date", jstr(row, "date"),
			    "status", status,
			    "status_label", status_label(status),
			    "excerpt", ex);

			free(ex);
			json_array_append_new(flags, f);
			rectified += strcmp(status, "rectified") == 0;
		}
	}
	json_decref(regions);

	/* Typical cases, per category in the order of the counts. */
	if (bycat.n > 1)
		qsort(bycat.v, bycat.n, sizeof *bycat.v, cmp_tally);
	for (k = 0; k < bycat.n; k++) {
		json_t *list, *f;
		size_t n = 0;

		if (bycat.v[k].cur == 0)
			break;
		list = json_array();
		nmine = 0;
		if (mine == NULL)
			mine = md_xcalloc(json_array_size(flags) + 1,
			    sizeof *mine);
		json_array_foreach(flags, i, f)
			if (strcmp(jstr(f, "category"), bycat.v[k].key) == 0)
				mine[nmine++] = f;
		qsort(mine, nmine, sizeof *mine, cmp_case);
		for (i = 0; i < nmine && n < (size_t)ncases; i++, n++) {
			/* A case cites its measure's text; the per-flag rows
			 * leave it to by_item. */
			json_t *cs = json_deep_copy(mine[i]);
			json_t *m = json_object_get(cs, "measure");

			json_object_set_new(cs, "measure", measure_json(m,
			    texts, 1));
			json_array_append_new(list, cs);
		}
		json_array_append_new(cases, json_pack("{s:s, s:s, s:o}",
		    "category", bycat.v[k].key, "category_label",
		    bycat.v[k].name, "cases", list));
	}
	free(mine);

	/* Submission to first review, for first reviews in the week. */
	json_array_foreach(json_object_get(rows, "first_reviews"), i, row) {
		time_t at = md_report_parse_time(jstr(row, "at"));
		time_t rc = md_report_parse_time(jstr(row, "received_at"));

		if (at < start || at >= end || rc < 0)
			continue;
		delays = md_xreallocarray(delays, ndelays + 1, sizeof *delays);
		delays[ndelays++] = at > rc ? (double)(at - rc) : 0;
	}
	if (ndelays > 1)
		qsort(delays, ndelays, sizeof *delays, cmp_double);

	md_week_format(w, wk);
	cst_date(start, from);
	cst_date(end - 1, to);
	md_time_iso(now, gen);
	report = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}",
	    "week", wk, "from", from, "to", to, "timezone", "+08:00",
	    "generated_at", gen, "cases_per_category", ncases);
	json_object_set_new(report, "confirmed", json_pack("{s:I, s:I, s:I}",
	    "count", (json_int_t)total, "previous", (json_int_t)ptotal,
	    "change", (json_int_t)(total - ptotal)));
	json_object_set_new(report, "rectified", json_pack("{s:I, s:I, s:o}",
	    "count", (json_int_t)rectified, "of", (json_int_t)total,
	    "share", total ? json_real((double)rectified / (double)total) :
	    json_null()));
	json_object_set_new(report, "review_time", json_pack("{s:I, s:o, "
	    "s:o}", "reviewed", (json_int_t)ndelays,
	    "median_seconds", ndelays ? json_integer((json_int_t)
	    percentile(delays, ndelays, 50)) : json_null(),
	    "p90_seconds", ndelays ? json_integer((json_int_t)
	    percentile(delays, ndelays, 90)) : json_null()));
	free(delays);
	json_object_set_new(report, "by_category", tallies_json(&bycat,
	    "category", "label"));
	json_object_set_new(report, "by_item", tallies_json(&byitem, "key",
	    NULL));
	{
		/* The key was only for grouping: the row has the measure. */
		json_t *it;

		json_array_foreach(json_object_get(report, "by_item"), i, it)
			json_object_del(it, "key");
	}
	json_object_set_new(report, "by_region", tallies_json(&byprov,
	    "code", "name"));
	{
		/* Flags with no region have code "" while grouping. */
		json_t *p;

		json_array_foreach(json_object_get(report, "by_region"), i, p)
			if (strcmp(jstr(p, "code"), "") == 0)
				json_object_set_new(p, "code", json_null());
	}
	json_object_set_new(report, "typical_cases", cases);
	{
		json_t *arr = json_array();

		sw = *w;
		md_week_add(&sw, -(MD_REPORT_WEEKS - 1));
		for (i = 0; i < MD_REPORT_WEEKS; i++) {
			char sk[16];

			md_week_format(&sw, sk);
			json_array_append_new(arr, json_pack("{s:s, s:I, s:I}",
			    "week", sk, "confirmed", (json_int_t)series[i],
			    "rectified", (json_int_t)srect[i]));
			md_week_add(&sw, 1);
		}
		json_object_set_new(report, "series", arr);
	}
	json_object_set_new(report, "flags", flags);
	tallies_free(&bycat);
	tallies_free(&byitem);
	tallies_free(&byprov);
	return report;
}

int
md_report_fetch(const struct md_store_backend *b, struct md_store_conn *c,
    const struct md_week *w, json_t **rows, struct md_error *err)
{
	time_t start = md_week_start(w);
	char from[26], to[26], first[26];

	md_time_iso(start - (time_t)(MD_REPORT_WEEKS - 1) * 7 * 86400, from);
	md_time_iso(start + 7 * 86400, to);
	md_time_iso(start, first);
	return b->report_rows(c, from, to, first, rows, err);
}

/* --- rendering ---------------------------------------------------------- */

int
md_report_format_parse(const char *s)
{
	if (s == NULL || strcmp(s, "html") == 0)
		return s == NULL ? -1 : MD_REPORT_HTML;
	if (strcmp(s, "json") == 0)
		return MD_REPORT_JSON;
	if (strcmp(s, "csv") == 0)
		return MD_REPORT_CSV;
	return -1;
}

const char *
md_report_content_type(int format)
{
	switch (format) {
	case MD_REPORT_CSV:
		return "text/csv; charset=utf-8; header=present";
	case MD_REPORT_HTML:
		return "text/html; charset=utf-8";
	default:
		return "application/json; charset=utf-8";
	}
}

/* A CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF;
 * quotes doubled. */
static void
csv_field(struct md_buf *b, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		md_buf_adds(b, s);
		return;
	}
	md_buf_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			md_buf_add(b, "\"", 1);
		md_buf_add(b, s, 1);
	}
	md_buf_add(b, "\"", 1);
}

static const char *
sub(json_t *o, const char *a, const char *b)
{
	return jstr(json_object_get(o, a), b);
}

static char *
render_csv(json_t *r, size_t *len)
{
	static const char *const head[] = { "flag_id", "week", "confirmed_at",
		"category", "category_label", "measure_version", "measure_item",
		"measure_number", "severity", "province_code", "province",
		"city_code", "city", "date", "status", "status_label",
		"excerpt" };
	struct md_buf b = { 0 };
	json_t *f;
	size_t i;

	/* A BOM: spreadsheet programs read UTF-8 CSV as a legacy code page
	 * without one, and that is how most readers will open it. */
	md_buf_adds(&b, "\xEF\xBB\xBF");
	for (i = 0; i < MD_NELEM(head); i++)
		md_buf_printf(&b, "%s%s", i ? "," : "", head[i]);
	md_buf_adds(&b, "\r\n");
	json_array_foreach(json_object_get(r, "flags"), i, f) {
		json_t *reg = json_object_get(f, "region");

		md_buf_printf(&b, "%" JSON_INTEGER_FORMAT ",",
		    json_integer_value(json_object_get(f, "id")));
		csv_field(&b, jstr(r, "week"));
		md_buf_adds(&b, ",");
		csv_field(&b, jstr(f, "confirmed_at"));
		md_buf_adds(&b, ",");
		csv_field(&b, jstr(f, "category"));
		md_buf_adds(&b, ",");
		csv_field(&b, jstr(f, "category_label"));
		md_buf_adds(&b, ",");
		csv_field(&b, sub(f, "measure", "version"));
		md_buf_adds(&b, ",");
		csv_field(&b, sub(f, "measure", "item"));
		md_buf_adds(&b, ",");
		csv_field(&b, sub(f, "measure", "number"));
		md_buf_printf(&b, ",%" JSON_INTEGER_FORMAT ",",
		    json_integer_value(json_object_get(f, "severity")));
		csv_field(&b, sub(reg, "province", "code"));
		md_buf_adds(&b, ",");
		csv_field(&b, sub(reg, "province", "name"));
		md_buf_adds(&b, ",");
		csv_field(&b, sub(reg, "city", "code"));
		md_buf_adds(&b, ",");
		csv_field(&b, sub(reg, "city", "name"));
		md_buf_adds(&b, ",");
		csv_field(&b, jstr(f, "date"));
		md_buf_adds(&b, ",");
		csv_field(&b, jstr(f, "status"));
		md_buf_adds(&b, ",");
		csv_field(&b, jstr(f, "status_label"));
		md_buf_adds(&b, ",");
		csv_field(&b, jstr(f, "excerpt"));
		md_buf_adds(&b, "\r\n");
	}
	*len = b.len;
	return b.data;
}

static void
html_esc(struct md_buf *b, const char *s)
{
	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': md_buf_adds(b, "&amp;"); break;
		case '<': md_buf_adds(b, "&lt;"); break;
		case '>': md_buf_adds(b, "&gt;"); break;
		case '"': md_buf_adds(b, "&quot;"); break;
		case '\'': md_buf_adds(b, "&#39;"); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				md_buf_adds(b, " ");
			else
				md_buf_add(b, s, 1);
		}
	}
}

static long
jint(json_t *o, const char *key)
{
	return (long)json_integer_value(json_object_get(o, key));
}

/* "+3", "−2" (U+2212) or "持平". */
static void
html_change(struct md_buf *b, long change)
{
	if (change > 0)
		md_buf_printf(b, "<span class=\"up\">+%ld</span>", change);
	else if (change < 0)
		md_buf_printf(b, "<span class=\"down\">−%ld</span>", -change);
	else
		md_buf_adds(b, "<span class=\"same\">持平</span>");
}

static const char HTML_STYLE[] =
    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\","
    "\"PingFang SC\",\"Microsoft YaHei\",sans-serif;color:#222;"
    "max-width:960px;margin:0 auto;padding:1em;line-height:1.6}"
    "h1{font-size:1.6em;margin-bottom:.2em}"
    "h2{border-bottom:2px solid #b22;padding-bottom:.2em;margin-top:1.6em}"
    ".period,.note{color:#555}"
    "table{border-collapse:collapse;width:100%;margin:.8em 0}"
    "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;"
    "vertical-align:top}"
    "th{background:#f3f3f3}td.n{text-align:right}"
    "tr.city td:first-child{padding-left:2em}"
    ".up{color:#b22}.down{color:#276}.same{color:#777}"
    "figure{margin:1em 0}svg{max-width:100%;height:auto}"
    "figcaption{color:#555;font-size:.9em}"
    ".case{border:1px solid #ddd;border-left:4px solid #b22;"
    "padding:.5em 1em;margin:.8em 0;break-inside:avoid}"
    ".case dl{display:grid;grid-template-columns:7em 1fr;gap:.2em .8em;"
    "margin:0}.case dt{color:#555}.case dd{margin:0}"
    ".measure-text{font-size:.9em;color:#444}"
    ".summary strong{font-size:1.3em}"
    "@media print{body{max-width:none;padding:0;font-size:11pt}"
    "h2{break-after:avoid}section{break-inside:auto}"
    "table,figure{break-inside:avoid}a{color:inherit;"
    "text-decoration:none}}";

/* A horizontal bar chart of rows (label, count). */
static void
svg_bars(struct md_buf *b, const char *id, const char *title, json_t *rows,
    const char *labelkey)
{
	size_t n = json_array_size(rows), i;
	long max = 1;
	int h = 30 + 28 * (int)(n ? n : 1);
	json_t *r;

	json_array_foreach(rows, i, r)
		if (jint(r, "count") > max)
			max = jint(r, "count");
	md_buf_printf(b, "<figure id=\"%s\"><svg xmlns=\"http://www.w3.org/"
	    "2000/svg\" class=\"chart bar-chart\" viewBox=\"0 0 720 %d\" "
	    "width=\"720\" height=\"%d\" role=\"img\" aria-label=\"", id, h,
	    h);
	html_esc(b, title);
	md_buf_adds(b, "\"><title>");
	html_esc(b, title);
	md_buf_adds(b, "</title>");
	if (n == 0)
		md_buf_adds(b, "<text x=\"360\" y=\"34\" text-anchor=\"middle\" "
		    "font-size=\"14\" fill=\"#777\">本周无确认问题</text>");
	json_array_foreach(rows, i, r) {
		long c = jint(r, "count");
		int y = 16 + 28 * (int)i, w = (int)(380.0 * (double)c /
		    (double)max);

		md_buf_printf(b, "<text x=\"250\" y=\"%d\" text-anchor=\"end\" "
		    "font-size=\"13\">", y + 15);
		html_esc(b, jstr(r, labelkey) ? jstr(r, labelkey) : "未注明");
		md_buf_printf(b, "</text><rect class=\"bar\" data-count=\"%ld\" "
		    "x=\"260\" y=\"%d\" width=\"%d\" height=\"20\" "
		    "fill=\"#b22\"></rect><text x=\"%d\" y=\"%d\" "
		    "font-size=\"13\">%ld</text>", c, y, w, 266 + w, y + 15, c);
	}
	md_buf_adds(b, "</svg><figcaption>");
	html_esc(b, title);
	md_buf_adds(b, "</figcaption></figure>\n");
}

/* The line of confirmed flags over the weeks of the series. */
static void
svg_line(struct md_buf *b, json_t *series)
{
	size_t n = json_array_size(series), i;
	long max = 1;
	json_t *s;
	struct md_buf pts = { 0 };

	json_array_foreach(series, i, s)
		if (jint(s, "confirmed") > max)
			max = jint(s, "confirmed");
	md_buf_adds(b, "<figure id=\"chart-weeks\"><svg xmlns=\"http://www.w3."
	    "org/2000/svg\" class=\"chart line-chart\" viewBox=\"0 0 720 260\" "
	    "width=\"720\" height=\"260\" role=\"img\" "
	    "aria-label=\"近八周确认问题数\"><title>近八周确认问题数</title>"
	    "<line x1=\"50\" y1=\"210\" x2=\"700\" y2=\"210\" stroke=\"#999\">"
	    "</line><line x1=\"50\" y1=\"20\" x2=\"50\" y2=\"210\" "
	    "stroke=\"#999\"></line>");
	json_array_foreach(series, i, s) {
		int x = 80 + (int)i * (n > 1 ? 600 / (int)(n - 1) : 0);
		int y = 210 - (int)(170.0 * (double)jint(s, "confirmed") /
		    (double)max);

		md_buf_printf(&pts, "%s%d,%d", i ? " " : "", x, y);
	}
	md_buf_printf(b, "<polyline points=\"%s\" fill=\"none\" stroke=\"#b22\" "
	    "stroke-width=\"2\"></polyline>", pts.data ? pts.data : "");
	md_buf_free(&pts);
	json_array_foreach(series, i, s) {
		int x = 80 + (int)i * (n > 1 ? 600 / (int)(n - 1) : 0);
		long c = jint(s, "confirmed");
		int y = 210 - (int)(170.0 * (double)c / (double)max);
		const char *wk = jstr(s, "week");

		md_buf_printf(b, "<circle class=\"point\" data-week=\"%s\" "
		    "data-count=\"%ld\" cx=\"%d\" cy=\"%d\" r=\"4\" "
		    "fill=\"#b22\"></circle><text x=\"%d\" y=\"%d\" "
		    "text-anchor=\"middle\" font-size=\"12\">%ld</text>"
		    "<text x=\"%d\" y=\"230\" text-anchor=\"middle\" "
		    "font-size=\"12\">%s</text>", wk, c, x, y, x, y - 8, c, x,
		    strlen(wk) > 5 ? wk + 5 : wk);
	}
	md_buf_adds(b, "</svg><figcaption>近八周每周确认的问题数（横轴为 ISO "
	    "周次）</figcaption></figure>\n");
}

static void
html_hours(struct md_buf *b, json_t *v)
{
	if (json_is_integer(v))
		md_buf_printf(b, "%.1f 小时",
		    (double)json_integer_value(v) / 3600.0);
	else
		md_buf_adds(b, "—");
}

static void
html_region(struct md_buf *b, json_t *reg)
{
	const char *p = sub(reg, "province", "name");
	const char *c = sub(reg, "city", "name");

	if (p == NULL && c == NULL) {
		md_buf_adds(b, "未注明");
		return;
	}
	html_esc(b, p ? p : "");
	if (c != NULL && (p == NULL || strcmp(c, p) != 0))
		html_esc(b, c);
}

/* A table with no rows says so (an empty tbody is not valid HTML). */
static void
empty_row(struct md_buf *b, json_t *rows, int cols)
{
	if (json_array_size(rows) == 0)
		md_buf_printf(b, "<tr class=\"empty\"><td colspan=\"%d\">本周及上周"
		    "均无确认问题</td></tr>", cols);
}

static char *
render_html(json_t *r, size_t *len)
{
	struct md_buf b = { 0 };
	json_t *conf = json_object_get(r, "confirmed");
	json_t *rect = json_object_get(r, "rectified");
	json_t *rt = json_object_get(r, "review_time");
	json_t *e, *c, *cs;
	size_t i, k;
	int year = 0, week = 0;

	sscanf(jstr(r, "week"), "%d-W%d", &year, &week);
	md_buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n");
	md_buf_printf(&b, "<title>整治“层层加码”问题每周通报 %d年第%d周"
	    "</title>\n<style>%s</style>\n</head>\n<body>\n", year, week,
	    HTML_STYLE);
	md_buf_printf(&b, "<header><h1 id=\"report-title\">整治“层层加码”问题"
	    "每周通报</h1><p class=\"period\" id=\"report-week\" "
	    "data-week=\"%s\">%d年第%d周（%s 至 %s，北京时间）</p></header>\n",
	    jstr(r, "week"), year, week, jstr(r, "from"), jstr(r, "to"));

	md_buf_printf(&b, "<section id=\"summary\" class=\"summary\"><h2>本周概况"
	    "</h2><ul><li>本周确认问题 <strong id=\"total-confirmed\">%ld"
	    "</strong> 件，上周 %ld 件，变化 ", jint(conf, "count"),
	    jint(conf, "previous"));
	html_change(&b, jint(conf, "change"));
	md_buf_printf(&b, "。</li><li>其中已整改 <strong id=\"total-rectified\">"
	    "%ld</strong> 件", jint(rect, "count"));
	if (json_is_real(json_object_get(rect, "share")))
		md_buf_printf(&b, "，整改率 <strong id=\"rectified-share\">"
		    "%.1f%%</strong>", 100.0 * json_real_value(
		    json_object_get(rect, "share")));
	md_buf_printf(&b, "。</li><li id=\"review-time\">本周首次审核 %ld 件，"
	    "从收到反映到首次审核用时中位数 ", jint(rt, "reviewed"));
	html_hours(&b, json_object_get(rt, "median_seconds"));
	md_buf_adds(&b, "，90% 在 ");
	html_hours(&b, json_object_get(rt, "p90_seconds"));
	md_buf_adds(&b, " 以内。</li></ul></section>\n");

	md_buf_adds(&b, "<section id=\"by-category\"><h2>按问题类别</h2>\n");
	svg_bars(&b, "chart-category", "本周确认问题数（按类别）",
	    json_object_get(r, "by_category"), "label");
	md_buf_adds(&b, "<table id=\"table-category\"><thead><tr>"
	    "<th scope=\"col\">问题类别</th><th scope=\"col\">本周</th>"
	    "<th scope=\"col\">上周</th><th scope=\"col\">变化</th></tr>"
	    "</thead><tbody>");
	json_array_foreach(json_object_get(r, "by_category"), i, e) {
		md_buf_adds(&b, "<tr data-category=\"");
		html_esc(&b, jstr(e, "category"));
		md_buf_adds(&b, "\"><td>");
		html_esc(&b, jstr(e, "label"));
		md_buf_printf(&b, "</td><td class=\"n count\">%ld</td>"
		    "<td class=\"n\">%ld</td><td class=\"n\">",
		    jint(e, "count"), jint(e, "previous"));
		html_change(&b, jint(e, "change"));
		md_buf_adds(&b, "</td></tr>");
	}
	empty_row(&b, json_object_get(r, "by_category"), 4);
	md_buf_adds(&b, "</tbody></table></section>\n");

	md_buf_adds(&b, "<section id=\"by-region\"><h2>按地区</h2>\n");
	svg_bars(&b, "chart-region", "本周确认问题数（按省份）",
	    json_object_get(r, "by_region"), "name");
	md_buf_adds(&b, "<table id=\"table-region\"><thead><tr>"
	    "<th scope=\"col\">地区</th><th scope=\"col\">本周</th>"
	    "<th scope=\"col\">上周</th><th scope=\"col\">变化</th></tr>"
	    "</thead><tbody>");
	json_array_foreach(json_object_get(r, "by_region"), i, e) {
		md_buf_printf(&b, "<tr class=\"province\" data-code=\"%s\"><td>",
		    jstr(e, "code") ? jstr(e, "code") : "");
		html_esc(&b, jstr(e, "name") ? jstr(e, "name") : "未注明");
		md_buf_printf(&b, "</td><td class=\"n count\">%ld</td>"
		    "<td class=\"n\">%ld</td><td class=\"n\">",
		    jint(e, "count"), jint(e, "previous"));
		html_change(&b, jint(e, "change"));
		md_buf_adds(&b, "</td></tr>");
		json_array_foreach(json_object_get(e, "cities"), k, c) {
			md_buf_printf(&b, "<tr class=\"city\" data-code=\"%s\">"
			    "<td>", jstr(c, "code"));
			if (jstr(c, "name") != NULL)
				html_esc(&b, jstr(c, "name"));
			else
				md_buf_printf(&b, "（区划代码 %s）",
				    jstr(c, "code"));
			md_buf_printf(&b, "</td><td class=\"n count\">%ld</td>"
			    "<td class=\"n\">%ld</td><td class=\"n\">",
			    jint(c, "count"), jint(c, "previous"));
			html_change(&b, jint(c, "change"));
			md_buf_adds(&b, "</td></tr>");
		}
	}
	empty_row(&b, json_object_get(r, "by_region"), 4);
	md_buf_adds(&b, "</tbody></table></section>\n");

	md_buf_adds(&b, "<section id=\"by-item\"><h2>按违反的措施条目</h2>"
	    "<table id=\"table-item\"><thead><tr><th scope=\"col\">措施版本"
	    "</th><th scope=\"col\">条目</th><th scope=\"col\">本周</th>"
	    "<th scope=\"col\">上周</th><th scope=\"col\">变化</th></tr>"
	    "</thead><tbody>");
	json_array_foreach(json_object_get(r, "by_item"), i, e) {
		md_buf_adds(&b, "<tr data-item=\"");
		html_esc(&b, jstr(e, "item"));
		md_buf_adds(&b, "\"><td>");
		html_esc(&b, jstr(e, "version"));
		md_buf_adds(&b, "</td><td>");
		html_esc(&b, jstr(e, "number"));
		md_buf_printf(&b, "</td><td class=\"n count\">%ld</td>"
		    "<td class=\"n\">%ld</td><td class=\"n\">",
		    jint(e, "count"), jint(e, "previous"));
		html_change(&b, jint(e, "change"));
		md_buf_adds(&b, "</td></tr>");
	}
	empty_row(&b, json_object_get(r, "by_item"), 5);
	md_buf_adds(&b, "</tbody></table></section>\n");

	md_buf_adds(&b, "<section id=\"trend\"><h2>近八周走势</h2>\n");
	svg_line(&b, json_object_get(r, "series"));
	md_buf_adds(&b, "</section>\n");

	md_buf_adds(&b, "<section id=\"cases\"><h2>典型问题</h2>\n");
	if (json_array_size(json_object_get(r, "typical_cases")) == 0)
		md_buf_adds(&b, "<p class=\"note\">本周无确认问题。</p>\n");
	json_array_foreach(json_object_get(r, "typical_cases"), i, cs) {
		md_buf_adds(&b, "<section class=\"case-group\" data-category=\"");
		html_esc(&b, jstr(cs, "category"));
		md_buf_adds(&b, "\"><h3>");
		html_esc(&b, jstr(cs, "category_label"));
		md_buf_adds(&b, "</h3>\n");
		json_array_foreach(json_object_get(cs, "cases"), k, c) {
			json_t *ms = json_object_get(c, "measure");

			md_buf_printf(&b, "<article class=\"case\" "
			    "data-status=\"%s\"><dl><dt>地区</dt><dd>",
			    jstr(c, "status"));
			html_region(&b, json_object_get(c, "region"));
			md_buf_adds(&b, "</dd><dt>日期</dt><dd>");
			html_esc(&b, jstr(c, "date"));
			md_buf_adds(&b, "</dd><dt>违反措施</dt><dd>");
			html_esc(&b, jstr(ms, "number"));
			md_buf_adds(&b, "（");
			html_esc(&b, jstr(ms, "version"));
			md_buf_adds(&b, " 版）");
			if (jstr(ms, "text") != NULL) {
				md_buf_adds(&b, "<div class=\"measure-text\">");
				html_esc(&b, jstr(ms, "text"));
				md_buf_adds(&b, "</div>");
			}
			md_buf_adds(&b, "</dd><dt>反映内容</dt>"
			    "<dd class=\"excerpt\">");
			html_esc(&b, jstr(c, "excerpt"));
			md_buf_adds(&b, "</dd><dt>整改情况</dt>"
			    "<dd class=\"status\">");
			html_esc(&b, jstr(c, "status_label"));
			md_buf_adds(&b, "</dd></dl></article>\n");
		}
		md_buf_adds(&b, "</section>\n");
	}
	md_buf_adds(&b, "</section>\n");

	md_buf_adds(&b, "<footer><h2>统计说明</h2><p class=\"note\">"
	    "问题按审核确认的时间计入所在周（周一 0 时至周日 24 时，北京时间）；"
	    "整改情况为本通报生成时的状态。用时为从系统收到反映到首次审核的时间，"
	    "只计本周内首次审核的问题。地区按行政区划代码统计。反映内容中的"
	    "姓名、电话、证件号码、邮箱、车牌和门牌号等个人信息已隐去，"
	    "不公开反映人的任何联系方式。</p><p class=\"note\">生成时间：");
	html_esc(&b, jstr(r, "generated_at"));
	md_buf_adds(&b, "</p></footer>\n</body>\n</html>\n");
	*len = b.len;
	return b.data;
}

char *
md_report_render(json_t *report, int format, size_t *len)
{
	char *s;

	switch (format) {
	case MD_REPORT_CSV:
		return render_csv(report, len);
	case MD_REPORT_HTML:
		return render_html(report, len);
	default:
		s = json_dumps(report, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
		if (s == NULL)
			md_fatal("cannot serialize the report");
		*len = strlen(s);
		s = md_xrealloc(s, *len + 2);
		s[(*len)++] = '\n';
		s[*len] = '\0';
		return s;
	}
}

/* --- the report folder -------------------------------------------------- */

static const char *const extensions[] = { "html", "json", "csv" };
static const int formats[] = { MD_REPORT_HTML, MD_REPORT_JSON,
	MD_REPORT_CSV };

static char *
report_path(const char *dir, const struct md_week *w, const char *ext)
{
	char wk[16];

	md_week_format(w, wk);
	return md_xasprintf("%s/measured-report-%s.%s", dir, wk, ext);
}

int
md_report_dir_has(const char *dir, const struct md_week *w)
{
	struct stat sb;
	size_t i;

	for (i = 0; i < MD_NELEM(extensions); i++) {
		char *p = report_path(dir, w, extensions[i]);
		int ok = stat(p, &sb) == 0 && S_ISREG(sb.st_mode);

		free(p);
		if (!ok)
			return 0;
	}
	return 1;
}

int
md_report_write_file(const char *path, const char *data, size_t len,
    struct md_error *err)
{
	char *tmp = md_xasprintf("%s.tmp%ld", path, (long)getpid());
	size_t off = 0;
	int fd;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		md_error_set(err, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	/* The report is for the public: readable whatever the umask (the
	 * daemon's keeps the store private). */
	if (fchmod(fd, 0644) != 0)
		goto fail;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return 0;
fail:
	md_error_set(err, "%s: %s", tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

int
md_report_write_dir(json_t *report, const char *dir,
    const struct md_week *w, struct md_error *err)
{
	size_t i;
	int dfd;

	/* JSON and CSV first: the HTML is what marks a week as written
	 * for readers, so it comes last. */
	for (i = MD_NELEM(extensions); i-- > 0;) {
		size_t len;
		char *data = md_report_render(report, formats[i], &len);
		char *path = report_path(dir, w, extensions[i]);
		int rc = md_report_write_file(path, data, len, err);

		free(data);
		free(path);
		if (rc != 0)
			return -1;
	}
	/* The renames themselves are durable once the folder is synced. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(dfd) != 0)
			md_log(4, "%s: fsync: %s", dir, strerror(errno));
		close(dfd);
	}
	return 0;
}
