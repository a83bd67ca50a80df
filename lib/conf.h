/* SPDX-License-Identifier: ISC */
/*
 * conf: gatehouse.conf, an INI file with one section per service.  One table
 * (gh_conf_defs) names every key with its type, range, default and a line of
 * documentation; it drives parsing, range checks, `gatectl check-config` and
 * the reference in the README.  Unknown sections and keys are errors that
 * name their line.  Secrets never sit in the file: keys of type PATH name
 * files that hold them.  Relative paths are resolved against state_dir, and a
 * relative state_dir against the directory of the file.
 */
#ifndef GH_CONF_H
#define GH_CONF_H

#include <stdio.h>

#include "err.h"

enum gh_conf_type {
	GH_CONF_STR,
	GH_CONF_INT,
	GH_CONF_BOOL,
	GH_CONF_ENUM,	/* one of def->choices, "a|b|c" */
	GH_CONF_PATH,	/* a file or directory name, resolved as above */
	GH_CONF_INTLIST, /* "5, 300, 1800": integers, each in [min, max] */
	GH_CONF_ADDRLIST, /* "127.0.0.0/8, ::1/128": CIDR ranges (netpol.h) */
	GH_CONF_TYPE__MAX
};

enum gh_conf_key {
	GH_CONF_STATE_DIR,		/* [gatehouse] state_dir */
	GH_CONF_KEY_FILE,		/* [gatehouse] key_file */
	GH_CONF_LOG_REQUESTS,		/* [gatehouse] log_requests */
	GH_CONF_FACTORY_MODE,		/* [factory] mode: test|live */
	GH_CONF_FACTORY_MAX_BODY,	/* [factory] max_body */
	GH_CONF_FACTORY_REGISTRAR,	/* [factory] registrar: test|local|command */
	GH_CONF_FACTORY_REGISTRAR_COMMAND, /* [factory] registrar_command */
	GH_CONF_FACTORY_REGISTRAR_TIMEOUT, /* [factory] registrar_timeout_ms */
	GH_CONF_FACTORY_ALLOW_HTTP_CALLBACK, /* [factory] allow_http_callback */
	GH_CONF_FACTORY_DEPLOY_COMMAND,	/* [factory] deploy_command */
	GH_CONF_FACTORY_DEPLOY_TIMEOUT,	/* [factory] deploy_timeout_s */
	GH_CONF_FACTORY_PROVISION_ATTEMPTS, /* [factory] provision_attempts */
	GH_CONF_FACTORY_PROVISION_BACKOFF, /* [factory] provision_backoff_s */
	GH_CONF_FACTORY_CALLBACK_SCHEDULE, /* [factory] callback_schedule */
	GH_CONF_FACTORY_CALLBACK_CONNECT_TIMEOUT, /* [factory] callback_connect_timeout_ms */
	GH_CONF_FACTORY_CALLBACK_TIMEOUT, /* [factory] callback_timeout_ms */
	GH_CONF_FACTORY_CALLBACK_ALLOW,	/* [factory] callback_allow */
	GH_CONF_FACTORY_CALLBACK_DENY,	/* [factory] callback_deny */
	GH_CONF_FACTORY_WEBHOOK_SIGNATURES, /* [factory] webhook_signatures */
	GH_CONF_FACTORY_LEASE,		/* [factory] lease_s */
	GH_CONF_FACTORY_WORKER_PROGRAM,	/* [factory] worker_program */
	GH_CONF_CERTMAKER_BASE_URL,	/* [certmaker] base_url */
	GH_CONF_CERTMAKER_MAX_DAYS,	/* [certmaker] max_days */
	GH_CONF_CERTMAKER_CHALLENGE,	/* [certmaker] challenge */
	GH_CONF_CERTMAKER_CHALLENGE_TTL, /* [certmaker] challenge_ttl_s */
	GH_CONF_CERTMAKER_CHALLENGE_CONNECT_TIMEOUT, /* [certmaker] challenge_connect_timeout_ms */
	GH_CONF_CERTMAKER_CHALLENGE_TIMEOUT, /* [certmaker] challenge_timeout_ms */
	GH_CONF_CERTMAKER_CHALLENGE_ALLOW, /* [certmaker] challenge_allow */
	GH_CONF_CERTMAKER_CHALLENGE_DENY, /* [certmaker] challenge_deny */
	GH_CONF_CERTMAKER_OCSP_VALIDITY, /* [certmaker] ocsp_validity_s */
	GH_CONF_CERTMAKER_CRL_VALIDITY,	/* [certmaker] crl_validity_s */
	GH_CONF_CERTMAKER_ACME_HTTP_PORT, /* [certmaker] acme_http_port */
	GH_CONF_CERTMAKER_ACME_DAYS,	/* [certmaker] acme_days */
	GH_CONF_CERTMAKER_ACME_EAB_REQUIRED, /* [certmaker] acme_eab_required */
	GH_CONF_ICYFIRE_FERNET_KEY_FILE, /* [icyfire] fernet_key_file */
	GH_CONF_APIHOST_PUBLIC_URL,	/* [apihost] public_url */
	GH_CONF_APIHOST_BASIC_AGENTS,	/* [apihost] basic_auth_agents */
	GH_CONF_APIHOST_OFFER_EXPIRY,	/* [apihost] offer_expiry_s */
	GH_CONF_APIHOST_MAX_BODY,	/* [apihost] max_body */
	GH_CONF_APIHOST_CONNECT_TIMEOUT, /* [apihost] connect_timeout_ms */
	GH_CONF_APIHOST_RESPONSE_TIMEOUT, /* [apihost] response_timeout_ms */
	GH_CONF_APIHOST_UPSTREAM_ALLOW,	/* [apihost] upstream_allow */
	GH_CONF_APIHOST_UPSTREAM_DENY,	/* [apihost] upstream_deny */
	GH_CONF__MAX
};

#define GH_CONF_REQUIRED	0x01	/* no default: the file must set it */
#define GH_CONF_LIST_MAX	32	/* most numbers in an INTLIST value */

struct gh_conf_def {
	const char		*section;
	const char		*key;
	enum gh_conf_type	 type;
	long long		 min, max;	/* INT range; STR/PATH max length */
	const char		*def;		/* default as text; NULL if none */
	const char		*choices;	/* ENUM: "test|live" */
	unsigned		 flags;
	const char		*doc;		/* one line for the reference */
};

extern const struct gh_conf_def gh_conf_defs[GH_CONF__MAX];

struct gh_conf {
	char		*path;			/* owned: the file loaded */
	char		*str[GH_CONF__MAX];	/* owned: every value as text (resolved for PATH) */
	long long	 num[GH_CONF__MAX];	/* INT and BOOL values; ENUM: index into choices;
						   INTLIST: how many numbers */
};

/*
 * Load path into c (zeroed by the caller or by a previous gh_conf_free).  On
 * failure c holds nothing, GH_ECONFIG (or GH_EIO if the file cannot be read)
 * is returned and errbuf says "FILE:LINE: what is wrong".
 */
enum gh_err	 gh_conf_load(struct gh_conf *c, const char *path, char *errbuf,
		    size_t errsz);

/* Load from the GATEHOUSE_CONFIG environment variable, else the built-in default path. */
enum gh_err	 gh_conf_load_env(struct gh_conf *c, char *errbuf, size_t errsz);

/* Borrowed value of key; never NULL after a successful load (may be ""). */
const char	*gh_conf_str(const struct gh_conf *c, enum gh_conf_key key);
long long	 gh_conf_int(const struct gh_conf *c, enum gh_conf_key key);

/*
 * The numbers of an INTLIST key, in order, into out (room for max); returns
 * how many were stored (at most max; a loaded value has 1 to
 * GH_CONF_LIST_MAX of them).
 */
size_t		 gh_conf_intlist(const struct gh_conf *c, enum gh_conf_key key,
		    long long *out, size_t max);

void		 gh_conf_free(struct gh_conf *c);	/* accepts a zeroed struct */

/* Write the reference (section, key, type, range, default, doc) as Markdown. */
void		 gh_conf_doc(FILE *fp);

#endif
