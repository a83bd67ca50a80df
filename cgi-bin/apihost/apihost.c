/* SPDX-License-Identifier: ISC */
/*
 * apihost: the once-per-process setup that the FastCGI program and gatectl
 * share (configuration, the service key, the database), and the checks of
 * what an operator or an app names.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "apihost.h"
#include "sections.h"

enum gh_err
apihost_open(struct apihost *a, const char *config, unsigned dbflags,
    char *errbuf, size_t errsz)
{
	enum gh_err	err;

	memset(a, 0, sizeof(*a));
	gh_buf_init(&a->scratch, 64 * 1024);
	err = gh_conf_load(&a->conf, gatehouse_sections, config, errbuf, errsz);
	if (err != GH_OK)
		goto fail;
	if ((err = gh_key_load(&a->key, gh_conf_key_file(&a->conf))) != GH_OK) {
		snprintf(errbuf, errsz, "%s: cannot load the key file: %s",
		    gh_conf_key_file(&a->conf), gh_strerror(err));
		goto fail;
	}
	if ((err = apihost_store_open(a, dbflags)) != GH_OK) {
		snprintf(errbuf, errsz, "apihost's database (%s): %s%s",
		    strcmp(gh_conf_database(&a->conf), "sqlite") == 0 ?
		    gh_conf_state_dir(&a->conf) : "postgresql", gh_strerror(err),
		    err == GH_ECONFIG ? " (run gatectl init)" : "");
		goto fail;
	}
	return GH_OK;
fail:
	gh_key_wipe(&a->key);
	gh_conf_free(&a->conf);
	gh_buf_free(&a->scratch);
	return err;
}

void
apihost_close(struct apihost *a)
{
	apihost_store_close(a);
	gh_key_wipe(&a->key);
	gh_conf_free(&a->conf);
	gh_buf_free(&a->scratch);
}

/* Grain names: what an operator would type, and safe in any log. */
int
apihost_valid_name(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= APIHOST_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

/*
 * "http://host[:port][/base]" or https, without a trailing slash, query,
 * fragment, user info or anything that is not printable ASCII.
 */
int
apihost_valid_upstream(const char *s)
{
	size_t		 n = strlen(s), i;
	const char	*host;

	if (n == 0 || n > APIHOST_URL_MAX)
		return 0;
	if (strncasecmp(s, "http://", 7) == 0)
		host = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		host = s + 8;
	else
		return 0;
	if (*host == '\0' || *host == '/' || s[n - 1] == '/')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || strchr("?#@\\", s[i]))
			return 0;
	return 1;
}

/* An apiPath starts and ends with '/', and has no dot segment. */
int
apihost_valid_api_path(const char *s)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > APIHOST_APIPATH_MAX || s[0] != '/' || s[n - 1] != '/')
		return 0;
	if (strstr(s, "/./") != NULL || strstr(s, "/../") != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || strchr("?#%\\", s[i]))
			return 0;
	return 1;
}

/* One permission name: letters, digits, '.', '_', '-'; not empty. */
int
apihost_valid_perm(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= APIHOST_PERMS_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

/* Comma-separated names of letters, digits, '.', '_', '-'; may be empty. */
int
apihost_valid_perms(const char *s)
{
	size_t	n = strlen(s), i;

	if (n > APIHOST_PERMS_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == ',') {
			if (i == 0 || i == n - 1 || s[i + 1] == ',')
				return 0;
		} else if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-", s[i]) == NULL)
			return 0;
	}
	return 1;
}

/* At most max bytes without control characters (UTF-8 passes). */
int
apihost_valid_text(const char *s, size_t max)
{
	size_t	n = strlen(s), i;

	if (n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * Whether s (a request's path or query) holds only bytes a request line
 * carries as they are: no white space, control character, DEL or '#'.
 * HTTP/2 lets a client put a space in :path, which lighttpd passes on,
 * and libcurl refuses such a URL: the gateway answered 502.
 */
int
apihost_target_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '#')
			return 0;
	return 1;
}

/*
 * The length of a segment separator at s, 0 if none: '/', and what an app
 * might take for one once it decodes or normalises the path: "%2F" and
 * '\\' or "%5C".
 */
static size_t
path_sep(const char *s)
{
	if (*s == '/' || *s == '\\')
		return 1;
	if (s[0] == '%' && ((s[1] == '2' && (s[2] == 'f' || s[2] == 'F')) ||
	    (s[1] == '5' && (s[2] == 'c' || s[2] == 'C'))))
		return 3;
	return 0;
}

/*
 * A path the app may be asked for: no dot segment, even percent-encoded
 * ("/%2e%2e/" would climb out of the apiPath once the app decodes it), and
 * none between encoded separators ("/a/..%2Fb" climbs out of an app that
 * decodes before it resolves).
 */
int
apihost_path_safe(const char *p)
{
	size_t	dots, sep;
	int	other;

	if (p[0] != '/')
		return 0;
	p++;
	for (;;) {
		/* One segment: count its dots, note anything else. */
		dots = 0;
		other = 0;
		while (*p != '\0' && (sep = path_sep(p)) == 0) {
			if (*p == '.') {
				dots++;
				p++;
			} else if (p[0] == '%' && p[1] == '2' &&
			    (p[2] == 'e' || p[2] == 'E')) {
				dots++;
				p += 3;
			} else {
				other = 1;
				p++;
			}
		}
		if (!other && (dots == 1 || dots == 2))
			return 0;
		if (*p == '\0')
			return 1;
		p += sep;
	}
}
