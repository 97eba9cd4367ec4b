/*
 * cmd_check.h - `measured check`, and the JSON form of a result that the API
 * will share.
 */
#ifndef MD_CMD_CHECK_H
#define MD_CMD_CHECK_H

#include <jansson.h>

#include "engine.h"
#include "util.h"

/* The findings of r as a JSON array (new reference); text includes each
 * cited measure's Chinese text. */
json_t *md_findings_json(const struct md_result *r, int text);
/* Finding f of r as md_json_write writes its object in
 * md_findings_json(r, text), without the tree. */
void md_finding_write(struct md_buf *b, const struct md_result *r,
    const struct md_found *f, int text);

/* The documented JSON object for one checked input (new reference). */
json_t *md_result_json(const char *input, const struct md_result *r);

/* `measured check ARGS`; conf_path from the global -c, or NULL. */
int md_check_main(int argc, char **argv, const char *conf_path);

#endif /* MD_CMD_CHECK_H */
