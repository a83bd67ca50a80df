/* SPDX-License-Identifier: ISC */
/*
 * auth: parse the Authorization and X-Auth-Token header values a request
 * presents (RFC 9110 section 11, RFC 6750, RFC 7617), without allocating;
 * look a token's hash up in a service's table; the one-second cache of
 * accepted tokens.  Which tokens are valid is the service's to say.
 */
#include "auth.h"

#include <string.h>

#include <openssl/crypto.h>

#include "ascii.h"
#include "token.h"

/*
 * The longest Basic credentials we decode: the base64 text and what it
 * decodes to.  Generous for a user name and password, small enough for
 * the stack.
 */
#define AUTH_BASIC_B64_MAX	1024
#define AUTH_BASIC_RAW_MAX	(AUTH_BASIC_B64_MAX / 4 * 3)

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* A token68 character other than the trailing "=" (RFC 9110 11.2). */
static int
is_tok68(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~' || c == '+' || c == '/';
}

/*
 * Check that the n bytes at s are one token68: 1*tchar68 *"=".
 * GH_EINVAL when they are not or are longer than GH_TOKEN_MAX.
 */
static enum gh_err
check_token68(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > GH_TOKEN_MAX)
		return GH_EINVAL;
	for (i = 0; i < n && is_tok68(s[i]); i++)
		continue;
	if (i == 0)
		return GH_EINVAL;
	while (i < n && s[i] == '=')
		i++;
	return i == n ? GH_OK : GH_EINVAL;
}

/*
 * Split an Authorization value "<scheme> 1*SP <credentials> [OWS]" when
 * its scheme is the one asked for (compared case-insensitively).  Leading
 * white space is skipped as the web server should already have done.
 * GH_ENOTFOUND for NULL, blank or another scheme; GH_EINVAL when the
 * scheme matches but what follows is not one or more spaces and a
 * non-empty run of characters without white space.  On GH_OK *cred and
 * *credlen borrow from header.
 */
static enum gh_err
split_scheme(const char *header, const char *scheme, const char **cred,
    size_t *credlen)
{
	const char	*p, *start;
	size_t		 slen, n;

	if (header == NULL)
		return GH_ENOTFOUND;
	p = header;
	while (is_ows(*p))
		p++;
	if (*p == '\0')
		return GH_ENOTFOUND;

	/* The scheme runs to the first white space or the end. */
	for (n = 0; p[n] != '\0' && !is_ows(p[n]); n++)
		continue;
	slen = strlen(scheme);
	if (n != slen || !gh_ascii_caseeq(p, scheme, slen))
		return GH_ENOTFOUND;
	p += n;

	/* RFC 9110: credentials = auth-scheme [ 1*SP token68 ]. */
	if (*p != ' ')
		return GH_EINVAL;
	while (*p == ' ')
		p++;
	start = p;
	while (*p != '\0' && !is_ows(*p))
		p++;
	n = (size_t)(p - start);
	while (is_ows(*p))
		p++;
	if (n == 0 || *p != '\0')
		return GH_EINVAL;
	*cred = start;
	*credlen = n;
	return GH_OK;
}

enum gh_err
gh_auth_bearer(const char *header, const char **tok, size_t *len)
{
	const char	*cred;
	size_t		 n;
	enum gh_err	 err;

	err = split_scheme(header, "Bearer", &cred, &n);
	if (err != GH_OK)
		return err;
	err = check_token68(cred, n);
	if (err != GH_OK)
		return err;
	*tok = cred;
	*len = n;
	return GH_OK;
}

/*
 * The whole value is the token, with surrounding white space trimmed.
 * GH_ENOTFOUND for NULL or blank, GH_EINVAL when it is not one token68
 * of at most GH_TOKEN_MAX characters.
 */
enum gh_err
gh_auth_xtoken(const char *header, const char **tok, size_t *len)
{
	const char	*start;
	size_t		 n;
	enum gh_err	 err;

	if (header == NULL)
		return GH_ENOTFOUND;
	start = header;
	while (is_ows(*start))
		start++;
	n = strlen(start);
	while (n > 0 && is_ows(start[n - 1]))
		n--;
	if (n == 0)
		return GH_ENOTFOUND;
	err = check_token68(start, n);
	if (err != GH_OK)
		return err;
	*tok = start;
	*len = n;
	return GH_OK;
}

/*
 * Decode Basic credentials into user and pass.  The user id ends at the
 * first colon (RFC 7617: it cannot contain one; the password can).
 * Control characters, NUL above all, are refused in either part so that
 * the C strings handed back say exactly what was sent.  Nothing is
 * written to user or pass unless the whole value is good, and the decoded
 * copy on the stack is wiped.
 */
enum gh_err
gh_auth_basic(const char *header, char *user, size_t usersz, char *pass,
    size_t passsz)
{
	unsigned char		 raw[AUTH_BASIC_RAW_MAX];
	const unsigned char	*colon;
	const char		*cred;
	size_t			 n, rawlen = 0, ulen, plen, i;
	enum gh_err		 err;

	err = split_scheme(header, "Basic", &cred, &n);
	if (err != GH_OK)
		return err;
	if (n > AUTH_BASIC_B64_MAX)
		return GH_EINVAL;
	err = gh_b64_decode(cred, n, raw, sizeof(raw), &rawlen);
	if (err != GH_OK) {
		err = GH_EINVAL;
		goto out;
	}

	err = GH_EINVAL;
	for (i = 0; i < rawlen; i++)
		if (raw[i] < 0x20 || raw[i] == 0x7f)
			goto out;
	colon = memchr(raw, ':', rawlen);
	if (colon == NULL)
		goto out;
	ulen = (size_t)(colon - raw);
	plen = rawlen - ulen - 1;
	if (ulen >= usersz || plen >= passsz)
		goto out;

	memcpy(user, raw, ulen);
	user[ulen] = '\0';
	memcpy(pass, colon + 1, plen);
	pass[plen] = '\0';
	err = GH_OK;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	return err;
}

/* The stored hash p (len bytes) is hash: whole, and in constant time. */
static int
auth_hash_is(const void *p, size_t len,
    const unsigned char hash[GH_SHA256_LEN])
{
	return p != NULL && len == GH_SHA256_LEN &&
	    gh_ct_eq(p, hash, GH_SHA256_LEN);
}

enum gh_err
gh_auth_find(struct gh_stmt *st, int col,
    const unsigned char hash[GH_SHA256_LEN])
{
	const void	*p;
	enum gh_err	 err;
	size_t		 len;

	gh_stmt_bind_blob(st, 1, hash, GH_SHA256_LEN);
	if ((err = gh_stmt_row(st)) != GH_OK)
		goto fail;
	p = gh_stmt_blob(st, col, &len);
	if (!auth_hash_is(p, len, hash)) {
		err = GH_ENOTFOUND;
		goto fail;
	}
	return GH_OK;
fail:
	gh_stmt_reset(st);
	return err;
}

int
gh_auth_cache_find(const struct gh_auth_cache *c,
    const unsigned char hash[GH_SHA256_LEN], long long now_us, size_t *i)
{
	size_t	k;

	for (k = 0; k < GH_AUTH_CACHE_SLOTS; k++)
		if (c->slot[k].until > now_us &&
		    gh_ct_eq(c->slot[k].hash, hash, GH_SHA256_LEN)) {
			*i = k;
			return 1;
		}
	return 0;
}

size_t
gh_auth_cache_add(struct gh_auth_cache *c,
    const unsigned char hash[GH_SHA256_LEN], long long now_us)
{
	size_t	k, victim = 0;

	for (k = 1; k < GH_AUTH_CACHE_SLOTS; k++)
		if (c->slot[k].until < c->slot[victim].until)
			victim = k;
	memcpy(c->slot[victim].hash, hash, GH_SHA256_LEN);
	c->slot[victim].until = now_us + GH_AUTH_CACHE_US;
	return victim;
}

void
gh_auth_cache_drop(struct gh_auth_cache *c, size_t i)
{
	if (i < GH_AUTH_CACHE_SLOTS)
		c->slot[i].until = 0;
}
