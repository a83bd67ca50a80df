/* SPDX-License-Identifier: ISC */
/*
 * jose_int: what lib/jose.c (JWS) and lib/jwk.c (keys) share, and nothing
 * else includes.
 */
#ifndef GH_JOSE_INT_H
#define GH_JOSE_INT_H

#include <stddef.h>

#include <openssl/evp.h>

#include "jose.h"

/* Each algorithm's name, and what it wants of a key. */
struct gh_jose_algdef {
	const char	*name;
	int		 pkey_id;	/* EVP_PKEY_* */
	const char	*group;		/* OpenSSL's name of the EC curve */
	size_t		 coord;		/* bytes of a coordinate, and of R, S */
};

extern const struct gh_jose_algdef gh_jose_algs[GH_JOSE_ALG__MAX];

/* Set *why (when wanted) and return err: for one-line failures. */
static inline enum gh_jose_err
gh_jose_fail(const char **why, const char *reason, enum gh_jose_err err)
{
	if (why != NULL)
		*why = reason;
	return err;
}

/*
 * Whether key is one this module deals in, and for alg when alg is not
 * GH_JOSE_ALG__MAX.  For EC keys, *coord (when not NULL) gets the
 * coordinate size.  GH_JOSE_EBADKEY for an unsupported key,
 * GH_JOSE_EBADALG when it does not fit alg.
 */
enum gh_jose_err gh_jwk_check(EVP_PKEY *key, enum gh_jose_alg alg,
		    size_t *coord, const char **why);

#endif
