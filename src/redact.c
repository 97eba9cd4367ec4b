/*
 * redact.c - masking personal data (see redact.h for what and why).
 *
 * Each kind is one or two PCRE2 patterns (UTF, UCP: \d also matches
 * full-width digits).  Every pattern is run over the whole text; the
 * matches are sorted, overlapping ones merged (the first kind wins), and
 * the text is copied with each merged span replaced by its label.  Since
 * PCRE2 in UTF mode matches whole characters only, the copy stays valid
 * UTF-8.  Patterns use lookarounds for their boundaries, not \b: with UCP
 * a Chinese character is a word character, and a phone number follows one
 * with no space (电话13800138000).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "redact.h"
#include "util.h"

static const char *const labels[MD_REDACT_NKINDS] = {
	[MD_REDACT_MOBILE] = "[手机号]",
	[MD_REDACT_LANDLINE] = "[电话]",
	[MD_REDACT_ID] = "[身份证号]",
	[MD_REDACT_EMAIL] = "[邮箱]",
	[MD_REDACT_PLATE] = "[车牌]",
	[MD_REDACT_NAME] = "[姓名]",
	[MD_REDACT_ADDRESS] = "[门牌]",
};

/* What may follow a name: punctuation, a space, a digit, the end, or a
 * word that starts the rest of the sentence. */
#define NAME_STOP \
	"(?=[\\p{P}\\p{S}\\s\\d]|$|是|在|的|于|说|被|因|反映|投诉|举报|住|" \
	"称|今|昨|从|到|和|与|及|同|电话|手机|联系|身份|年|现|目前|已|也|都|" \
	"等|向|去|来|要|想|需|让|不|没|共|带|请|为|对|给|把|将|所|就|还|又|" \
	"再|们|家住|女士|先生)"

/* Common surnames; characters that are as often function words (于, 和,
 * 时, 全, 成, 安, 应, 向, 路, 明, 文, 连, 解, 商, 师, 单, 车, 党, 管, 关,
 * 包, 都, 将, 也) are left out, so that 患者于昨日 is not a name. */
#define SURNAMES \
	"(?:欧阳|司马|诸葛|上官|东方|皇甫|尉迟|公孙|慕容|长孙|令狐|夏侯|司徒|" \
	"[王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田" \
	"董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹" \
	"孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤常温康施" \
	"牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘祝宁尚符舒阮" \
	"柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳柴蒙鲍华喻祁蒲房滕屈饶牟艾" \
	"尤穆农卓古吉缪简项芦麦褚娄窦戚岑景费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边" \
	"卞姬仇栾隋刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝])"

/* Digits as typed: ASCII or full-width (\\d covers both already). */
#define D0 "[0０]"
#define D1 "[1１]"
#define D2 "[2２]"
#define D9 "[9９]"
#define NZ "[1-9１-９]"

static const struct pattern {
	enum md_redact_kind kind;
	const char *re;
} patterns[] = {
	/* Before the phone numbers: an ID holds 11-digit runs. */
	{ MD_REDACT_ID,
	  "(?<!\\d)" NZ "\\d{5}(?:" D1 D9 "|" D2 D0 ")\\d{2}"
	  "(?:" D0 NZ "|" D1 "[0-2０-２])(?:" D0 NZ "|[12１２]\\d|[3３][01０１])"
	  "\\d{3}[\\dXxＸｘ](?![\\dA-Za-z])" },
	{ MD_REDACT_EMAIL,
	  "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*"
	  "\\.[A-Za-z]{2,}" },
	{ MD_REDACT_MOBILE,
	  "(?<![\\d+])(?:(?:\\+|00)\\s?86[\\s-]?|[(（]\\+?86[)）]\\s?)?"
	  D1 "[3-9３-９]\\d(?:[\\s-]?\\d{4}){2}(?!\\d)" },
	{ MD_REDACT_LANDLINE,
	  "(?<!\\d)(?:[(（]" D0 "\\d{2,3}[)）]|" D0 "\\d{2,3})[\\s－-]?"
	  "[2-9２-９]\\d{6,7}"
	  "(?:\\s*(?:转|分机|-|ext\\.?)\\s*\\d{1,6})?(?!\\d)" },
	{ MD_REDACT_LANDLINE,
	  "(?:电话|座机|固话|联系方式|手机|tel|Tel|TEL)(?:号码?)?(?:是|为)?"
	  "[：:\\s]*\\K[2-9２-９]\\d{6,7}(?!\\d)" },
	{ MD_REDACT_PLATE,
	  "[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
	  "[A-HJ-NP-Z][·・.\\s]?(?=[A-HJ-NP-Z]{0,5}\\d)[A-HJ-NP-Z0-9]{5,6}"
	  "(?![A-Za-z0-9])" },
	{ MD_REDACT_NAME,
	  "(?:我叫|名叫|姓名|名字|联系人)(?:是|为|叫)?[：:\\s]*\\K"
	  "(?!\\p{Han}?某|\\p{Han}(?:女士|先生|老师|同学))\\p{Han}{2,4}?"
	  NAME_STOP },
	{ MD_REDACT_NAME,
	  "(?:本人|家长|患者|病人|业主|租户|投诉人|举报人|反映人|来电人|当事人|"
	  "市民|居民|学生|孩子|儿子|女儿|父亲|母亲|老人|丈夫|妻子|我是)"
	  "(?:是|叫|姓名)?[：:\\s]*\\K" SURNAMES
	  "(?!女士|先生|老师|同学|阿姨|大爷|某|师傅|医生|护士|总|经理)"
	  "\\p{Han}{1,2}?" NAME_STOP },
	{ MD_REDACT_ADDRESS,
	  "(?<![\\d每各全整])(?:(?:(?:\\d+|[A-Za-z]\\d*|[一二三四五六七八九十]{1,3})"
	  "(?:号楼|栋|幢|座|单元|号房|室)|\\d+(?:层|楼|户))[-－—\\s]?)+"
	  "(?:\\d{2,4}(?:室|号|房)?(?!\\d))?" },
	{ MD_REDACT_ADDRESS,
	  "(?<=[路街巷弄里村组])\\d+(?:-\\d+)?号(?:院)?" },
};

#define REDACT_PAD 64

static pcre2_code *compiled[MD_NELEM(patterns)];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
compile_all(void)
{
	size_t i;

	for (i = 0; i < MD_NELEM(patterns); i++) {
		PCRE2_SIZE off;
		int ec;

		compiled[i] = pcre2_compile((PCRE2_SPTR)patterns[i].re,
		    PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP |
		    PCRE2_NO_UTF_CHECK, &ec, &off, NULL);
		if (compiled[i] == NULL) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(ec, msg, sizeof msg);
			md_fatal("redact pattern %zu at %zu: %s", i, (size_t)off,
			    (char *)msg);
		}
		/* Where JIT is unavailable the interpreter still works. */
		(void)pcre2_jit_compile(compiled[i], PCRE2_JIT_COMPLETE);
	}
}

struct span {
	size_t start, end;
	enum md_redact_kind kind;
	size_t order;		/* the pattern's index: ties keep it */
};

static int
cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;	/* longer first */
	return x->order < y->order ? -1 : x->order > y->order;
}

const char *
md_redact_label(enum md_redact_kind kind)
{
	return (unsigned)kind < MD_REDACT_NKINDS ? labels[kind] : "[?]";
}

/* s[start, end) redacted, with the whole of s as context. */
static char *
redact_range(const char *s, size_t start, size_t end,
    unsigned counts[MD_REDACT_NKINDS])
{
	struct span *spans = NULL;
	size_t nspans = 0, len = strlen(s), i, pos;
	pcre2_match_data *md;
	struct md_buf out = { 0 };
	char *subject;

	pthread_once(&once, compile_all);
	/* JIT code reads ahead of the subject with wide loads: give it
	 * initialized bytes to read (as text.c's MD_TEXT_PAD does). */
	subject = md_xcalloc(1, len + REDACT_PAD);
	memcpy(subject, s, len);
	if (counts != NULL)
		memset(counts, 0, sizeof(unsigned) * MD_REDACT_NKINDS);
	md = pcre2_match_data_create(4, NULL);
	for (i = 0; i < MD_NELEM(patterns); i++) {
		PCRE2_SIZE at = 0;

		while (at < len) {
			PCRE2_SIZE *ov;
			int rc = pcre2_match(compiled[i], (PCRE2_SPTR)subject, len,
			    at, PCRE2_NO_UTF_CHECK, md, NULL);

			if (rc < 0)
				break;
			ov = pcre2_get_ovector_pointer(md);
			if (ov[1] <= ov[0]) {
				/* \K can leave nothing; step one character. */
				at = ov[1] > at ? ov[1] : at + 1;
				while (at < len &&
				    ((unsigned char)s[at] & 0xC0) == 0x80)
					at++;
				continue;
			}
			spans = md_xreallocarray(spans, nspans + 1,
			    sizeof *spans);
			spans[nspans].start = ov[0];
			spans[nspans].end = ov[1];
			spans[nspans].kind = patterns[i].kind;
			spans[nspans].order = i;
			nspans++;
			at = ov[1];
		}
	}
	pcre2_match_data_free(md);
	free(subject);

	if (nspans > 1)
		qsort(spans, nspans, sizeof *spans, cmp_span);
	pos = start;
	i = 0;
	while (i < nspans) {
		size_t a = spans[i].start, b = spans[i].end;
		enum md_redact_kind kind = spans[i].kind;

		/* Sorted by start, longest first: the first span of a run
		 * of overlapping ones names it; the run is masked whole, and
		 * so is a run of touching ones of the same kind (3号楼2单元
		 * after 建国路88号). */
		for (i++; i < nspans && (spans[i].start < b ||
		    (spans[i].start == b && spans[i].kind == kind)); i++)
			if (spans[i].end > b)
				b = spans[i].end;
		/* Only what overlaps the window; a match across its edge is
		 * masked from the edge. */
		if (b <= start)
			continue;
		if (a >= end)
			break;
		if (a < start)
			a = start;
		if (b > end)
			b = end;
		md_buf_add(&out, s + pos, a - pos);
		md_buf_adds(&out, labels[kind]);
		if (counts != NULL)
			counts[kind]++;
		pos = b;
	}
	md_buf_add(&out, s + pos, end - pos);
	free(spans);
	return out.data;
}

char *
md_redact(const char *s, unsigned counts[MD_REDACT_NKINDS])
{
	return redact_range(s, 0, strlen(s), counts);
}

char *
md_redact_window(const char *s, size_t start, size_t end,
    unsigned counts[MD_REDACT_NKINDS])
{
	size_t len = strlen(s);

	if (end > len)
		end = len;
	if (start > end)
		start = end;
	return redact_range(s, start, end, counts);
}
