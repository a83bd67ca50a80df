/* SPDX-License-Identifier: ISC */
/*
 * conf: gatehouse.conf, an INI file with one section per service.  Each
 * section has one table (struct gh_conf_table) that names every key with
 * its type, range, default and a line of documentation; it drives parsing,
 * range checks, `gatectl check-config` and the configuration reference.
 * lib/ owns [gatehouse]; each service owns its own section.  Unknown
 * sections and keys are errors that name their line.  Secrets never sit
 * in the file: keys of type PATH name files that hold them.  Relative
 * paths are resolved against state_dir, and a relative state_dir against
 * the directory of the file.
 */
#ifndef GH_CONF_H
#define GH_CONF_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

enum gh_conf_type {
	GH_CONF_STR,
	GH_CONF_INT,
	GH_CONF_BOOL,
	GH_CONF_ENUM,	/* one of def->choices */
	GH_CONF_PATH,	/* a file or directory name, resolved as above */
	GH_CONF_INTLIST, /* "5, 300, 1800": integers, each in [min, max] */
	GH_CONF_ADDRLIST, /* "127.0.0.0/8, ::1/128": CIDR ranges (netpol.h) */
	GH_CONF_TYPE__MAX
};

/*
 * The keys of the [gatehouse] section, which lib/ owns.  Every service owns
 * its own section: a table of its keys (gh_conf_table), indexed by its own
 * enum, with its cross-key checks.
 */
enum gh_conf_key {
	GH_CONF_STATE_DIR,		/* [gatehouse] state_dir */
	GH_CONF_KEY_FILE,		/* [gatehouse] key_file */
	GH_CONF_LOG_REQUESTS,		/* [gatehouse] log_requests */
	GH_CONF_DATABASE,		/* [gatehouse] database */
	GH_CONF_DATABASE_PASSWORD_FILE,	/* [gatehouse] database_password_file */
	GH_CONF__MAX
};

#define GH_CONF_REQUIRED	0x01	/* no default: the file must set it */
#define GH_CONF_LIST_MAX	32	/* most numbers in an INTLIST value */
#define GH_CONF_TABLES_MAX	8	/* sections of a load, [gatehouse] too */
#define GH_CONF_PATH_MAX	1024	/* longest PATH value, resolved */
#define GH_CONF_STR_MAX		1024	/* longest STR value */

struct gh_conf_def {
	const char		*key;
	enum gh_conf_type	 type;
	long long		 min, max;	/* INT range; STR/PATH max length */
	const char		*def;		/* default as text; NULL if none */
	const char *const	*choices;	/* ENUM: names, NULL-terminated */
	unsigned		 flags;
	const char		*doc;		/* one line for the reference */
};

struct gh_conf;

/*
 * One section: its name, its keys (defs[0..ndefs-1], in the order of the
 * owner's enum) and the checks that span keys.  check runs after every
 * value is loaded, defaulted and resolved; it returns GH_OK, or GH_ECONFIG
 * with the reason in why and in *key the key whose line to name (ndefs
 * for none).  NULL when the section has no such rules.
 */
struct gh_conf_table {
	const char			*section;
	const struct gh_conf_def	*defs;
	size_t				 ndefs;
	enum gh_err			(*check)(const struct gh_conf *c,
					    size_t *key, char *why,
					    size_t whysz);
};

/* [gatehouse]: always the first section of every load. */
extern const struct gh_conf_table gh_conf_gatehouse;

/*
 * A loaded file.  Every key of every section has a slot: the keys of
 * tab[i] are slots off[i] to off[i] + tab[i]->ndefs - 1.
 */
struct gh_conf {
	char				 *path;	/* owned: the file loaded */
	const struct gh_conf_table	 *tab[GH_CONF_TABLES_MAX];
						/* borrowed; tab[0] is
						   [gatehouse] */
	size_t				  ntab;
	size_t				  off[GH_CONF_TABLES_MAX];
	char				**str;	/* owned: each slot's value as
						   text (resolved for PATH) */
	long long			 *num;	/* owned: INT and BOOL values;
						   ENUM: index into choices;
						   INTLIST: how many numbers */
};

/*
 * Load path (NULL: as gh_conf_load_env() does) into c (zeroed by the
 * caller or by a previous gh_conf_free).
 * The sections known are [gatehouse] and those of tables (NULL-terminated,
 * static: c borrows them); any other section is an error.  On failure c
 * holds nothing, GH_ECONFIG (or GH_EIO if the file cannot be read) is
 * returned and errbuf says "FILE:LINE: what is wrong".
 */
enum gh_err	 gh_conf_load(struct gh_conf *c,
		    const struct gh_conf_table *const *tables, const char *path,
		    char *errbuf, size_t errsz);

/* Load from the GATEHOUSE_CONFIG environment variable, else the built-in default path. */
enum gh_err	 gh_conf_load_env(struct gh_conf *c,
		    const struct gh_conf_table *const *tables, char *errbuf,
		    size_t errsz);

/*
 * Borrowed value of key of section t; never NULL after a successful load
 * (may be "").  t must be a section of the load.
 */
const char	*gh_conf_str(const struct gh_conf *c,
		    const struct gh_conf_table *t, size_t key);
long long	 gh_conf_int(const struct gh_conf *c,
		    const struct gh_conf_table *t, size_t key);

/*
 * The numbers of an INTLIST key, in order, into out (room for max); returns
 * how many were stored (at most max; a loaded value has 1 to
 * GH_CONF_LIST_MAX of them).
 */
size_t		 gh_conf_intlist(const struct gh_conf *c,
		    const struct gh_conf_table *t, size_t key, long long *out,
		    size_t max);

/* The [gatehouse] values. */
#define gh_conf_database(c)	\
	gh_conf_str((c), &gh_conf_gatehouse, GH_CONF_DATABASE)
#define gh_conf_database_password_file(c)	\
	gh_conf_str((c), &gh_conf_gatehouse, GH_CONF_DATABASE_PASSWORD_FILE)
#define gh_conf_state_dir(c)	\
	gh_conf_str((c), &gh_conf_gatehouse, GH_CONF_STATE_DIR)
#define gh_conf_key_file(c)	\
	gh_conf_str((c), &gh_conf_gatehouse, GH_CONF_KEY_FILE)
#define gh_conf_log_requests(c)	\
	((int)gh_conf_int((c), &gh_conf_gatehouse, GH_CONF_LOG_REQUESTS))

/*
 * The typed getters of a service's section, for its keys (enum
 * <svc>_conf_key) of its table <svc>_conf: <svc>_conf_str(c, key) and
 * <svc>_conf_int(c, key).
 */
#define GH_CONF_ACCESSORS(svc)						\
static inline const char *						\
svc##_conf_str(const struct gh_conf *c, enum svc##_conf_key key)	\
{									\
	return gh_conf_str(c, &svc##_conf, key);			\
}									\
static inline long long							\
svc##_conf_int(const struct gh_conf *c, enum svc##_conf_key key)	\
{									\
	return gh_conf_int(c, &svc##_conf, key);			\
}

void		 gh_conf_free(struct gh_conf *c);	/* accepts a zeroed struct */

/*
 * Write the reference (section, key, type, range, default, doc) of
 * [gatehouse] and of tables (NULL-terminated) as Markdown.
 */
void		 gh_conf_doc(FILE *fp,
		    const struct gh_conf_table *const *tables);

#endif
