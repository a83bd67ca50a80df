/* SPDX-License-Identifier: ISC */
/*
 * gatectl: the operators' command line.  gatectl.c parses the global
 * options and dispatches; each service's commands live in gatectl_<svc>.c.
 */
#ifndef GATECTL_H
#define GATECTL_H

#include <stddef.h>

/* Exit statuses: 0 done, 1 failed, 2 bad usage. */
#define CTL_OK		0
#define CTL_FAIL	1
#define CTL_USAGE	2

/* The config file given with -c, or NULL for GATEHOUSE_CONFIG / the default. */
extern const char	*ctl_config;

/* Print "gatectl: <message>" on stderr; returns CTL_FAIL. */
int	 ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Read a secret file: at most max bytes, one trailing newline removed, not
 * empty, no NUL.  buf has max + 2 bytes; returns the length, or -1 with
 * the reason printed.
 */
long	 ctl_read_secret(const char *path, char *buf, size_t max);

/* "-" for no time (t <= 0), else t as RFC 3339 in out; returns which. */
const char	*ctl_when(long long t, char out[32]);

/*
 * Text from the database for the terminal: "-" for NULL or "", else s
 * with control characters escaped into out (outsz bytes); returns which.
 */
const char	*ctl_show(const char *s, char *out, size_t outsz);

int	 ctl_factory_init(void);
int	 ctl_factory_token(int argc, char *argv[]);
int	 ctl_factory_taken(int argc, char *argv[]);
int	 ctl_factory_orders(int argc, char *argv[]);
int	 ctl_factory_order(int argc, char *argv[]);
int	 ctl_factory_retry(int argc, char *argv[]);
int	 ctl_factory_redeliver(int argc, char *argv[]);

int	 ctl_certmaker_init(void);
int	 ctl_certmaker(int argc, char *argv[]);
int	 ctl_certmaker_acme(int argc, char *argv[]);
int	 ctl_icyfire_init(void);
int	 ctl_icyfire(int argc, char *argv[]);
int	 ctl_apihost_init(void);
int	 ctl_apihost(int argc, char *argv[]);

#endif
