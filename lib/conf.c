/* SPDX-License-Identifier: ISC */
/*
 * conf: gatehouse.conf.  The table gh_conf_defs is the only place a key is
 * named; parsing, range checks, defaults and the reference all read it.
 *
 * The grammar: blank lines; comment lines starting with '#' or ';' (a
 * comment takes a whole line: "key = 5 # five" is the value "5 # five");
 * "[section]"; "key = value".  Whitespace around names and values is
 * trimmed.  A value may be double-quoted to keep surrounding whitespace or
 * a leading '#'; there are no escapes inside quotes.  Lines are at most
 * CONF_LINE_MAX bytes.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "netpol.h"
#include "util.h"

#define CONF_LINE_MAX	4096	/* bytes of one line, without its newline */
#define CONF_PATH_MAX	1024	/* longest PATH value, resolved */
#define CONF_STR_MAX	1024	/* longest STR value */
#define CONF_SECT_MAX	64	/* longest section name */
#define CONF_SHOW_MAX	48	/* bytes of a bad value quoted in a message */

#ifndef GH_SYSCONFDIR
#define GH_SYSCONFDIR	"/etc"
#endif
#ifndef GH_SBINDIR
#define GH_SBINDIR	"/usr/local/sbin"
#endif
#define CONF_ITEM_MAX	24	/* longest number in an INTLIST value */

const struct gh_conf_def gh_conf_defs[GH_CONF__MAX] = {
	[GH_CONF_STATE_DIR] = {
		"gatehouse", "state_dir", GH_CONF_PATH, 1, CONF_PATH_MAX,
		"/var/lib/gatehouse", NULL, 0,
		"Directory of the databases and key files; a relative path is "
		"taken from the directory of this file."
	},
	[GH_CONF_KEY_FILE] = {
		"gatehouse", "key_file", GH_CONF_PATH, 1, CONF_PATH_MAX,
		"secret.key", NULL, 0,
		"File holding the key that encrypts secrets at rest (created by "
		"`gatectl init`, mode 0600); relative to state_dir."
	},
	[GH_CONF_LOG_REQUESTS] = {
		"gatehouse", "log_requests", GH_CONF_BOOL, 0, 1,
		"yes", NULL, 0,
		"Log one line per request (method, masked path, status, time)."
	},
	[GH_CONF_FACTORY_MODE] = {
		"factory", "mode", GH_CONF_ENUM, 0, 0,
		"live", "test|live", 0,
		"`test` accepts the mock client and test registrar; `live` "
		"serves real orders."
	},
	[GH_CONF_FACTORY_MAX_BODY] = {
		"factory", "max_body", GH_CONF_INT, 256, 1048576,
		"16384", NULL, 0,
		"Largest request body in bytes; a larger one is answered 413."
	},
	[GH_CONF_FACTORY_REGISTRAR] = {
		"factory", "registrar", GH_CONF_ENUM, 0, 0,
		"local", "test|local|command", 0,
		"Domain availability backend: `test` (test mode only), `local` "
		"(the taken_domain table) or `command` (registrar_command)."
	},
	[GH_CONF_FACTORY_REGISTRAR_COMMAND] = {
		"factory", "registrar_command", GH_CONF_STR, 0, CONF_STR_MAX,
		"", NULL, 0,
		"Program run as `<command> check <domain>` when registrar = "
		"command; exit 0 means available, 1 taken, anything else an "
		"error.  The worker runs `<command> register <domain>`: exit "
		"0 registered to us (also when it already was), 1 taken, "
		"anything else a temporary failure."
	},
	[GH_CONF_FACTORY_REGISTRAR_TIMEOUT] = {
		"factory", "registrar_timeout_ms", GH_CONF_INT, 100, 60000,
		"5000", NULL, 0,
		"Milliseconds registrar_command may run before it is killed."
	},
	[GH_CONF_FACTORY_ALLOW_HTTP_CALLBACK] = {
		"factory", "allow_http_callback", GH_CONF_BOOL, 0, 1,
		"no", NULL, 0,
		"Accept plain `http://` callback URLs (otherwise only "
		"`https://`)."
	},
	[GH_CONF_FACTORY_DEPLOY_COMMAND] = {
		"factory", "deploy_command", GH_CONF_STR, 0, CONF_STR_MAX,
		"", NULL, 0,
		"Program the worker runs as `<command> <domain>` to deploy an "
		"ordered site; it reads the installerSecret on stdin, and "
		"GATEHOUSE_DEPLOY_RETRY=1 tells it an earlier attempt was "
		"made.  Empty: nothing to deploy."
	},
	[GH_CONF_FACTORY_DEPLOY_TIMEOUT] = {
		"factory", "deploy_timeout_s", GH_CONF_INT, 1, 86400,
		"600", NULL, 0,
		"Seconds deploy_command may run before it is killed."
	},
	[GH_CONF_FACTORY_PROVISION_ATTEMPTS] = {
		"factory", "provision_attempts", GH_CONF_INT, 1, 100,
		"6", NULL, 0,
		"Attempts at each provisioning step (register, deploy) before "
		"the order fails and the callback reports 500."
	},
	[GH_CONF_FACTORY_PROVISION_BACKOFF] = {
		"factory", "provision_backoff_s", GH_CONF_INT, 1, 86400,
		"60", NULL, 0,
		"Seconds before the second attempt at a failed step; doubled "
		"for each further attempt, up to an hour, with jitter."
	},
	[GH_CONF_FACTORY_CALLBACK_SCHEDULE] = {
		"factory", "callback_schedule", GH_CONF_INTLIST, 1, 604800,
		"5,300,1800,7200,18000,36000,36000,86400,86400", NULL, 0,
		"Seconds to wait after each failed callback attempt before the "
		"next, each varied by up to 20% either way; after the last the "
		"delivery is dead."
	},
	[GH_CONF_FACTORY_CALLBACK_CONNECT_TIMEOUT] = {
		"factory", "callback_connect_timeout_ms", GH_CONF_INT, 100, 60000,
		"5000", NULL, 0,
		"Milliseconds a callback may take to connect (TLS included)."
	},
	[GH_CONF_FACTORY_CALLBACK_TIMEOUT] = {
		"factory", "callback_timeout_ms", GH_CONF_INT, 100, 300000,
		"15000", NULL, 0,
		"Milliseconds a callback may take in all before it counts as "
		"failed."
	},
	[GH_CONF_FACTORY_CALLBACK_ALLOW] = {
		"factory", "callback_allow", GH_CONF_ADDRLIST, 0, CONF_STR_MAX,
		"", NULL, 0,
		"Address ranges (CIDR, comma-separated) a callback may connect "
		"to even when callback_deny names them, e.g. `10.1.0.0/16` for "
		"clients on the intranet."
	},
	[GH_CONF_FACTORY_CALLBACK_DENY] = {
		"factory", "callback_deny", GH_CONF_ADDRLIST, 0, CONF_STR_MAX,
		GH_NETPOL_DENY_PRIVATE, NULL, 0,
		"Address ranges a callback may not connect to, judged on the "
		"address connected to after DNS resolution; the default is "
		"loopback, link-local, private, CGNAT, multicast and reserved. "
		"`0.0.0.0/0, ::/0` leaves only callback_allow."
	},
	[GH_CONF_FACTORY_WEBHOOK_SIGNATURES] = {
		"factory", "webhook_signatures", GH_CONF_BOOL, 0, 1,
		"yes", NULL, 0,
		"Sign callbacks the Standard Webhooks way (webhook-id, "
		"webhook-timestamp, webhook-signature) with the client's "
		"callback secret."
	},
	[GH_CONF_FACTORY_LEASE] = {
		"factory", "lease_s", GH_CONF_INT, 5, 3600,
		"60", NULL, 0,
		"Seconds a worker's claim on an order outlives the time limit "
		"of the step it runs (at least the database's 5 s busy "
		"timeout); then a crashed worker's order is taken over."
	},
	[GH_CONF_FACTORY_WORKER_PROGRAM] = {
		"factory", "worker_program", GH_CONF_STR, 0, CONF_STR_MAX,
		GH_SBINDIR "/gatehouse-worker", NULL, 0,
		"Absolute path of gatehouse-worker, which the factory starts "
		"(`--drain`) when an order arrives and no worker is listening. "
		"Empty: never start one."
	},
	[GH_CONF_CERTMAKER_BASE_URL] = {
		"certmaker", "base_url", GH_CONF_STR, 0, 512,
		"", NULL, 0,
		"The service's public URL (`https://ca.example.org`) used in "
		"Location headers and in the OCSP and CRL URLs of certificates; "
		"empty: `https://` and the request's Host."
	},
	[GH_CONF_CERTMAKER_MAX_DAYS] = {
		"certmaker", "max_days", GH_CONF_INT, 1, 3650,
		"397", NULL, 0,
		"Longest validity in days a certificate may ask for (never past "
		"the root's own end)."
	},
	[GH_CONF_CERTMAKER_CHALLENGE] = {
		"certmaker", "challenge", GH_CONF_BOOL, 0, 1,
		"no", NULL, 0,
		"Requests get an HTTP challenge (202) that must be solved before "
		"the certificate is issued."
	},
	[GH_CONF_CERTMAKER_CHALLENGE_TTL] = {
		"certmaker", "challenge_ttl_s", GH_CONF_INT, 60, 604800,
		"7200", NULL, 0,
		"Seconds a challenge may be solved in; later it is gone (410)."
	},
	[GH_CONF_CERTMAKER_CHALLENGE_CONNECT_TIMEOUT] = {
		"certmaker", "challenge_connect_timeout_ms", GH_CONF_INT, 100,
		60000, "3000", NULL, 0,
		"Milliseconds a challenge fetch may take to connect."
	},
	[GH_CONF_CERTMAKER_CHALLENGE_TIMEOUT] = {
		"certmaker", "challenge_timeout_ms", GH_CONF_INT, 100, 60000,
		"5000", NULL, 0,
		"Milliseconds a challenge fetch may take in all."
	},
	[GH_CONF_CERTMAKER_CHALLENGE_ALLOW] = {
		"certmaker", "challenge_allow", GH_CONF_ADDRLIST, 0,
		CONF_STR_MAX, "", NULL, 0,
		"Address ranges (CIDR, comma-separated) a challenge fetch may "
		"connect to even when challenge_deny names them."
	},
	[GH_CONF_CERTMAKER_CHALLENGE_DENY] = {
		"certmaker", "challenge_deny", GH_CONF_ADDRLIST, 0, CONF_STR_MAX,
		GH_NETPOL_DENY_PRIVATE, NULL, 0,
		"Address ranges a challenge fetch may not connect to, judged "
		"on the address connected to after DNS resolution; the "
		"default is loopback, link-local, private, CGNAT, multicast "
		"and reserved."
	},
	[GH_CONF_CERTMAKER_OCSP_VALIDITY] = {
		"certmaker", "ocsp_validity_s", GH_CONF_INT, 60, 604800,
		"3600", NULL, 0,
		"Seconds between an OCSP answer's thisUpdate and nextUpdate."
	},
	[GH_CONF_CERTMAKER_CRL_VALIDITY] = {
		"certmaker", "crl_validity_s", GH_CONF_INT, 60, 2592000,
		"86400", NULL, 0,
		"Seconds between the CRL's lastUpdate and nextUpdate."
	},
	[GH_CONF_CERTMAKER_ACME_HTTP_PORT] = {
		"certmaker", "acme_http_port", GH_CONF_INT, 1, 65535,
		"80", NULL, 0,
		"Port that ACME http-01 challenges are fetched from (RFC 8555 "
		"says 80; `./dev serve --acme-http-port` sets another for "
		"development)."
	},
	[GH_CONF_CERTMAKER_ACME_DAYS] = {
		"certmaker", "acme_days", GH_CONF_INT, 1, 3650,
		"90", NULL, 0,
		"Validity in days of certificates issued through ACME (at most "
		"max_days, never past the root's own end)."
	},
	[GH_CONF_CERTMAKER_ACME_EAB_REQUIRED] = {
		"certmaker", "acme_eab_required", GH_CONF_BOOL, 0, 1,
		"no", NULL, 0,
		"New ACME accounts must carry an external account binding "
		"(`gatectl certmaker acme eab add USER`), which ties them to "
		"that certmaker user."
	},
	[GH_CONF_ICYFIRE_FERNET_KEY_FILE] = {
		"icyfire", "fernet_key_file", GH_CONF_PATH, 1, CONF_PATH_MAX,
		"icyfire.fernet", NULL, 0,
		"File holding the Fernet key (44 characters of base64url) that "
		"encrypts the social media credentials; shared with the workers. "
		"Created by `gatectl init`, mode 0600; relative to state_dir."
	},
	[GH_CONF_APIHOST_PUBLIC_URL] = {
		"apihost", "public_url", GH_CONF_STR, 8, 256,
		"https://api.localhost", NULL, 0,
		"The API host's own URL, without a trailing slash: the part of "
		"a webkey before '#', and $API_HOST in offer templates."
	},
	[GH_CONF_APIHOST_BASIC_AGENTS] = {
		"apihost", "basic_auth_agents", GH_CONF_STR, 0, CONF_STR_MAX,
		"git/|GitHub-Hookshot/|mirall/|Mozilla/5.0 (iOS) ownCloud-iOS/|"
		"Mozilla/5.0 (Android) ownCloud-android/|litmus/", NULL, 0,
		"User-Agent prefixes, separated by '|', of clients that may "
		"present the token as a Basic password (Sandstorm's list); "
		"others must use Bearer."
	},
	[GH_CONF_APIHOST_OFFER_EXPIRY] = {
		"apihost", "offer_expiry_s", GH_CONF_INT, 10, 86400,
		"900", NULL, 0,
		"Seconds within which a token made by an offer template must "
		"first be used (or kept alive) before it expires."
	},
	[GH_CONF_APIHOST_MAX_BODY] = {
		"apihost", "max_body", GH_CONF_INT, 0, 1LL << 40,
		"1073741824", NULL, 0,
		"Largest request body in bytes the gateway streams to an app; "
		"a larger Content-Length is answered 413."
	},
	[GH_CONF_APIHOST_CONNECT_TIMEOUT] = {
		"apihost", "connect_timeout_ms", GH_CONF_INT, 100, 60000,
		"5000", NULL, 0,
		"Milliseconds to connect to an app; then 502."
	},
	[GH_CONF_APIHOST_RESPONSE_TIMEOUT] = {
		"apihost", "response_timeout_ms", GH_CONF_INT, 100, 3600000,
		"60000", NULL, 0,
		"Milliseconds an app may stay silent (no byte of its answer "
		"while nothing is being sent to it); then 504, or the "
		"transfer is cut."
	},
	[GH_CONF_APIHOST_UPSTREAM_ALLOW] = {
		"apihost", "upstream_allow", GH_CONF_ADDRLIST, 0, CONF_STR_MAX,
		"", NULL, 0,
		"Address ranges (CIDR, comma-separated) the gateway may "
		"connect to even when upstream_deny names them."
	},
	[GH_CONF_APIHOST_UPSTREAM_DENY] = {
		"apihost", "upstream_deny", GH_CONF_ADDRLIST, 0, CONF_STR_MAX,
		GH_NETPOL_DENY_LINKLOCAL, NULL, 0,
		"Address ranges the gateway may not connect to, judged on the "
		"address connected to after DNS resolution (then 502). Apps "
		"are the operator's, often on loopback or a private network, "
		"so the default denies only link-local (cloud metadata), "
		"unspecified, multicast and reserved addresses."
	},
};

/* The state of one load: where we are, for messages. */
struct conf_parse {
	const char	*file;		/* as the caller named it */
	size_t		 line;		/* 0: no line (cross-key checks) */
	size_t		 set[GH_CONF__MAX];	/* line a key was set on; 0: unset */
	char		*err;
	size_t		 errsz;
};

/*
 * Write "FILE:LINE: message" (or "FILE: message" without a line) into the
 * caller's error buffer.  Returns GH_ECONFIG so that callers can return it.
 */
static enum gh_err
conf_err(struct conf_parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum gh_err
conf_err(struct conf_parse *p, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (p->errsz == 0)
		return GH_ECONFIG;
	if (p->line > 0)
		n = snprintf(p->err, p->errsz, "%s:%zu: ", p->file, p->line);
	else
		n = snprintf(p->err, p->errsz, "%s: ", p->file);
	if (n < 0 || (size_t)n >= p->errsz)
		return GH_ECONFIG;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return GH_ECONFIG;
}

/* Escape an outside value for a message into show (CONF_SHOW_MAX bytes). */
static const char *
conf_show(const char *v, char show[CONF_SHOW_MAX])
{
	gh_log_escape(v, strlen(v), show, CONF_SHOW_MAX);
	return show;
}

/* Strip leading and trailing whitespace of s in place; returns the start. */
static char *
conf_trim(char *s)
{
	size_t	n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\f' ||
	    *s == '\v')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == '\f' ||
	    s[n - 1] == '\v'))
		s[--n] = '\0';
	return s;
}

/*
 * Read one line of fp into buf (CONF_LINE_MAX + 1 bytes) without its
 * newline.  Returns 1 for a line, 0 at the end of the file, -1 on a read
 * error, -2 for a line that is too long and -3 for one with a NUL byte (the
 * rest of a bad line is consumed, so a message can name the next one).
 */
static int
conf_getline(FILE *fp, char *buf)
{
	size_t	 n = 0;
	int	 ch, bad = 0;

	while ((ch = getc(fp)) != EOF) {
		if (ch == '\n')
			break;
		if (ch == '\0' && bad == 0)
			bad = -3;
		if (n == CONF_LINE_MAX)
			bad = -2;
		else
			buf[n++] = (char)ch;
	}
	buf[n] = '\0';
	if (ch == EOF && ferror(fp))
		return -1;
	if (bad != 0)
		return bad;
	if (ch == EOF && n == 0)
		return 0;
	return 1;
}

/* 1 when any key lives in section. */
static int
conf_section_known(const char *section)
{
	size_t	i;

	for (i = 0; i < GH_CONF__MAX; i++)
		if (strcmp(gh_conf_defs[i].section, section) == 0)
			return 1;
	return 0;
}

/* The key named section.key, or GH_CONF__MAX. */
static size_t
conf_find(const char *section, const char *key)
{
	size_t	i;

	for (i = 0; i < GH_CONF__MAX; i++)
		if (strcmp(gh_conf_defs[i].section, section) == 0 &&
		    strcmp(gh_conf_defs[i].key, key) == 0)
			return i;
	return GH_CONF__MAX;
}

/*
 * The index of v among the '|'-separated choices, or -1.  Choices are
 * compared exactly: "Live" is not "live".
 */
static long long
conf_choice(const char *choices, const char *v)
{
	const char	*s, *e;
	size_t		 n = strlen(v);
	long long	 i;

	for (s = choices, i = 0; ; s = e + 1, i++) {
		e = strchr(s, '|');
		if (e == NULL)
			e = s + strlen(s);
		if ((size_t)(e - s) == n && strncmp(s, v, n) == 0)
			return i;
		if (*e == '\0')
			return -1;
	}
}

/*
 * The choice with index i of the '|'-separated choices into out; "" if
 * there is no such choice.
 */
static void
conf_choice_name(const char *choices, long long i, char *out, size_t outsz)
{
	const char	*s, *e;
	size_t		 n;

	out[0] = '\0';
	for (s = choices; i > 0; i--) {
		s = strchr(s, '|');
		if (s == NULL)
			return;
		s++;
	}
	e = strchr(s, '|');
	n = e == NULL ? strlen(s) : (size_t)(e - s);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/*
 * Parse v as a comma-separated list of integers in [min, max], blanks
 * around each allowed.  The numbers go to out (room for outmax; out may be
 * NULL to only check) and their count to *np.  GH_EINVAL with a static
 * reason in *why for an empty item, a bad number, or more than
 * GH_CONF_LIST_MAX of them.
 */
static enum gh_err
conf_list(const char *v, long long min, long long max, long long *out,
    size_t outmax, size_t *np, const char **why)
{
	char		 item[CONF_ITEM_MAX + 1];
	const char	*s, *e, *errstr;
	char		*t;
	long long	 num;
	size_t		 n = 0, len;

	for (s = v; ; s = e + 1) {
		e = strchr(s, ',');
		len = e == NULL ? strlen(s) : (size_t)(e - s);
		if (len > CONF_ITEM_MAX) {
			*why = "a number is too long";
			return GH_EINVAL;
		}
		memcpy(item, s, len);
		item[len] = '\0';
		t = conf_trim(item);
		if (t[0] == '\0') {
			*why = "empty item (write numbers separated by commas)";
			return GH_EINVAL;
		}
		num = gh_strtonum(t, min, max, &errstr);
		if (errstr != NULL) {
			*why = strcmp(errstr, "invalid") == 0 ?
			    "not a list of integers" : "a number is out of range";
			return GH_EINVAL;
		}
		if (n == GH_CONF_LIST_MAX) {
			*why = "too many numbers";
			return GH_EINVAL;
		}
		if (out != NULL && n < outmax)
			out[n] = num;
		n++;
		if (e == NULL)
			break;
	}
	*np = n;
	return GH_OK;
}

/*
 * Check value v of key k by its type and store it in c: the text (BOOLs
 * normalised to "yes"/"no") in c->str, numbers in c->num.  Does not resolve
 * paths; that waits until state_dir is known.
 */
static enum gh_err
conf_set(struct conf_parse *p, struct gh_conf *c, size_t k, const char *v)
{
	static const char *const	 yes[] = { "yes", "true", "on", "1" };
	static const char *const	 no[] = { "no", "false", "off", "0" };
	const struct gh_conf_def	*d = &gh_conf_defs[k];
	const char			*errstr, *text = v;
	char				 show[CONF_SHOW_MAX], list[128];
	char				 name[32], why[160];
	struct gh_netpol_list		 pol;
	char				*s;
	long long			 num = 0;
	size_t				 i;

	switch (d->type) {
	case GH_CONF_INT:
		num = gh_strtonum(v, d->min, d->max, &errstr);
		if (errstr == NULL)
			break;
		if (strcmp(errstr, "invalid") == 0)
			return conf_err(p, "%s: \"%s\" is not an integer",
			    d->key, conf_show(v, show));
		return conf_err(p, "%s: %s is out of range %lld..%lld",
		    d->key, conf_show(v, show), d->min, d->max);
	case GH_CONF_BOOL:
		for (i = 0; i < GH_NELEM(yes); i++) {
			if (strcasecmp(v, yes[i]) == 0) {
				num = 1;
				text = "yes";
				break;
			}
			if (strcasecmp(v, no[i]) == 0) {
				num = 0;
				text = "no";
				break;
			}
		}
		if (i == GH_NELEM(yes))
			return conf_err(p, "%s: \"%s\" is not a boolean "
			    "(yes/no, true/false, on/off, 1/0)",
			    d->key, conf_show(v, show));
		break;
	case GH_CONF_ENUM:
		num = conf_choice(d->choices, v);
		if (num >= 0)
			break;
		/* "a|b|c" reads better as "a, b, c" in a message. */
		list[0] = '\0';
		for (i = 0; ; i++) {
			conf_choice_name(d->choices, (long long)i, name,
			    sizeof(name));
			if (name[0] == '\0')
				break;
			if (i > 0)
				gh_strlcat(list, ", ", sizeof(list));
			gh_strlcat(list, name, sizeof(list));
		}
		return conf_err(p, "%s: \"%s\" is not one of %s", d->key,
		    conf_show(v, show), list);
	case GH_CONF_INTLIST:
		if (strlen(v) > CONF_STR_MAX)
			return conf_err(p, "%s: value longer than %d bytes",
			    d->key, CONF_STR_MAX);
		if (conf_list(v, d->min, d->max, NULL, 0, &i, &errstr) !=
		    GH_OK)
			return conf_err(p, "%s: \"%s\": %s", d->key,
			    conf_show(v, show), errstr);
		num = (long long)i;
		break;
	case GH_CONF_ADDRLIST:
		if (strlen(v) > (size_t)d->max)
			return conf_err(p, "%s: value longer than %lld bytes",
			    d->key, d->max);
		if (gh_netpol_parse(&pol, v, why, sizeof(why)) != GH_OK)
			return conf_err(p, "%s: %s", d->key, why);
		break;
	case GH_CONF_PATH:
		if (v[0] == '\0')
			return conf_err(p, "%s: a path must not be empty",
			    d->key);
		/* FALLTHROUGH */
	case GH_CONF_STR:
		if (strlen(v) > (size_t)d->max)
			return conf_err(p, "%s: value longer than %lld bytes",
			    d->key, d->max);
		break;
	default:
		return conf_err(p, "%s: internal error: bad type", d->key);
	}
	if ((s = strdup(text)) == NULL)
		return GH_ENOMEM;
	free(c->str[k]);
	c->str[k] = s;
	c->num[k] = num;
	return GH_OK;
}

/*
 * Parse one trimmed, non-comment line into c.  section holds the current
 * section name (CONF_SECT_MAX bytes; "" before the first header).
 */
static enum gh_err
conf_line(struct conf_parse *p, struct gh_conf *c, char *line, char *section)
{
	char		 show[CONF_SHOW_MAX];
	char		*eq, *key, *v;
	size_t		 k, n;

	if (line[0] == '[') {
		n = strlen(line);
		if (line[n - 1] != ']')
			return conf_err(p, "section header without ']'");
		line[n - 1] = '\0';
		v = conf_trim(line + 1);
		if (!conf_section_known(v))
			return conf_err(p, "unknown section [%s]",
			    conf_show(v, show));
		/* Known sections are short: the copy cannot truncate. */
		gh_strlcpy(section, v, CONF_SECT_MAX);
		return GH_OK;
	}
	if ((eq = strchr(line, '=')) == NULL)
		return conf_err(p, "expected \"key = value\" or \"[section]\"");
	*eq = '\0';
	key = conf_trim(line);
	v = conf_trim(eq + 1);
	if (key[0] == '\0')
		return conf_err(p, "missing key before '='");
	if (section[0] == '\0')
		return conf_err(p, "key %s outside a section",
		    conf_show(key, show));
	if ((k = conf_find(section, key)) == GH_CONF__MAX)
		return conf_err(p, "unknown key %s in [%s]",
		    conf_show(key, show), section);
	if (p->set[k] != 0)
		return conf_err(p, "duplicate key %s (first set on line %zu)",
		    gh_conf_defs[k].key, p->set[k]);
	n = strlen(v);
	if (n > 0 && v[0] == '"') {
		if (n < 2 || v[n - 1] != '"')
			return conf_err(p, "%s: unterminated quote",
			    gh_conf_defs[k].key);
		v[n - 1] = '\0';
		v++;
	}
	p->set[k] = p->line;
	return conf_set(p, c, k, v);
}

/*
 * Lexically clean an absolute path in place: collapse "//", drop "." and
 * resolve ".." (never above "/").  Symbolic links are not followed: the
 * operator's names are kept.
 */
static void
conf_clean(char *path)
{
	char	*r = path, *w = path, *seg;
	size_t	 n;

	assert(path[0] == '/');
	while (*r != '\0') {
		while (*r == '/')
			r++;
		if (*r == '\0')
			break;
		seg = r;
		while (*r != '\0' && *r != '/')
			r++;
		n = (size_t)(r - seg);
		if (n == 1 && seg[0] == '.')
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (w > path && *--w != '/')
				;
			continue;
		}
		*w++ = '/';
		memmove(w, seg, n);
		w += n;
	}
	if (w == path)
		*w++ = '/';
	*w = '\0';
}

/*
 * Resolve the PATH value of key k against the absolute directory base and
 * replace it with the cleaned absolute result.
 */
static enum gh_err
conf_resolve(struct conf_parse *p, struct gh_conf *c, size_t k,
    const char *base)
{
	char	 buf[2 * CONF_PATH_MAX + 2];
	char	*s;
	int	 n;

	if (c->str[k][0] == '/')
		n = snprintf(buf, sizeof(buf), "%s", c->str[k]);
	else
		n = snprintf(buf, sizeof(buf), "%s/%s", base, c->str[k]);
	if (n < 0 || (size_t)n >= sizeof(buf))
		goto toolong;
	conf_clean(buf);
	if (strlen(buf) > (size_t)gh_conf_defs[k].max)
		goto toolong;
	if ((s = strdup(buf)) == NULL)
		return GH_ENOMEM;
	free(c->str[k]);
	c->str[k] = s;
	return GH_OK;
toolong:
	p->line = p->set[k];
	return conf_err(p, "%s: resolves to a path longer than %lld bytes",
	    gh_conf_defs[k].key, gh_conf_defs[k].max);
}

/*
 * The absolute directory of the file path into dir (dirsz bytes): a
 * relative name is taken from the current directory.
 */
static enum gh_err
conf_dir(struct conf_parse *p, const char *path, char *dir, size_t dirsz)
{
	char		 cwd[CONF_PATH_MAX];
	const char	*slash;
	int		 n;

	slash = strrchr(path, '/');
	if (path[0] == '/') {
		n = snprintf(dir, dirsz, "%.*s", (int)(slash - path), path);
		if (n == 0)
			n = snprintf(dir, dirsz, "/");
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return conf_err(p, "cannot find the current "
			    "directory: %s", strerror(errno));
		if (slash == NULL)
			n = snprintf(dir, dirsz, "%s", cwd);
		else
			n = snprintf(dir, dirsz, "%s/%.*s", cwd,
			    (int)(slash - path), path);
	}
	if (n < 0 || (size_t)n >= dirsz)
		return conf_err(p, "directory name too long");
	conf_clean(dir);
	return GH_OK;
}

/*
 * After every line: defaults for unset keys, required keys, path
 * resolution and the checks that involve more than one key.
 */
static enum gh_err
conf_finish(struct conf_parse *p, struct gh_conf *c)
{
	const struct gh_conf_def	*d;
	const char			*v;
	char				 dir[CONF_PATH_MAX], name[32];
	enum gh_err			 err;
	size_t				 k;

	p->line = 0;
	for (k = 0; k < GH_CONF__MAX; k++) {
		d = &gh_conf_defs[k];
		if (p->set[k] != 0)
			continue;
		if ((d->flags & GH_CONF_REQUIRED) || d->def == NULL)
			return conf_err(p, "missing required key %s in [%s]",
			    d->key, d->section);
		if ((err = conf_set(p, c, k, d->def)) != GH_OK)
			return err;
	}

	if ((err = conf_dir(p, p->file, dir, sizeof(dir))) != GH_OK)
		return err;
	if ((err = conf_resolve(p, c, GH_CONF_STATE_DIR, dir)) != GH_OK)
		return err;
	p->line = 0;
	for (k = 0; k < GH_CONF__MAX; k++) {
		if (k == GH_CONF_STATE_DIR ||
		    gh_conf_defs[k].type != GH_CONF_PATH)
			continue;
		err = conf_resolve(p, c, k, c->str[GH_CONF_STATE_DIR]);
		if (err != GH_OK)
			return err;
	}
	p->line = 0;

	conf_choice_name(gh_conf_defs[GH_CONF_FACTORY_REGISTRAR].choices,
	    c->num[GH_CONF_FACTORY_REGISTRAR], name, sizeof(name));
	if (strcmp(name, "command") == 0 &&
	    c->str[GH_CONF_FACTORY_REGISTRAR_COMMAND][0] == '\0')
		return conf_err(p, "[factory] registrar = command needs "
		    "[factory] registrar_command");
	if (strcmp(name, "test") == 0 &&
	    strcmp(c->str[GH_CONF_FACTORY_MODE], "test") != 0)
		return conf_err(p, "[factory] registrar = test needs "
		    "[factory] mode = test");
	/* The FastCGI program starts it with posix_spawn(): no PATH search. */
	v = c->str[GH_CONF_FACTORY_WORKER_PROGRAM];
	if (v[0] != '\0' && v[0] != '/') {
		p->line = p->set[GH_CONF_FACTORY_WORKER_PROGRAM];
		return conf_err(p, "worker_program: must be an absolute path "
		    "or empty");
	}
	return GH_OK;
}

enum gh_err
gh_conf_load(struct gh_conf *c, const char *path, char *errbuf, size_t errsz)
{
	struct gh_conf		 tmp;
	struct conf_parse	 p;
	FILE			*fp = NULL;
	char			 buf[CONF_LINE_MAX + 1];
	char			 section[CONF_SECT_MAX];
	char			*line;
	enum gh_err		 err = GH_ECONFIG;
	int			 rc;

	memset(&tmp, 0, sizeof(tmp));
	memset(&p, 0, sizeof(p));
	p.file = path;
	p.err = errbuf;
	p.errsz = errsz;
	if (errsz > 0)
		errbuf[0] = '\0';
	section[0] = '\0';

	if ((fp = fopen(path, "re")) == NULL) {
		conf_err(&p, "%s", strerror(errno));
		err = GH_EIO;
		goto out;
	}
	for (;;) {
		rc = conf_getline(fp, buf);
		p.line++;
		if (rc == 0)
			break;
		if (rc == -1) {
			conf_err(&p, "read error: %s", strerror(errno));
			err = GH_EIO;
			goto out;
		}
		if (rc == -2) {
			err = conf_err(&p, "line longer than %d bytes",
			    CONF_LINE_MAX);
			goto out;
		}
		if (rc == -3) {
			err = conf_err(&p, "NUL byte in line");
			goto out;
		}
		line = conf_trim(buf);
		if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
			continue;
		if ((err = conf_line(&p, &tmp, line, section)) != GH_OK)
			goto out;
	}
	if ((err = conf_finish(&p, &tmp)) != GH_OK)
		goto out;
	if ((tmp.path = strdup(path)) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	*c = tmp;
	memset(&tmp, 0, sizeof(tmp));
	err = GH_OK;
out:
	if (err == GH_ENOMEM)
		conf_err(&p, "out of memory");
	if (fp != NULL)
		fclose(fp);
	gh_conf_free(&tmp);
	return err;
}

enum gh_err
gh_conf_load_env(struct gh_conf *c, char *errbuf, size_t errsz)
{
	const char	*path;

	path = getenv("GATEHOUSE_CONFIG");
	if (path == NULL || path[0] == '\0')
		path = GH_SYSCONFDIR "/gatehouse/gatehouse.conf";
	return gh_conf_load(c, path, errbuf, errsz);
}

const char *
gh_conf_str(const struct gh_conf *c, enum gh_conf_key key)
{
	assert((size_t)key < GH_CONF__MAX);
	return c->str[key] != NULL ? c->str[key] : "";
}

long long
gh_conf_int(const struct gh_conf *c, enum gh_conf_key key)
{
	assert((size_t)key < GH_CONF__MAX);
	return c->num[key];
}

/* The value was checked when it was loaded, so parsing cannot fail here. */
size_t
gh_conf_intlist(const struct gh_conf *c, enum gh_conf_key key,
    long long *out, size_t max)
{
	const struct gh_conf_def	*d;
	const char			*why;
	size_t				 n;

	assert((size_t)key < GH_CONF__MAX);
	d = &gh_conf_defs[key];
	assert(d->type == GH_CONF_INTLIST);
	if (c->str[key] == NULL ||
	    conf_list(c->str[key], d->min, d->max, out, max, &n, &why) != GH_OK)
		return 0;
	return n < max ? n : max;
}

void
gh_conf_free(struct gh_conf *c)
{
	size_t	i;

	if (c == NULL)
		return;
	free(c->path);
	for (i = 0; i < GH_CONF__MAX; i++)
		free(c->str[i]);
	memset(c, 0, sizeof(*c));
}

/* Write s with '|' escaped, as a Markdown table cell needs. */
static void
conf_doc_cell(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|')
			fputc('\\', fp);
		fputc(*s, fp);
	}
}

/*
 * One Markdown table per section, in the order of the key table:
 * key, type, default, allowed values and the key's description.
 */
void
gh_conf_doc(FILE *fp)
{
	static const char *const	 types[GH_CONF_TYPE__MAX] = {
		[GH_CONF_STR] = "string",
		[GH_CONF_INT] = "integer",
		[GH_CONF_BOOL] = "boolean",
		[GH_CONF_ENUM] = "choice",
		[GH_CONF_PATH] = "path",
		[GH_CONF_INTLIST] = "integer list",
		[GH_CONF_ADDRLIST] = "address list",
	};
	const struct gh_conf_def	*d;
	char				 name[32];
	size_t				 i, j, k;

	for (i = 0; i < GH_CONF__MAX; i++) {
		/* A section's table starts at its first key. */
		for (j = 0; j < i; j++)
			if (strcmp(gh_conf_defs[j].section,
			    gh_conf_defs[i].section) == 0)
				break;
		if (j < i)
			continue;
		fprintf(fp, "%s### [%s]\n\n", i > 0 ? "\n" : "",
		    gh_conf_defs[i].section);
		fprintf(fp, "| key | type | default | values | description |\n");
		fprintf(fp, "|---|---|---|---|---|\n");
		for (j = i; j < GH_CONF__MAX; j++) {
			d = &gh_conf_defs[j];
			if (strcmp(d->section, gh_conf_defs[i].section) != 0)
				continue;
			fprintf(fp, "| `%s` | %s | ", d->key, types[d->type]);
			if ((d->flags & GH_CONF_REQUIRED) || d->def == NULL)
				fprintf(fp, "required");
			else if (d->def[0] == '\0')
				fprintf(fp, "empty");
			else
				fprintf(fp, "`%s`", d->def);
			fprintf(fp, " | ");
			switch (d->type) {
			case GH_CONF_INT:
				fprintf(fp, "%lld to %lld", d->min, d->max);
				break;
			case GH_CONF_BOOL:
				fprintf(fp, "yes, no");
				break;
			case GH_CONF_INTLIST:
				fprintf(fp, "1 to %d of %lld to %lld, "
				    "comma-separated", GH_CONF_LIST_MAX,
				    d->min, d->max);
				break;
			case GH_CONF_ADDRLIST:
				fprintf(fp, "up to %d IPv4 or IPv6 ranges "
				    "(`10.0.0.0/8`, `::1/128`), "
				    "comma-separated", GH_NETPOL_MAX);
				break;
			case GH_CONF_ENUM:
				for (k = 0; ; k++) {
					conf_choice_name(d->choices,
					    (long long)k, name, sizeof(name));
					if (name[0] == '\0')
						break;
					fprintf(fp, "%s`%s`", k > 0 ? ", " : "",
					    name);
				}
				break;
			default:
				fprintf(fp, "up to %lld bytes", d->max);
				break;
			}
			fprintf(fp, " | ");
			conf_doc_cell(fp, d->doc);
			fprintf(fp, " |\n");
		}
	}
}
