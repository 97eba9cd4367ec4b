/*
 * catalog.c - loads the measures catalogue (etc/measures/, one file per version) and picks
 * the version in force on a document's date.
 *
 * The same words can be lawful on one day and a violation on another, so
 * every finding cites the version in force; versions are ordered by their
 * in-force-from date and the latest one not after the date applies.
 *
 * A later notice often keeps an earlier one in force and adds to it (the
 * 2022-12-07 notice: 坚持第九版防控方案、落实二十条优化措施).  Its file says
 * so with <keeps version="..."/>, and its version then holds the kept
 * version's items too (with their own ids, marked kept_from), so that a
 * rule may cite them under the later version.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "xml.h"

static void
item_free(struct md_item *it)
{
	size_t i;

	free(it->id);
	free(it->part);
	free(it->number);
	free(it->text);
	free(it->gloss);
	for (i = 0; i < it->ncategories; i++)
		free(it->categories[i]);
	free(it->categories);
	free(it->kept_from);
}

static void
measures_free(struct md_measures *m)
{
	size_t i;

	for (i = 0; i < m->nitems; i++)
		item_free(&m->items[i]);
	free(m->items);
	for (i = 0; i < m->nkeeps; i++)
		free(m->keeps[i]);
	free(m->keeps);
	free(m->version);
	free(m->title);
	free(m->reference);
	free(m->file);
}

static int
load_item(struct md_measures *m, xmlNodePtr node, const char *path,
    struct md_error *err)
{
	struct md_item it = { 0 };
	xmlNodePtr c;

	it.id = md_xml_attr(node, "id");
	it.part = md_xml_attr(node, "part");
	it.number = md_xml_attr(node, "number");
	for (c = node->children; c != NULL; c = c->next) {
		if (md_xml_is(c, "text")) {
			free(it.text);
			it.text = md_xml_text(c);
		} else if (md_xml_is(c, "gloss")) {
			free(it.gloss);
			it.gloss = md_xml_text(c);
		} else if (md_xml_is(c, "grounds")) {
			it.categories = md_xreallocarray(it.categories,
			    it.ncategories + 1, sizeof *it.categories);
			it.categories[it.ncategories++] =
			    md_xml_attr(c, "category");
		}
	}
	if (it.id == NULL || it.text == NULL) {
		md_error_set(err, "%s:%d: item without id or text", path,
		    md_xml_line(node));
		item_free(&it);
		return -1;
	}
	if (md_measures_item(m, it.id) != NULL) {
		md_error_set(err, "%s:%d: item %s appears twice", path,
		    md_xml_line(node), it.id);
		item_free(&it);
		return -1;
	}
	m->items = md_xreallocarray(m->items, m->nitems + 1, sizeof *m->items);
	m->items[m->nitems++] = it;
	return 0;
}

static int
load_file(struct md_measures *m, const char *path, const char *schema,
    struct md_error *err)
{
	xmlDocPtr doc;
	xmlNodePtr root, c;
	char *from;
	int rc = -1;

	memset(m, 0, sizeof *m);
	doc = md_xml_load(path, schema, err);
	if (doc == NULL)
		return -1;
	m->file = md_xstrdup(path);
	root = xmlDocGetRootElement(doc);
	m->version = md_xml_attr(root, "version");
	from = md_xml_attr(root, "in-force-from");
	if (m->version == NULL || from == NULL || !md_date_valid(from)) {
		md_error_set(err, "%s:%d: version and in-force-from must be "
		    "dates", path, md_xml_line(root));
		free(from);
		goto out;
	}
	memcpy(m->from, from, 11);
	free(from);
	for (c = root->children; c != NULL; c = c->next) {
		if (md_xml_is(c, "title")) {
			free(m->title);
			m->title = md_xml_text(c);
		} else if (md_xml_is(c, "reference")) {
			free(m->reference);
			m->reference = md_xml_text(c);
		} else if (md_xml_is(c, "keeps")) {
			m->keeps = md_xreallocarray(m->keeps, m->nkeeps + 1,
			    sizeof *m->keeps);
			m->keeps[m->nkeeps++] = md_xml_attr(c, "version");
		} else if (md_xml_is(c, "item") &&
		    load_item(m, c, path, err) != 0) {
			goto out;
		}
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	if (rc != 0)
		measures_free(m);
	return rc;
}

static void
item_copy(struct md_item *to, const struct md_item *from,
    const char *version)
{
	size_t i;

	to->id = md_xstrdup(from->id);
	to->part = from->part ? md_xstrdup(from->part) : NULL;
	to->number = from->number ? md_xstrdup(from->number) : NULL;
	to->text = md_xstrdup(from->text);
	to->gloss = from->gloss ? md_xstrdup(from->gloss) : NULL;
	to->ncategories = from->ncategories;
	to->categories = md_xcalloc(from->ncategories ? from->ncategories : 1,
	    sizeof *to->categories);
	for (i = 0; i < from->ncategories; i++)
		to->categories[i] = md_xstrdup(from->categories[i]);
	to->kept_from = md_xstrdup(from->kept_from ? from->kept_from :
	    version);
}

/*
 * Gives each version the items of the versions it keeps.  Versions are
 * sorted by date, so a kept version has its own kept items already.
 */
static int
resolve_keeps(struct md_catalog *cat, struct md_error *err)
{
	size_t v, k, i;

	for (v = 0; v < cat->n; v++) {
		struct md_measures *m = &cat->versions[v];

		for (k = 0; k < m->nkeeps; k++) {
			const struct md_measures *kept =
			    md_catalog_version(cat, m->keeps[k]);

			if (kept == NULL || strcmp(kept->from, m->from) >= 0) {
				md_error_set(err, "%s: keeps version %s, which "
				    "is %s", m->file, m->keeps[k], kept ?
				    "not earlier" : "not in the catalogue");
				return -1;
			}
			for (i = 0; i < kept->nitems; i++) {
				if (md_measures_item(m, kept->items[i].id))
					continue;	/* its own wins */
				m->items = md_xreallocarray(m->items,
				    m->nitems + 1, sizeof *m->items);
				item_copy(&m->items[m->nitems++],
				    &kept->items[i], kept->version);
			}
		}
	}
	return 0;
}

static int
by_from(const void *a, const void *b)
{
	const struct md_measures *x = a, *y = b;

	return strcmp(x->from, y->from);
}

int
md_catalog_load(struct md_catalog *cat, const char *dir, const char *schema,
    struct md_error *err)
{
	struct dirent **names = NULL;
	int n, i, rc = 0;
	size_t k;

	memset(cat, 0, sizeof *cat);
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		md_error_set(err, "%s: cannot read the measures catalogue "
		    "directory: %m", dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		struct md_measures m;
		char *path;

		if (rc != 0 || len < 5 || name[0] == '.' ||
		    strcmp(name + len - 4, ".xml") != 0)
			continue;
		path = md_xasprintf("%s/%s", dir, name);
		if (load_file(&m, path, schema, err) != 0) {
			rc = -1;
		} else if (md_catalog_version(cat, m.version) != NULL) {
			md_error_set(err, "%s: version %s is defined twice",
			    path, m.version);
			measures_free(&m);
			rc = -1;
		} else {
			cat->versions = md_xreallocarray(cat->versions,
			    cat->n + 1, sizeof *cat->versions);
			cat->versions[cat->n++] = m;
		}
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 0 && cat->n == 0) {
		md_error_set(err, "%s: no measures catalogue (*.xml) found",
		    dir);
		rc = -1;
	}
	if (rc != 0) {
		md_catalog_free(cat);
		return -1;
	}
	qsort(cat->versions, cat->n, sizeof *cat->versions, by_from);
	for (k = 1; k < cat->n; k++) {
		if (strcmp(cat->versions[k - 1].from, cat->versions[k].from) ==
		    0) {
			md_error_set(err, "%s: in force from %s, like %s",
			    cat->versions[k].file, cat->versions[k].from,
			    cat->versions[k - 1].file);
			md_catalog_free(cat);
			return -1;
		}
	}
	if (resolve_keeps(cat, err) != 0) {
		md_catalog_free(cat);
		return -1;
	}
	return 0;
}

void
md_catalog_free(struct md_catalog *cat)
{
	size_t i;

	for (i = 0; i < cat->n; i++)
		measures_free(&cat->versions[i]);
	free(cat->versions);
	cat->versions = NULL;
	cat->n = 0;
}

const struct md_measures *
md_catalog_in_force(const struct md_catalog *cat, const char *date)
{
	const struct md_measures *best = NULL;
	size_t i;

	for (i = 0; i < cat->n; i++)
		if (strcmp(cat->versions[i].from, date) <= 0)
			best = &cat->versions[i];
	return best;
}

const struct md_measures *
md_catalog_version(const struct md_catalog *cat, const char *version)
{
	size_t i;

	for (i = 0; i < cat->n; i++)
		if (strcmp(cat->versions[i].version, version) == 0)
			return &cat->versions[i];
	return NULL;
}

const struct md_item *
md_measures_item(const struct md_measures *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->nitems; i++)
		if (strcmp(m->items[i].id, id) == 0)
			return &m->items[i];
	return NULL;
}

int
md_item_grounds(const struct md_item *item, const char *category)
{
	size_t i;

	for (i = 0; i < item->ncategories; i++)
		if (strcmp(item->categories[i], category) == 0)
			return 1;
	return 0;
}

int
md_catalog_knows(const struct md_catalog *cat, const char *category)
{
	size_t v, i;

	for (v = 0; v < cat->n; v++)
		for (i = 0; i < cat->versions[v].nitems; i++)
			if (md_item_grounds(&cat->versions[v].items[i],
			    category))
				return 1;
	return 0;
}
