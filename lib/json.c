/* SPDX-License-Identifier: ISC */
/*
 * json: strict parsing of outside JSON and typed getters over json-c.
 *
 * json-c parses the grammar and enforces the depth limit, but even in its
 * strict mode it accepts what RFC 8259 does not: NaN and Infinity, "1.",
 * raw control characters inside strings, overlong and surrogate UTF-8;
 * it clamps integers it cannot hold, keeps only the last of duplicate
 * keys, and turns "\u0000" into a NUL that silently cuts a key short.  So
 * after json-c has parsed a value, lex_check() goes over the same bytes
 * once more and the member count catches duplicates.
 */
#include "json.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "ascii.h"


/* JSON's own white space (RFC 8259 section 2); not \f or \v. */
static int
is_jws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Characters that make up the bare words: literals and numbers. */
static int
is_word(unsigned char c)
{
	return gh_ascii_isdigit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-' || c == '+' || c == '.';
}

/*
 * The length of the well-formed UTF-8 sequence of a non-ASCII lead byte at
 * s (n bytes available), or 0: RFC 3629's table, so no overlong forms, no
 * surrogates and nothing above U+10FFFF.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 more, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		more = 1;
	else if (s[0] == 0xe0) {
		more = 2;
		lo = 0xa0;
	} else if ((s[0] >= 0xe1 && s[0] <= 0xec) || s[0] == 0xee ||
	    s[0] == 0xef)
		more = 2;
	else if (s[0] == 0xed) {
		more = 2;
		hi = 0x9f;
	} else if (s[0] == 0xf0) {
		more = 3;
		lo = 0x90;
	} else if (s[0] >= 0xf1 && s[0] <= 0xf3)
		more = 3;
	else if (s[0] == 0xf4) {
		more = 3;
		hi = 0x8f;
	} else
		return 0;
	if (n <= more || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i <= more; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return more + 1;
}

/*
 * Check one bare word: true, false, null or an RFC 8259 number; an
 * integer (no fraction or exponent) must fit in 64-bit signed, because
 * json-c would clamp it without a word.  NULL when good, else a reason.
 */
static const char *
word_check(const unsigned char *s, size_t n)
{
	const unsigned char	*p = s, *end = s + n, *digits;
	size_t			 ndigits;
	int			 neg = 0, isint = 1;

	if ((n == 4 && memcmp(s, "true", 4) == 0) ||
	    (n == 5 && memcmp(s, "false", 5) == 0) ||
	    (n == 4 && memcmp(s, "null", 4) == 0))
		return NULL;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	digits = p;
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		while (p < end && gh_ascii_isdigit(*p))
			p++;
	else
		return "invalid literal or number";
	ndigits = (size_t)(p - digits);
	if (p < end && *p == '.') {
		isint = 0;
		if (++p == end || !gh_ascii_isdigit(*p))
			return "invalid literal or number";
		while (p < end && gh_ascii_isdigit(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		isint = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || !gh_ascii_isdigit(*p))
			return "invalid literal or number";
		while (p < end && gh_ascii_isdigit(*p))
			p++;
	}
	if (p != end)
		return "invalid literal or number";
	if (isint && (ndigits > 19 || (ndigits == 19 && memcmp(digits,
	    neg ? "9223372036854775808" : "9223372036854775807", 19) > 0)))
		return "integer out of range";
	return NULL;
}

/*
 * Check the string whose opening quote is at s[*ip]: escapes well formed
 * and not \u0000, no raw control characters, strict UTF-8.  On success
 * *ip is just past the closing quote.  NULL when good, else a reason.
 */
static const char *
string_check(const unsigned char *s, size_t len, size_t *ip)
{
	const char	*bad = "invalid escape in a string";
	size_t		 i, j, n;
	unsigned char	 c;

	for (i = *ip + 1; i < len && s[i] != '"'; i += n) {
		c = s[i];
		n = 1;
		if (c == '\\') {
			if (i + 1 >= len)
				return "unterminated string";
			c = s[i + 1];
			n = 2;
			if (c == 'u') {
				if (len - i < 6)
					return bad;
				for (j = i + 2; j < i + 6; j++)
					if (!gh_ascii_isxdigit(s[j]))
						return bad;
				if (memcmp(s + i + 2, "0000", 4) == 0)
					return "\\u0000 in a string";
				n = 6;
			} else if (c == '\0' || strchr("\"\\/bfnrt", c) == NULL)
				return bad;
		} else if (c < 0x20) {
			return "control character in a string";
		} else if (c >= 0x80) {
			n = utf8_seq(s + i, len - i);
			if (n == 0)
				return "invalid UTF-8";
		}
	}
	if (i >= len)
		return "unterminated string";
	*ip = i + 1;
	return NULL;
}

/*
 * Go over JSON text json-c has accepted and apply the lexical rules it
 * does not (see the top of the file).  *nmembers gets the number of
 * object members in the text (the colons outside strings).  NULL when
 * good, else a static reason.
 */
static const char *
lex_check(const unsigned char *s, size_t len, size_t *nmembers)
{
	const char	*why;
	size_t		 i, j, members = 0;
	unsigned char	 c;

	i = 0;
	while (i < len) {
		c = s[i];
		if (is_jws(c) || c == '{' || c == '}' || c == '[' ||
		    c == ']' || c == ',') {
			i++;
		} else if (c == ':') {
			members++;
			i++;
		} else if (c == '"') {
			why = string_check(s, len, &i);
			if (why != NULL)
				return why;
		} else if (is_word(c)) {
			for (j = i; j < len && is_word(s[j]); j++)
				continue;
			why = word_check(s + i, j - i);
			if (why != NULL)
				return why;
			i = j;
		} else
			return "unexpected character";
	}
	*nmembers = members;
	return NULL;
}

/*
 * The number of object members in the tree under obj.  Depth is bounded by
 * the parser's limit, so recursion is safe.
 */
static size_t
count_members(struct json_object *obj)
{
	struct json_object_iterator	 it, end;
	size_t				 n = 0, i, alen;

	if (json_object_is_type(obj, json_type_object)) {
		n = (size_t)json_object_object_length(obj);
		it = json_object_iter_begin(obj);
		end = json_object_iter_end(obj);
		while (!json_object_iter_equal(&it, &end)) {
			n += count_members(json_object_iter_peek_value(&it));
			json_object_iter_next(&it);
		}
	} else if (json_object_is_type(obj, json_type_array)) {
		alen = json_object_array_length(obj);
		for (i = 0; i < alen; i++)
			n += count_members(json_object_array_get_idx(obj, i));
	}
	return n;
}

/* A short reason for a json-c error, worded like ours where we can. */
static const char *
tokener_why(enum json_tokener_error jerr)
{
	switch (jerr) {
	case json_tokener_error_depth:
		return "nesting too deep";
	case json_tokener_continue:
	case json_tokener_error_parse_eof:
		return "unexpected end of input";
	case json_tokener_error_parse_utf8_string:
		return "invalid UTF-8";
	default:
		return json_tokener_error_desc(jerr);
	}
}

/*
 * Parse strictly (see the top of the file).  JSON null parses to
 * *out == NULL, json-c's representation of it.
 */
enum gh_err
gh_json_parse(const char *s, size_t len, struct json_object **out,
    const char **why)
{
	struct json_tokener	*tok = NULL;
	struct json_object	*obj = NULL;
	enum json_tokener_error	 jerr;
	const char		*reason = NULL;
	size_t			 end, i, nmembers = 0;
	enum gh_err		 err = GH_EINVAL;

	if (len == 0 || s == NULL) {
		reason = "empty input";
		goto out;
	}
	if (len >= INT_MAX) {
		reason = "input too long";
		goto out;
	}
	if (memchr(s, '\0', len) != NULL) {
		reason = "NUL byte in input";
		goto out;
	}

	tok = json_tokener_new_ex(GH_JSON_MAX_DEPTH);
	if (tok == NULL) {
		err = GH_ENOMEM;
		reason = "out of memory";
		goto out;
	}
	/*
	 * Trailing bytes are let through here only to be reported clearly
	 * below.  JSON_TOKENER_VALIDATE_UTF8 is left off on purpose:
	 * lex_check() validates more strictly (it refuses overlong forms and
	 * surrogates, which json-c 0.16 accepts), and json-c's check calls a
	 * valid multi-byte character after the value "invalid UTF-8".
	 */
	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);

	obj = json_tokener_parse_ex(tok, s, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* All was read; a number at the end needs the NUL to finish. */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	if (jerr != json_tokener_success) {
		reason = tokener_why(jerr);
		goto out;
	}
	for (i = end; i < len; i++)
		if (!is_jws((unsigned char)s[i])) {
			reason = "trailing bytes after the JSON value";
			goto out;
		}
	reason = lex_check((const unsigned char *)s, len, &nmembers);
	if (reason != NULL)
		goto out;
	if (count_members(obj) != nmembers) {
		reason = "duplicate key in an object";
		goto out;
	}

	*out = obj;
	obj = NULL;
	err = GH_OK;
out:
	json_object_put(obj);
	if (tok != NULL)
		json_tokener_free(tok);
	if (err != GH_OK && why != NULL)
		*why = reason;
	return err;
}

enum gh_err
gh_json_parse_object(const char *s, size_t len, struct json_object **out,
    const char **why)
{
	struct json_object	*obj = NULL;
	enum gh_err		 err;

	err = gh_json_parse(s, len, &obj, why);
	if (err != GH_OK)
		return err;
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		if (why != NULL)
			*why = "JSON value is not an object";
		return GH_EINVAL;
	}
	*out = obj;
	return GH_OK;
}

/*
 * The value under key, or NULL with GH_ENOTFOUND when absent or null.
 * GH_EINVAL when obj is not an object at all.
 */
static enum gh_err
get_member(struct json_object *obj, const char *key, json_type type,
    struct json_object **vp)
{
	struct json_object	*v = NULL;

	if (!json_object_is_type(obj, json_type_object) || key == NULL)
		return GH_EINVAL;
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return GH_ENOTFOUND;
	if (!json_object_is_type(v, type))
		return GH_EINVAL;
	*vp = v;
	return GH_OK;
}

/* Strings holding a NUL are refused: callers use them as C strings. */
enum gh_err
gh_json_get_string(struct json_object *obj, const char *key,
    const char **out, size_t *lenp)
{
	struct json_object	*v;
	const char		*str;
	size_t			 len;
	enum gh_err		 err;

	err = get_member(obj, key, json_type_string, &v);
	if (err != GH_OK)
		return err;
	str = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (str == NULL || memchr(str, '\0', len) != NULL)
		return GH_EINVAL;
	*out = str;
	if (lenp != NULL)
		*lenp = len;
	return GH_OK;
}

/*
 * Only JSON integers count: 1.0, "1" and true are GH_EINVAL.  json-c keeps
 * values above INT64_MAX as unsigned and reads them back as INT64_MAX, so
 * that case is told apart before the range check.
 */
enum gh_err
gh_json_get_int(struct json_object *obj, const char *key, long long min,
    long long max, long long *out)
{
	struct json_object	*v;
	int64_t			 i;
	enum gh_err		 err;

	err = get_member(obj, key, json_type_int, &v);
	if (err != GH_OK)
		return err;
	i = json_object_get_int64(v);
	if (i == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX)
		return GH_EINVAL;
	if (i < min || i > max)
		return GH_EINVAL;
	*out = (long long)i;
	return GH_OK;
}

enum gh_err
gh_json_get_bool(struct json_object *obj, const char *key, int *out)
{
	struct json_object	*v;
	enum gh_err		 err;

	err = get_member(obj, key, json_type_boolean, &v);
	if (err != GH_OK)
		return err;
	*out = json_object_get_boolean(v) ? 1 : 0;
	return GH_OK;
}

enum gh_err
gh_json_get_array(struct json_object *obj, const char *key,
    struct json_object **out)
{
	return get_member(obj, key, json_type_array, out);
}

enum gh_err
gh_json_get_object(struct json_object *obj, const char *key,
    struct json_object **out)
{
	return get_member(obj, key, json_type_object, out);
}

enum gh_err
gh_json_only_keys(struct json_object *obj, const char *const *allowed,
    const char **badkey)
{
	struct json_object_iterator	 it, end;
	const char			*key;
	size_t				 i;

	if (!json_object_is_type(obj, json_type_object))
		return GH_EINVAL;
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		key = json_object_iter_peek_name(&it);
		for (i = 0; allowed != NULL && allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed == NULL || allowed[i] == NULL) {
			if (badkey != NULL)
				*badkey = key;
			return GH_EINVAL;
		}
	}
	return GH_OK;
}

/*
 * json_object_object_add() takes the reference only on success; this
 * takes it always, so that a caller can write
 * gh_json_add(o, "k", json_object_new_string(s)) and leak nothing.
 * A NULL value is JSON null; a failure to allocate it cannot be told
 * apart, so callers check their json_object_new_*() when that matters.
 */
enum gh_err
gh_json_add(struct json_object *obj, const char *key, struct json_object *value)
{
	if (!json_object_is_type(obj, json_type_object) || key == NULL) {
		json_object_put(value);
		return GH_EINVAL;
	}
	if (json_object_object_add(obj, key, value) != 0) {
		json_object_put(value);
		return GH_ENOMEM;
	}
	return GH_OK;
}

/*
 * The text is owned by obj and valid until obj changes or is put.
 * NULL only when json-c cannot allocate; *lenp is set when not NULL.
 */
const char *
gh_json_str(struct json_object *obj, size_t *lenp)
{
	const char	*s;
	size_t		 len = 0;

	s = json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s != NULL && lenp != NULL)
		*lenp = len;
	return s;
}
