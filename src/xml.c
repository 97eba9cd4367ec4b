/*
 * xml.c - safe XML loading and RELAX NG validation.
 *
 * Every XML file measured reads is written by an operator or an analyst,
 * but a mistake in one must stop startup with a message that points at the
 * line, and a hostile file (entity expansion, external entities, network
 * fetches) must be refused rather than obeyed.  libxml2's own error output
 * goes through structured handlers into struct md_error.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>

#include "xml.h"

/* The largest XML file measured reads (rule packs are tens of KiB). */
#define MD_XML_MAX (32u * 1024u * 1024u)

#define MD_XML_OPTIONS \
	(XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOWARNING)

struct xml_errctx {
	const char *name;
	struct md_error *err;
};

static void
structured_error(void *arg, xmlErrorPtr e)
{
	struct xml_errctx *c = arg;
	char msg[512];
	size_t n;

	if (e == NULL || e->level == XML_ERR_WARNING)
		return;
	snprintf(msg, sizeof msg, "%s", e->message ? e->message : "error");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	md_error_set(c->err, "%s:%d: %s", c->name, e->line, msg);
}

static void
generic_error(void *arg, const char *fmt, ...)
{
	(void)arg;
	(void)fmt;
	/* Everything useful arrives through structured_error. */
}

void
md_xml_init(void)
{
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, generic_error);
}

static int
validate(xmlDocPtr doc, const char *name, const char *schema_path,
    struct md_error *err)
{
	struct xml_errctx sctx = { schema_path, err };
	struct xml_errctx vctx = { name, err };
	xmlRelaxNGParserCtxtPtr pctx;
	xmlRelaxNGValidCtxtPtr vc;
	xmlRelaxNGPtr schema;
	int rc;

	pctx = xmlRelaxNGNewParserCtxt(schema_path);
	if (pctx == NULL) {
		md_error_set(err, "%s: cannot read schema", schema_path);
		return -1;
	}
	xmlRelaxNGSetParserStructuredErrors(pctx, structured_error, &sctx);
	schema = xmlRelaxNGParse(pctx);
	xmlRelaxNGFreeParserCtxt(pctx);
	if (schema == NULL) {
		md_error_set(err, "%s: invalid schema", schema_path);
		return -1;
	}
	vc = xmlRelaxNGNewValidCtxt(schema);
	xmlRelaxNGSetValidStructuredErrors(vc, structured_error, &vctx);
	rc = xmlRelaxNGValidateDoc(vc, doc);
	xmlRelaxNGFreeValidCtxt(vc);
	xmlRelaxNGFree(schema);
	if (rc != 0) {
		md_error_set(err, "%s: does not match schema %s", name,
		    schema_path);
		return -1;
	}
	return 0;
}

/*
 * No file of ours needs a DTD, so a DOCTYPE is refused before the parser
 * sees it: no entity expansion, no external entities, whatever libxml2's
 * own defences would do with them.
 */
static int
has_doctype(const char *buf, size_t len, const char *name,
    struct md_error *err)
{
	const char *p = memmem(buf, len, "<!DOCTYPE", 9);
	int line = 1;

	if (p == NULL)
		return 0;
	for (; buf < p; buf++)
		line += *buf == '\n';
	md_error_set(err, "%s:%d: a DOCTYPE is not allowed (no DTDs or "
	    "entities in measured's XML)", name, line);
	return 1;
}

static xmlDocPtr
load(xmlParserCtxtPtr ctxt, const char *buf, size_t len, const char *name,
    const char *schema_path, struct md_error *err)
{
	struct xml_errctx c = { name, err };
	xmlDocPtr doc;

	if (len > INT_MAX) {
		md_error_set(err, "%s: too large", name);
		return NULL;
	}
	if (has_doctype(buf, len, name, err))
		return NULL;
	xmlSetStructuredErrorFunc(&c, structured_error);
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL,
	    MD_XML_OPTIONS);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc == NULL) {
		md_error_set(err, "%s: not well-formed XML", name);
		return NULL;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		md_error_set(err, "%s:%d: a DOCTYPE is not allowed (no DTDs "
		    "or entities in measured's XML)", name,
		    doc->intSubset ? md_xml_line((xmlNodePtr)doc->intSubset)
				   : 1);
		xmlFreeDoc(doc);
		return NULL;
	}
	if (schema_path != NULL && validate(doc, name, schema_path, err) != 0) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

xmlDocPtr
md_xml_load(const char *path, const char *schema_path, struct md_error *err)
{
	xmlDocPtr doc;
	size_t len;
	char *buf;

	buf = md_read_file(path, &len, MD_XML_MAX, err);
	if (buf == NULL)
		return NULL;
	doc = md_xml_load_memory(buf, len, path, schema_path, err);
	free(buf);
	return doc;
}

xmlDocPtr
md_xml_load_memory(const char *buf, size_t len, const char *name,
    const char *schema_path, struct md_error *err)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlDocPtr doc;

	if (ctxt == NULL)
		md_fatal("out of memory creating an XML parser");
	doc = load(ctxt, buf, len, name, schema_path, err);
	xmlFreeParserCtxt(ctxt);
	return doc;
}

char *
md_xml_attr(xmlNodePtr node, const char *name)
{
	xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
	char *s;

	if (v == NULL)
		return NULL;
	s = md_xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

char *
md_xml_text(xmlNodePtr node)
{
	xmlChar *v = xmlNodeGetContent(node);
	char *s;

	s = md_xstrdup(v ? (const char *)v : "");
	xmlFree(v);
	return s;
}

int
md_xml_line(xmlNodePtr node)
{
	long n = xmlGetLineNo(node);

	return n > 0 && n < 0x7fffffff ? (int)n : 0;
}

int
md_xml_is(xmlNodePtr node, const char *name)
{
	return node != NULL && node->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)node->name, name) == 0;
}
