/* SPDX-License-Identifier: ISC */
/*
 * request: validation of what certmaker's clients send.  A bad name is a
 * 400 that says which and why (the original dropped such names silently).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "certmaker.h"
#include "json.h"

const char *const cm_key_type_names[CM_KEY__MAX] = {
	[CM_KEY_ECDSA_P256] = "ecdsa-p256",
	[CM_KEY_RSA_2048] = "rsa-2048",
	[CM_KEY_ED25519] = "ed25519",
	[CM_KEY_RSA_4096] = "rsa-4096",
};

const char *const cm_subj_keys[CM_SUBJ__MAX] = {
	[CM_SUBJ_COUNTRY] = "country",
	[CM_SUBJ_PROVINCE] = "province",
	[CM_SUBJ_LOCALITY] = "locality",
	[CM_SUBJ_STREET] = "street_address",
	[CM_SUBJ_POSTAL] = "postal_code",
	[CM_SUBJ_ORG] = "organization",
	[CM_SUBJ_CN] = "common_name",
};

const int cm_subj_nids[CM_SUBJ__MAX] = {
	[CM_SUBJ_COUNTRY] = NID_countryName,
	[CM_SUBJ_PROVINCE] = NID_stateOrProvinceName,
	[CM_SUBJ_LOCALITY] = NID_localityName,
	[CM_SUBJ_STREET] = NID_streetAddress,
	[CM_SUBJ_POSTAL] = NID_postalCode,
	[CM_SUBJ_ORG] = NID_organizationName,
	[CM_SUBJ_CN] = NID_commonName,
};

static const char *const subject_keys[] = {
	"common_name", "organization", "country", "province", "locality",
	"street_address", "postal_code", NULL
};

static const char *const request_keys[] = {
	"domains", "ips", "email_addresses", "emails", "subject", "days",
	"key_type", NULL
};

void
cm_request_init(struct cm_request *r)
{
	memset(r, 0, sizeof(*r));
	r->days = CM_DAYS_DEFAULT;
	r->key_type = CM_KEY_ECDSA_P256;
}

enum gh_err
cm_key_type_parse(const char *s, int root, enum cm_key_type *out)
{
	size_t	i;

	for (i = 0; i < CM_KEY__MAX; i++) {
		if (strcmp(s, cm_key_type_names[i]) != 0)
			continue;
		/* RSA-4096 is for the root; a leaf has RSA-2048. */
		if (!root && i == CM_KEY_RSA_4096)
			return GH_EINVAL;
		*out = (enum cm_key_type)i;
		return GH_OK;
	}
	return GH_EINVAL;
}

/* Copy n bytes of outside text into a message, escaped and cut short. */
static const char *
show(const char *s, size_t n, char out[48])
{
	size_t	i, o = 0;

	for (i = 0; i < n && o < 40; i++)
		out[o++] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ?
		    s[i] : '?';
	if (i < n) {
		out[o++] = '.';
		out[o++] = '.';
		out[o++] = '.';
	}
	out[o] = '\0';
	return out;
}

enum gh_err
cm_request_add_dns(struct cm_request *r, const char *s, size_t len,
    char *why, size_t whysz)
{
	char		 name[GH_DOMAIN_MAX + 1], sh[48];
	const char	*reason;
	size_t		 i;

	if (len == 9 && strncasecmp(s, "localhost", 9) == 0)
		gh_strlcpy(name, "localhost", sizeof(name));
	else if (gh_valid_domain(s, len, name, sizeof(name), &reason) !=
	    GH_OK) {
		snprintf(why, whysz, "invalid DNS name \"%s\": %s",
		    show(s, len, sh), reason);
		return GH_EINVAL;
	}
	for (i = 0; i < r->ndns; i++)
		if (strcmp(r->dns[i], name) == 0)
			return GH_OK;
	if (r->ndns == CM_NAMES_MAX) {
		snprintf(why, whysz, "more than %d DNS names", CM_NAMES_MAX);
		return GH_EINVAL;
	}
	gh_strlcpy(r->dns[r->ndns++], name, sizeof(r->dns[0]));
	return GH_OK;
}

enum gh_err
cm_request_add_ip(struct cm_request *r, const char *s, size_t len,
    char *why, size_t whysz)
{
	struct cm_ip	ip;
	char		text[INET6_ADDRSTRLEN + 1], sh[48];
	size_t		i;

	memset(&ip, 0, sizeof(ip));
	if (len < sizeof(text) && memchr(s, '\0', len) == NULL) {
		memcpy(text, s, len);
		text[len] = '\0';
		if (inet_pton(AF_INET, text, ip.addr) == 1)
			ip.len = 4;
		else if (inet_pton(AF_INET6, text, ip.addr) == 1)
			ip.len = 16;
	}
	if (ip.len == 0) {
		snprintf(why, whysz, "invalid IP address \"%s\"",
		    show(s, len, sh));
		return GH_EINVAL;
	}
	for (i = 0; i < r->nip; i++)
		if (r->ip[i].len == ip.len &&
		    memcmp(r->ip[i].addr, ip.addr, ip.len) == 0)
			return GH_OK;
	if (r->nip == CM_NAMES_MAX) {
		snprintf(why, whysz, "more than %d IP addresses", CM_NAMES_MAX);
		return GH_EINVAL;
	}
	r->ip[r->nip++] = ip;
	return GH_OK;
}

/*
 * local@domain: a local part of 1-64 printable ASCII characters other
 * than space, '@', '"', '\\', '<', '>', ',' (no quoted forms), and a domain
 * as for DNS names.
 */
enum gh_err
cm_request_add_email(struct cm_request *r, const char *s, size_t len,
    char *why, size_t whysz)
{
	char		 domain[GH_DOMAIN_MAX + 1], sh[48], addr[CM_EMAIL_MAX + 1];
	const char	*at, *reason = NULL;
	size_t		 local, i;

	at = memchr(s, '@', len);
	local = at ? (size_t)(at - s) : 0;
	if (at == NULL || len > CM_EMAIL_MAX)
		reason = "not local@domain";
	else if (local == 0 || local > 64)
		reason = "the local part must be 1 to 64 characters";
	for (i = 0; reason == NULL && i < local; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || strchr("\"\\<>,@()[];:",
		    s[i]) != NULL)
			reason = "the local part has a character we do not take";
	if (reason == NULL && gh_valid_domain(at + 1, len - local - 1, domain,
	    sizeof(domain), &reason) == GH_OK)
		reason = NULL;
	if (reason != NULL) {
		snprintf(why, whysz, "invalid e-mail address \"%s\": %s",
		    show(s, len, sh), reason);
		return GH_EINVAL;
	}
	/* The domain part in lower case, the local part as given. */
	memcpy(addr, s, local);
	addr[local] = '@';
	gh_strlcpy(addr + local + 1, domain, sizeof(addr) - local - 1);
	for (i = 0; i < r->nemail; i++)
		if (strcmp(r->email[i], addr) == 0)
			return GH_OK;
	if (r->nemail == CM_NAMES_MAX) {
		snprintf(why, whysz, "more than %d e-mail addresses",
		    CM_NAMES_MAX);
		return GH_EINVAL;
	}
	gh_strlcpy(r->email[r->nemail++], addr, sizeof(r->email[0]));
	return GH_OK;
}

typedef enum gh_err add_fn(struct cm_request *, const char *, size_t, char *,
    size_t);

/* An optional array of strings under key, each through add. */
static enum gh_err
add_list(struct json_object *body, const char *key, add_fn *add,
    struct cm_request *r, char *why, size_t whysz)
{
	struct json_object	*arr, *v;
	const char		*s;
	size_t			 i, n;
	enum gh_err		 err;

	err = gh_json_get_array(body, key, &arr);
	if (err == GH_ENOTFOUND)
		return GH_OK;
	if (err != GH_OK) {
		snprintf(why, whysz, "%s: must be an array of strings", key);
		return GH_EINVAL;
	}
	n = json_object_array_length(arr);
	if (n > CM_NAMES_MAX) {
		snprintf(why, whysz, "%s: more than %d entries", key,
		    CM_NAMES_MAX);
		return GH_EINVAL;
	}
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(why, whysz, "%s: must be an array of strings",
			    key);
			return GH_EINVAL;
		}
		s = json_object_get_string(v);
		if ((err = add(r, s, (size_t)json_object_get_string_len(v),
		    why, whysz)) != GH_OK)
			return err;
	}
	return GH_OK;
}

/* A subject field: printable, no control characters, within its bound. */
static enum gh_err
subject_field(struct json_object *subj, enum cm_subj f, struct cm_request *r,
    char *why, size_t whysz)
{
	const char	*key = cm_subj_keys[f], *s;
	size_t		 len, i, max = f == CM_SUBJ_COUNTRY ? 2 : CM_FIELD_MAX;
	enum gh_err	 err;

	err = gh_json_get_string(subj, key, &s, &len);
	if (err == GH_ENOTFOUND)
		return GH_OK;
	if (err != GH_OK) {
		snprintf(why, whysz, "subject.%s: must be a string", key);
		return GH_EINVAL;
	}
	if (len == 0)
		return GH_OK;
	if (len > max || (f == CM_SUBJ_COUNTRY && len != 2)) {
		snprintf(why, whysz, "subject.%s: must be %s%zu characters",
		    key, f == CM_SUBJ_COUNTRY ? "" : "at most ", max);
		return GH_EINVAL;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(why, whysz,
			    "subject.%s: holds a control character", key);
			return GH_EINVAL;
		}
	if (f == CM_SUBJ_COUNTRY && !(s[0] >= 'A' && s[0] <= 'Z' &&
	    s[1] >= 'A' && s[1] <= 'Z')) {
		snprintf(why, whysz, "subject.country: two capital letters "
		    "(ISO 3166), like \"DE\"");
		return GH_EINVAL;
	}
	memcpy(r->subject[f], s, len);
	r->subject[f][len] = '\0';
	return GH_OK;
}

enum gh_err
cm_request_parse(const char *body, size_t len, long long max_days,
    struct cm_request *r, char *why, size_t whysz)
{
	struct json_object	*obj = NULL, *subj;
	const char		*reason, *bad, *kt;
	size_t			 i;
	enum gh_err		 err;

	cm_request_init(r);
	if (gh_json_parse_object(body, len, &obj, &reason) != GH_OK) {
		snprintf(why, whysz, "body: %s", reason);
		return GH_EINVAL;
	}
	err = GH_EINVAL;
	if (gh_json_only_keys(obj, request_keys, &bad) != GH_OK) {
		snprintf(why, whysz, "body: unknown field \"%.64s\"", bad);
		goto out;
	}
	if (json_object_object_get_ex(obj, "email_addresses", NULL) &&
	    json_object_object_get_ex(obj, "emails", NULL)) {
		snprintf(why, whysz, "give email_addresses or emails, not both");
		goto out;
	}
	if (add_list(obj, "domains", cm_request_add_dns, r, why, whysz) !=
	    GH_OK ||
	    add_list(obj, "ips", cm_request_add_ip, r, why, whysz) != GH_OK ||
	    add_list(obj, "email_addresses", cm_request_add_email, r, why,
	    whysz) != GH_OK ||
	    add_list(obj, "emails", cm_request_add_email, r, why, whysz) !=
	    GH_OK)
		goto out;
	switch (gh_json_get_object(obj, "subject", &subj)) {
	case GH_OK:
		if (gh_json_only_keys(subj, subject_keys, &bad) != GH_OK) {
			snprintf(why, whysz, "subject: unknown field \"%.64s\"",
			    bad);
			goto out;
		}
		for (i = 0; i < CM_SUBJ__MAX; i++)
			if (subject_field(subj, (enum cm_subj)i, r, why,
			    whysz) != GH_OK)
				goto out;
		break;
	case GH_ENOTFOUND:
		break;
	default:
		snprintf(why, whysz, "subject: must be an object");
		goto out;
	}
	switch (gh_json_get_int(obj, "days", 1, max_days, &r->days)) {
	case GH_OK:
	case GH_ENOTFOUND:
		break;
	default:
		snprintf(why, whysz, "days: must be a whole number from 1 to "
		    "%lld", max_days);
		goto out;
	}
	switch (gh_json_get_string(obj, "key_type", &kt, NULL)) {
	case GH_OK:
		if (cm_key_type_parse(kt, 0, &r->key_type) == GH_OK)
			break;
		/* FALLTHROUGH */
	default:
		snprintf(why, whysz, "key_type: one of ecdsa-p256, rsa-2048, "
		    "ed25519");
		goto out;
	case GH_ENOTFOUND:
		break;
	}
	if (r->ndns + r->nip + r->nemail == 0) {
		snprintf(why, whysz, "no name: give domains, ips or "
		    "email_addresses");
		goto out;
	}
	err = GH_OK;
out:
	json_object_put(obj);
	return err;
}

enum gh_err
cm_serial_parse(const char *s, size_t len, char out[CM_SERIAL_HEX + 9])
{
	size_t	i;

	if (len == 0 || len > CM_SERIAL_HEX + 8)
		return GH_EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			out[i] = s[i];
		else if (s[i] >= 'a' && s[i] <= 'f')
			out[i] = s[i];
		else if (s[i] >= 'A' && s[i] <= 'F')
			out[i] = (char)(s[i] - 'A' + 'a');
		else
			return GH_EINVAL;
	}
	out[len] = '\0';
	return GH_OK;
}

int
cm_name_exempt_dns(const char *name)
{
	return strcmp(name, "localhost") == 0;
}

int
cm_name_exempt_ip(const struct cm_ip *ip)
{
	static const unsigned char v4[4] = { 127, 0, 0, 1 };
	static const unsigned char v6[16] = { [15] = 1 };

	return (ip->len == 4 && memcmp(ip->addr, v4, 4) == 0) ||
	    (ip->len == 16 && memcmp(ip->addr, v6, 16) == 0);
}
