/* SPDX-License-Identifier: ISC */
/*
 * json: strict parsing and typed getters over json-c.  Outside JSON is parsed
 * with a depth limit, must be one value with nothing but whitespace after it,
 * and must be valid UTF-8.
 */
#ifndef GH_JSON_H
#define GH_JSON_H

#include <stddef.h>
#include <json-c/json.h>

#include "err.h"

#define GH_JSON_MAX_DEPTH	16

/*
 * Parse len bytes at s (need not be NUL-terminated).  On success *out is a new
 * reference the caller puts; on failure *out is untouched, GH_EINVAL is
 * returned and, if why is not NULL, a static reason ("trailing bytes after
 * the JSON value", "nesting too deep", …) is stored there.
 * Also refused: NUL bytes and "\u0000", NaN/Infinity and other non-RFC 8259
 * numbers, integers outside 64-bit signed, raw control characters in
 * strings, duplicate keys in an object.  JSON null gives *out == NULL.
 */
enum gh_err	 gh_json_parse(const char *s, size_t len, struct json_object **out,
		    const char **why);

/* Like gh_json_parse but the value must be an object. */
enum gh_err	 gh_json_parse_object(const char *s, size_t len,
		    struct json_object **out, const char **why);

/*
 * Typed getters.  Each borrows: *out points into obj and lives as long as obj.
 * GH_ENOTFOUND when the key is absent (or null), GH_EINVAL when it has another
 * type or is out of range; *out is set only on GH_OK.
 * GH_EINVAL too when obj is not an object.  Only JSON integers are ints (not
 * 1.0 or "1"); a string holding a NUL is GH_EINVAL; lenp may be NULL.
 */
enum gh_err	 gh_json_get_string(struct json_object *obj, const char *key,
		    const char **out, size_t *lenp);
enum gh_err	 gh_json_get_int(struct json_object *obj, const char *key,
		    long long min, long long max, long long *out);
enum gh_err	 gh_json_get_bool(struct json_object *obj, const char *key,
		    int *out);
enum gh_err	 gh_json_get_array(struct json_object *obj, const char *key,
		    struct json_object **out);
enum gh_err	 gh_json_get_object(struct json_object *obj, const char *key,
		    struct json_object **out);

/*
 * Check that obj has no keys other than those in the NULL-terminated list
 * allowed; on GH_EINVAL, *badkey (if not NULL) borrows the first unknown key.
 */
enum gh_err	 gh_json_only_keys(struct json_object *obj,
		    const char *const *allowed, const char **badkey);

/* Add key -> value to obj, taking the reference to value even on failure. */
enum gh_err	 gh_json_add(struct json_object *obj, const char *key,
		    struct json_object *value);

/*
 * Serialise compactly (no escaped slashes); borrows from obj until obj is
 * changed or put.  NULL only if json-c runs out of memory; lenp may be NULL.
 */
const char	*gh_json_str(struct json_object *obj, size_t *lenp);

#endif
