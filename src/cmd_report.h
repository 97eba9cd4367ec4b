/*
 * cmd_report.h - `measured report`: the weekly report from the store,
 * without a daemon; and the daemon's writer of finished weeks into the
 * configured folder.
 */
#ifndef MD_CMD_REPORT_H
#define MD_CMD_REPORT_H

struct md_server;

/* `measured [-c CONF] [-s STORE] report [--week YYYY-Www]
 * [--format html|json|csv] [--cases N] [-o FILE]`; argv[0] is
 * "report".  The exit status. */
int md_report_main(int argc, char **argv, const char *conf_path,
    const char *store);

/*
 * The daemon's report writer: when <report folder> is set, writes every
 * finished week missing from the folder now (catch-up, from the week of
 * the first confirmation) and again each Monday at 06:00 China Standard
 * Time.  The work runs as store read jobs, one week each, so the event
 * loop never waits for it.  0, or -1 with err (the folder or the
 * catalogue is unusable).
 */
struct md_error;
int md_report_writer_start(struct md_server *srv, struct md_error *err);
/* Stops the timer and the chain of jobs; call when draining or before
 * closing the store (a job already queued still finishes). */
void md_report_writer_stop(struct md_server *srv);
/* After the store is closed. */
void md_report_writer_free(struct md_server *srv);

#endif /* MD_CMD_REPORT_H */
