/* SPDX-License-Identifier: ISC */
/*
 * crypto: secrets at rest.  A service key file holds 32 random bytes
 * (base64); gh_seal() encrypts with AES-256-GCM under it, binding a purpose
 * label as associated data so a ciphertext cannot be moved to another column.
 * Sealed format: 0x01 | 12-byte nonce | ciphertext | 16-byte tag.
 */
#ifndef GH_CRYPTO_H
#define GH_CRYPTO_H

#include <stddef.h>

#include "err.h"
#include "util.h"

#define GH_KEY_LEN		32
#define GH_SEAL_OVERHEAD	(1 + 12 + 16)

struct gh_key {
	unsigned char	k[GH_KEY_LEN];
};

/*
 * Make this process leave no core dump and refuse ptrace by other processes
 * of its user: it holds keys and tokens that a core file would keep in the
 * clear.  Every program calls it first.  GH_EIO if the kernel refused.
 */
enum gh_err	 gh_crypto_nodump(void);

/*
 * Create a new key file at path, mode 0600, failing with GH_EIO if it exists.
 */
enum gh_err	 gh_key_create(const char *path);

/* Load a key file; GH_EIO if unreadable, GH_ECONFIG if malformed or readable by others. */
enum gh_err	 gh_key_load(struct gh_key *key, const char *path);

/* Wipe a key (OPENSSL_cleanse). */
void		 gh_key_wipe(struct gh_key *key);

/* Append the sealed form of pt[0..n) to out. */
enum gh_err	 gh_seal(const struct gh_key *key, const char *label,
		    const void *pt, size_t n, struct gh_buf *out);

/* Append the plaintext of a sealed blob to out; GH_ECRYPTO if it fails to authenticate. */
enum gh_err	 gh_unseal(const struct gh_key *key, const char *label,
		    const void *ct, size_t n, struct gh_buf *out);

/* HMAC-SHA256. */
enum gh_err	 gh_hmac_sha256(const void *k, size_t klen, const void *msg,
		    size_t n, unsigned char out[32]);

#endif
