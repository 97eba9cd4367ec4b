/*
 * catalog.h - the measures catalogue: one XML file per version of the
 * national measures, each item with its number, Chinese text, English gloss
 * and the categories it grounds, and the choice of the version in force on
 * a given day.
 */
#ifndef MD_CATALOG_H
#define MD_CATALOG_H

#include <stddef.h>

#include "util.h"

struct md_item {
	char *id;		/* "2.16" */
	char *part;		/* "二" */
	char *number;		/* "（十六）" as printed */
	char *text;		/* the Chinese text, verbatim */
	char *gloss;		/* short English gloss */
	char **categories;	/* the categories it grounds */
	size_t ncategories;
	char *kept_from;	/* NULL, or the version whose item this is,
				 * kept in force by a later one (<keeps>) */
};

struct md_measures {
	char *version;		/* "2022-11-11" */
	char from[11];		/* in force from this day */
	char *title;
	char *reference;
	char *file;
	struct md_item *items;
	size_t nitems;
	char **keeps;		/* earlier versions it keeps in force */
	size_t nkeeps;
};

struct md_catalog {
	struct md_measures *versions;	/* sorted by from */
	size_t n;
};

/* Loads every *.xml in dir, validating each against schema.  0, or -1
 * with err naming the file and line. */
int md_catalog_load(struct md_catalog *cat, const char *dir,
    const char *schema, struct md_error *err);
void md_catalog_free(struct md_catalog *cat);

/* The version in force on date (YYYY-MM-DD), or NULL if none was yet. */
const struct md_measures *md_catalog_in_force(const struct md_catalog *cat,
    const char *date);
const struct md_measures *md_catalog_version(const struct md_catalog *cat,
    const char *version);
const struct md_item *md_measures_item(const struct md_measures *m,
    const char *id);
/* 1 when item grounds category. */
int md_item_grounds(const struct md_item *item, const char *category);
/* 1 when any item of any version grounds category. */
int md_catalog_knows(const struct md_catalog *cat, const char *category);

#endif /* MD_CATALOG_H */
