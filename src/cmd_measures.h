/*
 * cmd_measures.h - `measured measures`, and the JSON of the catalogue that
 * GET /v1/measures shares.
 */
#ifndef MD_CMD_MEASURES_H
#define MD_CMD_MEASURES_H

#include <jansson.h>

#include "catalog.h"

/* {"versions": [...]} for every version, or only version (new ref). */
json_t *md_measures_json(const struct md_catalog *cat, const char *version);

/* `measured measures [--version V] [--format text|json]`. */
int md_measures_main(int argc, char **argv, const char *conf_path);

#endif /* MD_CMD_MEASURES_H */
