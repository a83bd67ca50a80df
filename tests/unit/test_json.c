/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of lib/json.c: what strict parsing accepts and refuses (with
 * its reasons), the typed getters, the key allow-list, adding and
 * serialising.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "json.h"
#include "util.h"
#include "tmain.h"

/* A string literal and its length, NULs included. */
#define S(s)	(s), (sizeof(s) - 1)

/* A pointer no parser returns, to see that out-parameters stay put. */
static char	 sentinel_byte;
#define SENTINEL	((struct json_object *)(void *)&sentinel_byte)

/* Inputs that parse; "out" is the compact form they serialise to. */
static void
test_parse_ok(void)
{
	static const struct {
		int		 line;
		const char	*in;
		size_t		 len;
		const char	*out;
	} t[] = {
		{ __LINE__, S("{}"), "{}" },
		{ __LINE__, S("[]"), "[]" },
		{ __LINE__, S(" {\"a\" : 1 } "), "{\"a\":1}" },
		{ __LINE__, S("\r\n\t{}\r\n\t"), "{}" },
		{ __LINE__, S("123"), "123" },
		{ __LINE__, S("-0"), "0" },
		{ __LINE__, S("0"), "0" },
		{ __LINE__, S("1.5e3"), "1.5e3" },
		{ __LINE__, S("-1.25E-2"), "-1.25E-2" },
		{ __LINE__, S("1e+2"), "1e+2" },
		{ __LINE__, S("true"), "true" },
		{ __LINE__, S("false"), "false" },
		{ __LINE__, S("\"x\""), "\"x\"" },
		{ __LINE__, S("\"\""), "\"\"" },
		{ __LINE__, S("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\""),
		    "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\"" },
		{ __LINE__, S("\"\\u00e9\""), "\"\xc3\xa9\"" },
		{ __LINE__, S("\"\xc3\xa9\""), "\"\xc3\xa9\"" },
		{ __LINE__, S("\"\xe2\x82\xac\""), "\"\xe2\x82\xac\"" },
		{ __LINE__, S("\"\xf0\x9f\x98\x80\""), "\"\xf0\x9f\x98\x80\"" },
		{ __LINE__, S("\"\\ud83d\\ude00\""), "\"\xf0\x9f\x98\x80\"" },
		{ __LINE__, S("\"\xef\xbf\xbf\""), "\"\xef\xbf\xbf\"" },
		{ __LINE__, S("\"\xf4\x8f\xbf\xbf\""), "\"\xf4\x8f\xbf\xbf\"" },
		{ __LINE__, S("9223372036854775807"), "9223372036854775807" },
		{ __LINE__, S("-9223372036854775808"), "-9223372036854775808" },
		{ __LINE__, S("1e400"), "1e400" },	/* not an integer */
		{ __LINE__, S("[1,\"a\",true,null,{\"b\":[]}]"),
		    "[1,\"a\",true,null,{\"b\":[]}]" },
		/* Colons and quotes inside strings are not members. */
		{ __LINE__, S("{\"a:b\":\"c:d\\\":e\"}"),
		    "{\"a:b\":\"c:d\\\":e\"}" },
		/* The same key in different objects is no duplicate. */
		{ __LINE__, S("{\"a\":{\"a\":1},\"b\":[{\"a\":2},{\"a\":3}]}"),
		    "{\"a\":{\"a\":1},\"b\":[{\"a\":2},{\"a\":3}]}" },
		/* Only len bytes are read. */
		{ __LINE__, "{\"a\":1}XYZ", 7, "{\"a\":1}" },
		{ __LINE__, "1234", 3, "123" },
		{ __LINE__, "truex", 4, "true" },
	};
	struct json_object	*obj;
	const char		*why, *s;
	size_t			 i;
	enum gh_err		 err;

	for (i = 0; i < GH_NELEM(t); i++) {
		obj = SENTINEL;
		why = "sentinel";
		err = gh_json_parse(t[i].in, t[i].len, &obj, &why);
		TROW(t[i].line, err == GH_OK);
		TROW(t[i].line, strcmp(why, "sentinel") == 0);
		if (err != GH_OK) {
			printf("line %d: %s\n", t[i].line, why);
			continue;
		}
		TROW(t[i].line, obj != SENTINEL && obj != NULL);
		s = gh_json_str(obj, NULL);
		TROW(t[i].line, s != NULL && strcmp(s, t[i].out) == 0);
		json_object_put(obj);
	}
}

/* JSON null is a value: it parses to NULL, json-c's null. */
static void
test_parse_null(void)
{
	struct json_object	*obj = SENTINEL;

	CU_ASSERT_EQUAL(gh_json_parse(S(" null "), &obj, NULL), GH_OK);
	CU_ASSERT_PTR_NULL(obj);
	obj = SENTINEL;
	CU_ASSERT_EQUAL(gh_json_parse_object(S("null"), &obj, NULL),
	    GH_EINVAL);
	CU_ASSERT_PTR_EQUAL(obj, SENTINEL);
}

/*
 * Inputs that are refused.  A reason of NULL means json-c's own wording,
 * only checked to be there.
 */
static void
test_parse_bad(void)
{
	static const struct {
		int		 line;
		const char	*in;
		size_t		 len;
		const char	*why;
	} t[] = {
		{ __LINE__, S(""), "empty input" },
		{ __LINE__, S("   "), "unexpected end of input" },
		{ __LINE__, S("\n"), "unexpected end of input" },
		{ __LINE__, S("["), "unexpected end of input" },
		{ __LINE__, S("{\"a\":1"), "unexpected end of input" },
		{ __LINE__, S("\"abc"), "unexpected end of input" },
		{ __LINE__, S("tru"), "unexpected end of input" },
		/* Trailing bytes. */
		{ __LINE__, S("{} x"), "trailing bytes after the JSON value" },
		{ __LINE__, S("{}x"), "trailing bytes after the JSON value" },
		{ __LINE__, S("{}{}"), "trailing bytes after the JSON value" },
		{ __LINE__, S("[1] [2]"),
		    "trailing bytes after the JSON value" },
		{ __LINE__, S("1 2"), "trailing bytes after the JSON value" },
		{ __LINE__, S("123x"), "trailing bytes after the JSON value" },
		{ __LINE__, S("{}\f"), "trailing bytes after the JSON value" },
		{ __LINE__, S("{}\v"), "trailing bytes after the JSON value" },
		{ __LINE__, S("{}\xc2\xa0"),
		    "trailing bytes after the JSON value" },
		{ __LINE__, S("{}//"), "trailing bytes after the JSON value" },
		/* NULs anywhere. */
		{ __LINE__, S("[1]\0"), "NUL byte in input" },
		{ __LINE__, S("\0[1]"), "NUL byte in input" },
		{ __LINE__, S("\"a\0b\""), "NUL byte in input" },
		{ __LINE__, S("\"\\u0000\""), "\\u0000 in a string" },
		{ __LINE__, S("{\"a\\u0000b\":1}"), "\\u0000 in a string" },
		/* What json-c's strict mode lets through. */
		{ __LINE__, S("NaN"), "invalid literal or number" },
		{ __LINE__, S("[Infinity]"), "invalid literal or number" },
		{ __LINE__, S("-Infinity"), "invalid literal or number" },
		{ __LINE__, S("1."), "invalid literal or number" },
		{ __LINE__, S("[1.]"), "invalid literal or number" },
		{ __LINE__, S("\"a\tb\""), "control character in a string" },
		{ __LINE__, S("\"a\nb\""), "control character in a string" },
		{ __LINE__, S("{\"k\":\"\x1f\"}"),
		    "control character in a string" },
		/* Overlong, surrogate, past U+10FFFF, cut short, stray. */
		{ __LINE__, S("\"\xc0\x80\""), "invalid UTF-8" },
		{ __LINE__, S("\"\xe0\x80\xaf\""), "invalid UTF-8" },
		{ __LINE__, S("\"\xed\xa0\x80\""), "invalid UTF-8" },
		{ __LINE__, S("\"\xf4\x90\x80\x80\""), "invalid UTF-8" },
		{ __LINE__, S("\"\xc3\""), "invalid UTF-8" },
		{ __LINE__, S("\"\xff\""), "invalid UTF-8" },
		{ __LINE__, S("\"\x80\""), "invalid UTF-8" },
		{ __LINE__, S("9223372036854775808"), "integer out of range" },
		{ __LINE__, S("-9223372036854775809"), "integer out of range" },
		{ __LINE__, S("[18446744073709551615]"),
		    "integer out of range" },
		{ __LINE__, S("99999999999999999999999"),
		    "integer out of range" },
		/* Duplicate keys, at the top and deep down. */
		{ __LINE__, S("{\"a\":1,\"a\":2}"),
		    "duplicate key in an object" },
		{ __LINE__, S("{\"a\":1,\"a\":\"x\"}"),
		    "duplicate key in an object" },
		{ __LINE__, S("[{\"a\":1},{\"b\":{\"c\":1,\"c\":[]}}]"),
		    "duplicate key in an object" },
		{ __LINE__, S("{\"a\":1,\"\\u0061\":2}"),
		    "duplicate key in an object" },
		/* Plain malformed JSON, in json-c's words. */
		{ __LINE__, S("[1,2,]"), NULL },
		{ __LINE__, S("{\"a\":1,}"), NULL },
		{ __LINE__, S("{'a':1}"), NULL },
		{ __LINE__, S("{a:1}"), NULL },
		{ __LINE__, S("01"), NULL },
		{ __LINE__, S(".5"), NULL },
		{ __LINE__, S("+1"), NULL },
		{ __LINE__, S("1e"), NULL },
		{ __LINE__, S("TRUE"), NULL },
		{ __LINE__, S("/* c */ 1"), NULL },
		{ __LINE__, S("\"\\x\""), NULL },
		{ __LINE__, S("\"\\u12\""), NULL },
		{ __LINE__, S("[\"a\" \"b\"]"), NULL },
		{ __LINE__, S("\f{}"), NULL },
	};
	struct json_object	*obj;
	const char		*why;
	size_t			 i;
	enum gh_err		 err;

	for (i = 0; i < GH_NELEM(t); i++) {
		obj = SENTINEL;
		why = NULL;
		err = gh_json_parse(t[i].in, t[i].len, &obj, &why);
		TROW(t[i].line, err == GH_EINVAL);
		TROW(t[i].line, obj == SENTINEL);
		TROW(t[i].line, why != NULL);
		if (t[i].why != NULL && why != NULL &&
		    !TROW(t[i].line, strcmp(why, t[i].why) == 0))
			printf("line %d: got \"%s\"\n", t[i].line, why);
		if (err == GH_OK && obj != SENTINEL)
			json_object_put(obj);
	}
}

/* A NULL why is allowed; NULL input with length 0 is empty input. */
static void
test_parse_args(void)
{
	struct json_object	*obj = SENTINEL;
	const char		*why = "none";

	CU_ASSERT_EQUAL(gh_json_parse(S("[1"), &obj, NULL), GH_EINVAL);
	CU_ASSERT_EQUAL(gh_json_parse(NULL, 0, &obj, &why), GH_EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "empty input");
	CU_ASSERT_PTR_EQUAL(obj, SENTINEL);
}

/* Nest n arrays deep: "[[...]]". */
static void
nest(char *buf, size_t n)
{
	memset(buf, '[', n);
	memset(buf + n, ']', n);
}

/* GH_JSON_MAX_DEPTH levels are fine, one more is not. */
static void
test_parse_depth(void)
{
	char			 buf[2 * (GH_JSON_MAX_DEPTH + 1)];
	char			 obuf[6 * (GH_JSON_MAX_DEPTH + 1)];
	struct json_object	*obj = NULL;
	const char		*why = "none";
	size_t			 i, n;

	nest(buf, GH_JSON_MAX_DEPTH);
	CU_ASSERT_EQUAL(gh_json_parse(buf, 2 * GH_JSON_MAX_DEPTH, &obj,
	    &why), GH_OK);
	json_object_put(obj);

	obj = SENTINEL;
	nest(buf, GH_JSON_MAX_DEPTH + 1);
	CU_ASSERT_EQUAL(gh_json_parse(buf, 2 * (GH_JSON_MAX_DEPTH + 1),
	    &obj, &why), GH_EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "nesting too deep");
	CU_ASSERT_PTR_EQUAL(obj, SENTINEL);

	/* Objects count the same: {"":{"":...{}...}} */
	for (n = 0, i = 0; i < GH_JSON_MAX_DEPTH; i++, n += 4)
		memcpy(obuf + n, "{\"\":", 4);
	obuf[n++] = '{';
	memset(obuf + n, '}', GH_JSON_MAX_DEPTH + 1);
	n += GH_JSON_MAX_DEPTH + 1;
	CU_ASSERT_EQUAL(gh_json_parse(obuf, n, &obj, &why), GH_EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "nesting too deep");
	/* ... and one level less passes. */
	CU_ASSERT_EQUAL(gh_json_parse(obuf + 4, n - 5, &obj, &why), GH_OK);
	json_object_put(obj);
}

static void
test_parse_object(void)
{
	static const struct {
		int		 line;
		const char	*in;
		size_t		 len;
		enum gh_err	 err;
		const char	*why;
	} t[] = {
		{ __LINE__, S("{}"), GH_OK, NULL },
		{ __LINE__, S("{\"a\":[1]}"), GH_OK, NULL },
		{ __LINE__, S("[]"), GH_EINVAL, "JSON value is not an object" },
		{ __LINE__, S("1"), GH_EINVAL, "JSON value is not an object" },
		{ __LINE__, S("\"{}\""), GH_EINVAL,
		    "JSON value is not an object" },
		{ __LINE__, S("{} {}"), GH_EINVAL,
		    "trailing bytes after the JSON value" },
		{ __LINE__, S("{"), GH_EINVAL, "unexpected end of input" },
	};
	struct json_object	*obj;
	const char		*why;
	size_t			 i;
	enum gh_err		 err;

	for (i = 0; i < GH_NELEM(t); i++) {
		obj = SENTINEL;
		why = "sentinel";
		err = gh_json_parse_object(t[i].in, t[i].len, &obj, &why);
		TROW(t[i].line, err == t[i].err);
		if (t[i].err == GH_OK) {
			TROW(t[i].line, json_object_is_type(obj,
			    json_type_object));
			TROW(t[i].line, strcmp(why, "sentinel") == 0);
			json_object_put(obj);
		} else {
			TROW(t[i].line, obj == SENTINEL);
			TROW(t[i].line, strcmp(why, t[i].why) == 0);
		}
	}
}

static const char doc[] =
    "{\"s\":\"str\",\"e\":\"\",\"u\":\"caf\\u00e9\",\"n\":42,\"neg\":-5,"
    "\"max\":9223372036854775807,\"min\":-9223372036854775808,"
    "\"d\":1.0,\"b\":true,\"f\":false,\"z\":null,\"a\":[1,2],"
    "\"o\":{\"k\":\"v\"},\"ns\":\"5\",\"ea\":[],\"eo\":{}}";

/* Each getter against each type in doc. */
static void
test_getters(void)
{
	enum kind { STR, INT, BOOL, ARR, OBJ };
	static const struct {
		int		 line;
		enum kind	 kind;
		const char	*key;
		long long	 min, max;
		enum gh_err	 err;
		long long	 ival;		/* INT, BOOL */
		const char	*sval;		/* STR */
	} t[] = {
		{ __LINE__, STR, "s", 0, 0, GH_OK, 0, "str" },
		{ __LINE__, STR, "e", 0, 0, GH_OK, 0, "" },
		{ __LINE__, STR, "u", 0, 0, GH_OK, 0, "caf\xc3\xa9" },
		{ __LINE__, STR, "ns", 0, 0, GH_OK, 0, "5" },
		{ __LINE__, STR, "n", 0, 0, GH_EINVAL, 0, NULL },
		{ __LINE__, STR, "b", 0, 0, GH_EINVAL, 0, NULL },
		{ __LINE__, STR, "a", 0, 0, GH_EINVAL, 0, NULL },
		{ __LINE__, STR, "o", 0, 0, GH_EINVAL, 0, NULL },
		{ __LINE__, STR, "z", 0, 0, GH_ENOTFOUND, 0, NULL },
		{ __LINE__, STR, "missing", 0, 0, GH_ENOTFOUND, 0, NULL },
		{ __LINE__, STR, "S", 0, 0, GH_ENOTFOUND, 0, NULL },
		{ __LINE__, INT, "n", 0, 100, GH_OK, 42, NULL },
		{ __LINE__, INT, "n", 42, 42, GH_OK, 42, NULL },
		{ __LINE__, INT, "n", 43, 100, GH_EINVAL, 0, NULL },
		{ __LINE__, INT, "n", 0, 41, GH_EINVAL, 0, NULL },
		{ __LINE__, INT, "neg", -5, 0, GH_OK, -5, NULL },
		{ __LINE__, INT, "neg", 0, 10, GH_EINVAL, 0, NULL },
		{ __LINE__, INT, "max", LLONG_MIN, LLONG_MAX, GH_OK,
		    LLONG_MAX, NULL },
		{ __LINE__, INT, "max", 0, LLONG_MAX - 1, GH_EINVAL, 0, NULL },
		{ __LINE__, INT, "min", LLONG_MIN, LLONG_MAX, GH_OK,
		    LLONG_MIN, NULL },
		/* 1.0, "5", true and [] are not integers. */
		{ __LINE__, INT, "d", 0, 10, GH_EINVAL, 0, NULL },
		{ __LINE__, INT, "ns", 0, 10, GH_EINVAL, 0, NULL },
		{ __LINE__, INT, "b", 0, 10, GH_EINVAL, 0, NULL },
		{ __LINE__, INT, "a", 0, 10, GH_EINVAL, 0, NULL },
		{ __LINE__, INT, "z", LLONG_MIN, LLONG_MAX, GH_ENOTFOUND, 0,
		    NULL },
		{ __LINE__, INT, "missing", 0, 1, GH_ENOTFOUND, 0, NULL },
		{ __LINE__, BOOL, "b", 0, 0, GH_OK, 1, NULL },
		{ __LINE__, BOOL, "f", 0, 0, GH_OK, 0, NULL },
		{ __LINE__, BOOL, "n", 0, 0, GH_EINVAL, 0, NULL },
		{ __LINE__, BOOL, "s", 0, 0, GH_EINVAL, 0, NULL },
		{ __LINE__, BOOL, "z", 0, 0, GH_ENOTFOUND, 0, NULL },
		{ __LINE__, ARR, "a", 0, 0, GH_OK, 2, NULL },
		{ __LINE__, ARR, "ea", 0, 0, GH_OK, 0, NULL },
		{ __LINE__, ARR, "o", 0, 0, GH_EINVAL, 0, NULL },
		{ __LINE__, ARR, "s", 0, 0, GH_EINVAL, 0, NULL },
		{ __LINE__, ARR, "z", 0, 0, GH_ENOTFOUND, 0, NULL },
		{ __LINE__, OBJ, "o", 0, 0, GH_OK, 1, NULL },
		{ __LINE__, OBJ, "eo", 0, 0, GH_OK, 0, NULL },
		{ __LINE__, OBJ, "a", 0, 0, GH_EINVAL, 0, NULL },
		{ __LINE__, OBJ, "z", 0, 0, GH_ENOTFOUND, 0, NULL },
		{ __LINE__, OBJ, "missing", 0, 0, GH_ENOTFOUND, 0, NULL },
	};
	struct json_object	*obj = NULL, *v;
	const char		*s;
	long long		 ll;
	size_t			 i, len;
	enum gh_err		 err = GH_EINTERNAL;
	int			 b;

	CU_ASSERT_EQUAL_FATAL(gh_json_parse_object(S(doc), &obj, NULL),
	    GH_OK);
	for (i = 0; i < GH_NELEM(t); i++) {
		s = "sentinel";
		len = 999;
		ll = 999;
		b = 999;
		v = SENTINEL;
		switch (t[i].kind) {
		case STR:
			err = gh_json_get_string(obj, t[i].key, &s, &len);
			break;
		case INT:
			err = gh_json_get_int(obj, t[i].key, t[i].min,
			    t[i].max, &ll);
			break;
		case BOOL:
			err = gh_json_get_bool(obj, t[i].key, &b);
			break;
		case ARR:
			err = gh_json_get_array(obj, t[i].key, &v);
			break;
		case OBJ:
			err = gh_json_get_object(obj, t[i].key, &v);
			break;
		}
		TROW(t[i].line, err == t[i].err);
		if (err != GH_OK) {
			/* Out-parameters are set on success only. */
			TROW(t[i].line, strcmp(s, "sentinel") == 0 &&
			    len == 999 && ll == 999 && b == 999 &&
			    v == SENTINEL);
			continue;
		}
		switch (t[i].kind) {
		case STR:
			TROW(t[i].line, strcmp(s, t[i].sval) == 0);
			TROW(t[i].line, len == strlen(t[i].sval));
			break;
		case INT:
			TROW(t[i].line, ll == t[i].ival);
			break;
		case BOOL:
			TROW(t[i].line, b == t[i].ival);
			break;
		case ARR:
			TROW(t[i].line, (long long)json_object_array_length(v)
			    == t[i].ival);
			break;
		case OBJ:
			TROW(t[i].line, json_object_object_length(v)
			    == t[i].ival);
			break;
		}
	}
	json_object_put(obj);
}

/* lenp may be NULL; getters on what is not an object are GH_EINVAL. */
static void
test_getters_args(void)
{
	struct json_object	*obj = NULL, *arr = NULL;
	const char		*s = NULL;
	long long		 ll = 0;
	int			 b = 0;

	CU_ASSERT_EQUAL_FATAL(gh_json_parse(S("{\"s\":\"x\"}"), &obj, NULL),
	    GH_OK);
	CU_ASSERT_EQUAL(gh_json_get_string(obj, "s", &s, NULL), GH_OK);
	CU_ASSERT_STRING_EQUAL(s, "x");
	CU_ASSERT_EQUAL_FATAL(gh_json_parse(S("[1]"), &arr, NULL), GH_OK);
	CU_ASSERT_EQUAL(gh_json_get_string(arr, "s", &s, NULL), GH_EINVAL);
	CU_ASSERT_EQUAL(gh_json_get_int(arr, "s", 0, 1, &ll), GH_EINVAL);
	CU_ASSERT_EQUAL(gh_json_get_bool(NULL, "s", &b), GH_EINVAL);
	json_object_put(obj);
	json_object_put(arr);
}

/*
 * Objects built in code can hold what parsing refuses: a string with a
 * NUL, an integer above INT64_MAX (json-c would read it back clamped).
 */
static void
test_getters_built(void)
{
	struct json_object	*obj;
	const char		*s = NULL;
	long long		 ll = 0;

	obj = json_object_new_object();
	CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
	CU_ASSERT_EQUAL(gh_json_add(obj, "nul",
	    json_object_new_string_len("a\0b", 3)), GH_OK);
	CU_ASSERT_EQUAL(gh_json_add(obj, "u64",
	    json_object_new_uint64(UINT64_MAX)), GH_OK);
	CU_ASSERT_EQUAL(gh_json_add(obj, "i64max",
	    json_object_new_uint64((uint64_t)INT64_MAX)), GH_OK);
	CU_ASSERT_EQUAL(gh_json_get_string(obj, "nul", &s, NULL), GH_EINVAL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(gh_json_get_int(obj, "u64", LLONG_MIN, LLONG_MAX,
	    &ll), GH_EINVAL);
	CU_ASSERT_EQUAL(ll, 0);
	CU_ASSERT_EQUAL(gh_json_get_int(obj, "i64max", LLONG_MIN, LLONG_MAX,
	    &ll), GH_OK);
	CU_ASSERT_EQUAL(ll, LLONG_MAX);
	json_object_put(obj);
}

static void
test_only_keys(void)
{
	static const char *const abc[] = { "a", "b", "c", NULL };
	static const char *const ac[] = { "a", "c", NULL };
	static const char *const none[] = { NULL };
	struct json_object	*obj = NULL, *empty = NULL, *arr = NULL;
	const char		*bad;

	CU_ASSERT_EQUAL_FATAL(gh_json_parse(S("{\"a\":1,\"b\":2}"), &obj,
	    NULL), GH_OK);
	CU_ASSERT_EQUAL_FATAL(gh_json_parse(S("{}"), &empty, NULL), GH_OK);
	CU_ASSERT_EQUAL_FATAL(gh_json_parse(S("[]"), &arr, NULL), GH_OK);

	bad = "sentinel";
	CU_ASSERT_EQUAL(gh_json_only_keys(obj, abc, &bad), GH_OK);
	CU_ASSERT_STRING_EQUAL(bad, "sentinel");
	CU_ASSERT_EQUAL(gh_json_only_keys(obj, ac, &bad), GH_EINVAL);
	CU_ASSERT_STRING_EQUAL(bad, "b");
	CU_ASSERT_EQUAL(gh_json_only_keys(obj, none, NULL), GH_EINVAL);
	CU_ASSERT_EQUAL(gh_json_only_keys(empty, none, &bad), GH_OK);
	CU_ASSERT_EQUAL(gh_json_only_keys(empty, abc, &bad), GH_OK);
	bad = "sentinel";
	CU_ASSERT_EQUAL(gh_json_only_keys(arr, abc, &bad), GH_EINVAL);
	CU_ASSERT_STRING_EQUAL(bad, "sentinel");
	/* Keys are compared exactly. */
	json_object_put(obj);
	CU_ASSERT_EQUAL_FATAL(gh_json_parse(S("{\"A\":1}"), &obj, NULL),
	    GH_OK);
	CU_ASSERT_EQUAL(gh_json_only_keys(obj, abc, &bad), GH_EINVAL);
	CU_ASSERT_STRING_EQUAL(bad, "A");
	json_object_put(obj);
	json_object_put(empty);
	json_object_put(arr);
}

/*
 * gh_json_add takes the reference whatever happens.  json_object_put()
 * returns 1 when it frees, which shows who held the last reference.
 */
static void
test_add(void)
{
	struct json_object	*obj, *arr, *v;
	const char		*s;

	obj = json_object_new_object();
	arr = json_object_new_array();
	CU_ASSERT_FATAL(obj != NULL && arr != NULL);

	v = json_object_new_string("x");
	json_object_get(v);		/* a reference of our own */
	CU_ASSERT_EQUAL(gh_json_add(arr, "k", v), GH_EINVAL);
	CU_ASSERT_EQUAL(json_object_put(v), 1);	/* add put its one */

	v = json_object_new_string("y");
	json_object_get(v);
	CU_ASSERT_EQUAL(gh_json_add(obj, NULL, v), GH_EINVAL);
	CU_ASSERT_EQUAL(json_object_put(v), 1);

	v = json_object_new_string("z");
	json_object_get(v);
	CU_ASSERT_EQUAL(gh_json_add(obj, "k", v), GH_OK);
	CU_ASSERT_EQUAL(json_object_put(v), 0);	/* obj holds one */

	CU_ASSERT_EQUAL(gh_json_add(obj, "n", NULL), GH_OK);	/* null */
	CU_ASSERT_EQUAL(gh_json_add(obj, "k", json_object_new_int(7)), GH_OK);
	s = gh_json_str(obj, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "{\"k\":7,\"n\":null}");
	CU_ASSERT_EQUAL(gh_json_add(NULL, "k", json_object_new_int(1)),
	    GH_EINVAL);
	json_object_put(obj);
	json_object_put(arr);
}

/* Compact, slashes unescaped, non-ASCII as UTF-8, controls escaped. */
static void
test_str(void)
{
	struct json_object	*obj;
	const char		*s;
	const char		*want = "{\"url\":\"https://a.example/b\","
	    "\"t\":\"tab\\tnl\\n\\u0001\",\"u\":\"caf\xc3\xa9\","
	    "\"q\":\"\\\"\\\\\",\"a\":[1,true,null],\"o\":{}}";
	size_t			 len = 0;

	obj = json_object_new_object();
	CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
	gh_json_add(obj, "url", json_object_new_string("https://a.example/b"));
	gh_json_add(obj, "t", json_object_new_string("tab\tnl\n\x01"));
	gh_json_add(obj, "u", json_object_new_string("caf\xc3\xa9"));
	gh_json_add(obj, "q", json_object_new_string("\"\\"));
	gh_json_add(obj, "a", json_object_new_array());
	json_object_array_add(json_object_object_get(obj, "a"),
	    json_object_new_int(1));
	json_object_array_add(json_object_object_get(obj, "a"),
	    json_object_new_boolean(1));
	json_object_array_add(json_object_object_get(obj, "a"), NULL);
	gh_json_add(obj, "o", json_object_new_object());
	s = gh_json_str(obj, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, want);
	CU_ASSERT_EQUAL(len, strlen(want));
	json_object_put(obj);
}

/* What we write we can read back, unchanged. */
static void
test_roundtrip(void)
{
	struct json_object	*obj = NULL, *back = NULL;
	const char		*s, *s2;
	size_t			 len = 0;

	CU_ASSERT_EQUAL_FATAL(gh_json_parse_object(S(doc), &obj, NULL),
	    GH_OK);
	s = gh_json_str(obj, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL_FATAL(gh_json_parse_object(s, len, &back, NULL),
	    GH_OK);
	s2 = gh_json_str(back, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s2);
	CU_ASSERT_STRING_EQUAL(s, s2);
	json_object_put(obj);
	json_object_put(back);
}

static const struct tcase tests[] = {
	TCASE(test_parse_ok),
	TCASE(test_parse_null),
	TCASE(test_parse_bad),
	TCASE(test_parse_args),
	TCASE(test_parse_depth),
	TCASE(test_parse_object),
	TCASE(test_getters),
	TCASE(test_getters_args),
	TCASE(test_getters_built),
	TCASE(test_only_keys),
	TCASE(test_add),
	TCASE(test_str),
	TCASE(test_roundtrip),
};

TMAIN("json", tests)
