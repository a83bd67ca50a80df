/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for lib/auth.c: one header value as an Authorization
 * (Bearer, Basic) and as an X-Auth-Token.  What a parser returns must lie
 * inside the header, and Basic's user and pass must fit their buffers.
 */
#include <string.h>

#include "auth.h"
#include "fuzz.h"

/* A borrowed token must point into header and be as long as it says. */
static void
check_borrow(const char *header, size_t hlen, const char *tok, size_t len)
{
	if (tok < header || tok + len > header + hlen)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*tok;
	char		*s, user[64], pass[128], small[2];
	size_t		 len, hlen;

	s = fuzz_strdup(data, size);
	hlen = strlen(s);
	if (gh_auth_bearer(s, &tok, &len) == GH_OK)
		check_borrow(s, hlen, tok, len);
	if (gh_auth_xtoken(s, &tok, &len) == GH_OK)
		check_borrow(s, hlen, tok, len);
	if (gh_auth_basic(s, user, sizeof(user), pass, sizeof(pass)) == GH_OK) {
		if (strlen(user) >= sizeof(user) || strlen(pass) >= sizeof(pass))
			abort();
		if (strchr(user, ':') != NULL)
			abort();
	}
	(void)gh_auth_basic(s, small, sizeof(small), small, sizeof(small));
	free(s);
	return 0;
}
