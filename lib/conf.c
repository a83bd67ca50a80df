/* SPDX-License-Identifier: ISC */
/*
 * conf: gatehouse.conf.  A section's table (struct gh_conf_table) is the
 * only place its keys are named; parsing, range checks, defaults and the
 * reference all read it.  This file owns [gatehouse]; each service owns its
 * section and passes it in, with the others, to every load.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "db.h"
#include "log.h"
#include "netpol.h"
#include "util.h"

#define CONF_LINE_MAX	4096	/* bytes of one line, without its newline */
#define CONF_PATH_MAX	GH_CONF_PATH_MAX
#define CONF_STR_MAX	GH_CONF_STR_MAX
#define CONF_SECT_MAX	64	/* longest section name */
#define CONF_SHOW_MAX	48	/* bytes of a bad value quoted in a message */

#ifndef GH_SYSCONFDIR
#define GH_SYSCONFDIR	"/etc"
#endif
#define CONF_ITEM_MAX	24	/* longest number in an INTLIST value */

static const struct gh_conf_def gatehouse_defs[GH_CONF__MAX] = {
	[GH_CONF_STATE_DIR] = {
		"state_dir", GH_CONF_PATH, 1, GH_CONF_PATH_MAX,
		"/var/lib/gatehouse", NULL, 0,
		"Directory of the databases and key files; a relative path is "
		"taken from the directory of this file."
	},
	[GH_CONF_KEY_FILE] = {
		"key_file", GH_CONF_PATH, 1, GH_CONF_PATH_MAX,
		"secret.key", NULL, 0,
		"File holding the key that encrypts secrets at rest (created by "
		"`gatectl init`, mode 0600); relative to state_dir."
	},
	[GH_CONF_LOG_REQUESTS] = {
		"log_requests", GH_CONF_BOOL, 0, 1,
		"no", NULL, 0,
		"Also log one line per request (method, masked path, status, "
		"time) in the program's log; the web server's access log has "
		"one anyway."
	},
	[GH_CONF_DATABASE] = {
		"database", GH_CONF_STR, 1, GH_CONF_STR_MAX,
		"sqlite", NULL, 0,
		"`sqlite` (one file per service in state_dir) or a libpq URI, "
		"`postgresql://user@host/dbname`, without a password: use "
		"~/.pgpass, PGPASSFILE or database_password_file."
	},
	[GH_CONF_DATABASE_PASSWORD_FILE] = {
		"database_password_file", GH_CONF_STR, 0, GH_CONF_PATH_MAX,
		"", NULL, 0,
		"A libpq password file (.pgpass format, mode 0600) for the "
		"database URI; relative to state_dir.  Empty: libpq's own."
	},
};

/* database is "sqlite" or a libpq URI without a password. */
static enum gh_err
gatehouse_check(const struct gh_conf *c, size_t *key, char *why,
    size_t whysz)
{
	if (gh_db_uri_check(gh_conf_database(c), why, whysz) != GH_OK) {
		*key = GH_CONF_DATABASE;
		return GH_ECONFIG;
	}
	return GH_OK;
}

const struct gh_conf_table gh_conf_gatehouse = {
	"gatehouse", gatehouse_defs, GH_CONF__MAX, gatehouse_check
};

/* The state of one load: where we are, for messages. */
struct conf_parse {
	const char	*file;		/* as the caller named it */
	size_t		 line;		/* 0: no line (cross-key checks) */
	size_t		*set;		/* owned: the line each slot was set
					   on; 0: unset */
	size_t		 nslot;		/* keys of all sections together */
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

/* The section named section, or c->ntab. */
static size_t
conf_section(const struct gh_conf *c, const char *section)
{
	size_t	i;

	for (i = 0; i < c->ntab; i++)
		if (strcmp(c->tab[i]->section, section) == 0)
			return i;
	return c->ntab;
}

/* The slot of key in section t (an index of c->tab), or SIZE_MAX. */
static size_t
conf_find(const struct gh_conf *c, size_t t, const char *key)
{
	size_t	i;

	for (i = 0; i < c->tab[t]->ndefs; i++)
		if (strcmp(c->tab[t]->defs[i].key, key) == 0)
			return c->off[t] + i;
	return SIZE_MAX;
}

/* Index into c->tab of the section of slot k. */
static size_t
conf_tab(const struct gh_conf *c, size_t k)
{
	size_t	i;

	for (i = c->ntab - 1; c->off[i] > k; i--)
		;
	return i;
}

/* The definition of slot k. */
static const struct gh_conf_def *
conf_def(const struct gh_conf *c, size_t k)
{
	size_t	i = conf_tab(c, k);

	return &c->tab[i]->defs[k - c->off[i]];
}

/* The slot of key in section t, which must be part of c's load. */
static size_t
conf_slot(const struct gh_conf *c, const struct gh_conf_table *t, size_t key)
{
	size_t	i;

	for (i = 0; i < c->ntab; i++)
		if (c->tab[i] == t)
			break;
	assert(i < c->ntab && key < t->ndefs);
	return c->off[i] + key;
}

/*
 * Make room in c for [gatehouse] and tables, and in p for the lines the
 * keys are set on.  GH_EINTERNAL for too many sections or one named twice.
 */
static enum gh_err
conf_alloc(struct conf_parse *p, struct gh_conf *c,
    const struct gh_conf_table *const *tables)
{
	size_t	i, j, n = 0;

	c->tab[c->ntab++] = &gh_conf_gatehouse;
	for (i = 0; tables != NULL && tables[i] != NULL; i++) {
		if (c->ntab == GH_CONF_TABLES_MAX)
			return conf_err(p, "internal error: too many sections");
		for (j = 0; j < c->ntab; j++)
			if (strcmp(c->tab[j]->section, tables[i]->section) == 0)
				return conf_err(p, "internal error: section "
				    "[%s] twice", tables[i]->section);
		c->tab[c->ntab++] = tables[i];
	}
	for (i = 0; i < c->ntab; i++) {
		c->off[i] = n;
		n += c->tab[i]->ndefs;
	}
	if ((c->str = calloc(n, sizeof(*c->str))) == NULL ||
	    (c->num = calloc(n, sizeof(*c->num))) == NULL ||
	    (p->set = calloc(n, sizeof(*p->set))) == NULL)
		return GH_ENOMEM;
	p->nslot = n;
	return GH_OK;
}

/*
 * The index of v among the choices (a NULL-terminated list), or -1.
 * Choices are compared exactly: "Live" is not "live".
 */
static long long
conf_choice(const char *const *choices, const char *v)
{
	long long	i;

	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(choices[i], v) == 0)
			return i;
	return -1;
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
	const struct gh_conf_def	*d = conf_def(c, k);
	const char			*errstr, *text = v;
	char				 show[CONF_SHOW_MAX], list[128];
	char				 why[160];
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
		for (i = 0; d->choices[i] != NULL; i++) {
			if (i > 0)
				gh_strlcat(list, ", ", sizeof(list));
			gh_strlcat(list, d->choices[i], sizeof(list));
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
		if (conf_section(c, v) == c->ntab)
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
	if ((k = conf_find(c, conf_section(c, section), key)) == SIZE_MAX)
		return conf_err(p, "unknown key %s in [%s]",
		    conf_show(key, show), section);
	if (p->set[k] != 0)
		return conf_err(p, "duplicate key %s (first set on line %zu)",
		    conf_def(c, k)->key, p->set[k]);
	n = strlen(v);
	if (n > 0 && v[0] == '"') {
		if (n < 2 || v[n - 1] != '"')
			return conf_err(p, "%s: unterminated quote",
			    conf_def(c, k)->key);
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
	if (strlen(buf) > (size_t)conf_def(c, k)->max)
		goto toolong;
	if ((s = strdup(buf)) == NULL)
		return GH_ENOMEM;
	free(c->str[k]);
	c->str[k] = s;
	return GH_OK;
toolong:
	p->line = p->set[k];
	return conf_err(p, "%s: resolves to a path longer than %lld bytes",
	    conf_def(c, k)->key, conf_def(c, k)->max);
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
 * resolution and each section's checks that involve more than one key.
 */
static enum gh_err
conf_finish(struct conf_parse *p, struct gh_conf *c)
{
	const struct gh_conf_def	*d;
	char				 dir[CONF_PATH_MAX], why[256];
	enum gh_err			 err;
	size_t				 k, t, bad;

	p->line = 0;
	for (k = 0; k < p->nslot; k++) {
		d = conf_def(c, k);
		if (p->set[k] != 0)
			continue;
		if ((d->flags & GH_CONF_REQUIRED) || d->def == NULL)
			return conf_err(p, "missing required key %s in [%s]",
			    d->key, c->tab[conf_tab(c, k)]->section);
		if ((err = conf_set(p, c, k, d->def)) != GH_OK)
			return err;
	}

	/* [gatehouse] is section 0: state_dir is slot GH_CONF_STATE_DIR. */
	if ((err = conf_dir(p, p->file, dir, sizeof(dir))) != GH_OK)
		return err;
	if ((err = conf_resolve(p, c, GH_CONF_STATE_DIR, dir)) != GH_OK)
		return err;
	p->line = 0;
	for (k = 0; k < p->nslot; k++) {
		if (k == GH_CONF_STATE_DIR ||
		    conf_def(c, k)->type != GH_CONF_PATH)
			continue;
		err = conf_resolve(p, c, k, c->str[GH_CONF_STATE_DIR]);
		if (err != GH_OK)
			return err;
	}
	p->line = 0;

	for (t = 0; t < c->ntab; t++) {
		if (c->tab[t]->check == NULL)
			continue;
		bad = c->tab[t]->ndefs;
		why[0] = '\0';
		if (c->tab[t]->check(c, &bad, why, sizeof(why)) == GH_OK)
			continue;
		p->line = bad < c->tab[t]->ndefs ? p->set[c->off[t] + bad] : 0;
		return conf_err(p, "%s", why);
	}
	return GH_OK;
}

/* The file the environment names: GATEHOUSE_CONFIG, else the default. */
static const char *
conf_env_path(void)
{
	const char	*path;

	path = getenv("GATEHOUSE_CONFIG");
	if (path == NULL || path[0] == '\0')
		path = GH_SYSCONFDIR "/gatehouse/gatehouse.conf";
	return path;
}

enum gh_err
gh_conf_load(struct gh_conf *c, const struct gh_conf_table *const *tables,
    const char *path, char *errbuf, size_t errsz)
{
	struct gh_conf		 tmp;
	struct conf_parse	 p;
	FILE			*fp = NULL;
	char			 buf[CONF_LINE_MAX + 1];
	char			 section[CONF_SECT_MAX];
	char			*line;
	enum gh_err		 err = GH_ECONFIG;
	int			 rc;

	if (path == NULL)
		path = conf_env_path();
	memset(&tmp, 0, sizeof(tmp));
	memset(&p, 0, sizeof(p));
	p.file = path;
	p.err = errbuf;
	p.errsz = errsz;
	if (errsz > 0)
		errbuf[0] = '\0';
	section[0] = '\0';

	if ((err = conf_alloc(&p, &tmp, tables)) != GH_OK)
		goto out;
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
	free(p.set);
	gh_conf_free(&tmp);
	return err;
}

enum gh_err
gh_conf_load_env(struct gh_conf *c, const struct gh_conf_table *const *tables,
    char *errbuf, size_t errsz)
{
	return gh_conf_load(c, tables, NULL, errbuf, errsz);
}

const char *
gh_conf_str(const struct gh_conf *c, const struct gh_conf_table *t, size_t key)
{
	size_t	k = conf_slot(c, t, key);

	return c->str[k] != NULL ? c->str[k] : "";
}

long long
gh_conf_int(const struct gh_conf *c, const struct gh_conf_table *t, size_t key)
{
	return c->num[conf_slot(c, t, key)];
}

/* The value was checked when it was loaded, so parsing cannot fail here. */
size_t
gh_conf_intlist(const struct gh_conf *c, const struct gh_conf_table *t,
    size_t key, long long *out, size_t max)
{
	const struct gh_conf_def	*d;
	const char			*why;
	size_t				 k, n;

	k = conf_slot(c, t, key);
	d = &t->defs[key];
	assert(d->type == GH_CONF_INTLIST);
	if (c->str[k] == NULL ||
	    conf_list(c->str[k], d->min, d->max, out, max, &n, &why) != GH_OK)
		return 0;
	return n < max ? n : max;
}

void
gh_conf_free(struct gh_conf *c)
{
	size_t	i, n;

	if (c == NULL)
		return;
	free(c->path);
	if (c->str != NULL) {
		n = c->off[c->ntab - 1] + c->tab[c->ntab - 1]->ndefs;
		for (i = 0; i < n; i++)
			free(c->str[i]);
	}
	free(c->str);
	free(c->num);
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

/* One section's Markdown table. */
static void
conf_doc_table(FILE *fp, const struct gh_conf_table *t, int first)
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
	size_t				 j, k;

	fprintf(fp, "%s### [%s]\n\n", first ? "" : "\n", t->section);
	fprintf(fp, "| key | type | default | values | description |\n");
	fprintf(fp, "|---|---|---|---|---|\n");
	for (j = 0; j < t->ndefs; j++) {
		d = &t->defs[j];
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
			for (k = 0; d->choices[k] != NULL; k++)
				fprintf(fp, "%s`%s`", k > 0 ? ", " : "",
				    d->choices[k]);
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

/*
 * One Markdown table per section, [gatehouse] first, then tables in their
 * order: key, type, default, allowed values and the key's description.
 */
void
gh_conf_doc(FILE *fp, const struct gh_conf_table *const *tables)
{
	size_t	i;

	conf_doc_table(fp, &gh_conf_gatehouse, 1);
	for (i = 0; tables != NULL && tables[i] != NULL; i++)
		conf_doc_table(fp, tables[i], 0);
}
