/*
 * xml.h - loading the project's XML files (config, measures catalogues,
 * rule packs) safely and validating them against their RELAX NG schema,
 * with every error reported as "file:line: what is wrong".
 */
#ifndef MD_XML_H
#define MD_XML_H

#include <libxml/tree.h>

#include "util.h"

/*
 * Parses path without network access, DTDs or entity expansion (a document
 * with a DOCTYPE is refused), then validates it against the RELAX NG schema
 * at schema_path.  Returns the document (free with xmlFreeDoc) or NULL with
 * err set to "path:line: message".
 */
xmlDocPtr md_xml_load(const char *path, const char *schema_path,
    struct md_error *err);

/* Same, from memory; name is used in messages. */
xmlDocPtr md_xml_load_memory(const char *buf, size_t len, const char *name,
    const char *schema_path, struct md_error *err);

/* An attribute's value (malloc'd, caller frees) or NULL. */
char *md_xml_attr(xmlNodePtr node, const char *name);
/* The text content of node, malloc'd (never NULL). */
char *md_xml_text(xmlNodePtr node);
/* The line node starts on, as an int for messages. */
int md_xml_line(xmlNodePtr node);
/* 1 when node is an element named name. */
int md_xml_is(xmlNodePtr node, const char *name);

/* Global libxml2 setup: route its messages through md_log; call once. */
void md_xml_init(void);

#endif /* MD_XML_H */
