/*
 * daemon.h - `measured` with no command (the daemon) and `measured token`.
 */
#ifndef MD_DAEMON_H
#define MD_DAEMON_H

/* Runs the daemon until SIGTERM or SIGINT; the exit status. */
int md_daemon_main(const char *conf_path, const char *listen,
    const char *store, int detach);

/* The daemon's own settings (listen address, store) for -t; 0, or -1
 * with err. */
struct md_error;
int md_daemon_check_conf(const char *conf_path, const char *listen,
    const char *store, struct md_error *err);

/* `measured token add|list|revoke ...`; argv[0] is "token". */
int md_token_main(int argc, char **argv, const char *conf_path,
    const char *store);

#endif /* MD_DAEMON_H */
