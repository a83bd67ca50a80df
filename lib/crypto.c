/* SPDX-License-Identifier: ISC */
/*
 * crypto: the service key file, AES-256-GCM sealing and HMAC-SHA256.
 *
 * A sealed blob is 0x01 | nonce (12) | ciphertext (n) | tag (16).  The
 * nonce is fresh from the CSPRNG for every seal: with 96-bit random nonces
 * one key can seal about 2^32 messages before a collision becomes a
 * concern, far more than any of our tables will ever hold.  The label
 * (the purpose, e.g. "factory.client.callback_secret") is the associated
 * data, so a blob copied into another column fails to open.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto.h"
#include "log.h"
#include "token.h"

#define SEAL_VERSION	0x01
#define SEAL_NONCE_LEN	12
#define SEAL_TAG_LEN	16
#define KEY_FILE_MAX	128	/* bytes read from a key file */

/*
 * Write a fresh key to a new file.  O_EXCL refuses to overwrite an existing
 * key (which would make every sealed secret unreadable) and O_NOFOLLOW
 * refuses a planted symbolic link.  A partly written file is removed.
 */
enum gh_err
gh_crypto_nodump(void)
{
	const struct rlimit	 none = { 0, 0 };

	/*
	 * The limit alone is not enough: a core_pattern that pipes to a
	 * program (systemd-coredump, apport) ignores it.  A process that is
	 * not dumpable gets no core at all.
	 */
	if (setrlimit(RLIMIT_CORE, &none) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		gh_log("cannot turn core dumps off: %s", strerror(errno));
		return GH_EIO;
	}
	return GH_OK;
}

enum gh_err
gh_key_create(const char *path)
{
	unsigned char	 raw[GH_KEY_LEN];
	char		 text[64];
	enum gh_err	 err;
	size_t		 len, off;
	ssize_t		 n;
	int		 fd = -1, created = 0, saved;

	if ((err = gh_random(raw, sizeof(raw))) != GH_OK)
		goto out;
	if ((err = gh_b64_encode(raw, sizeof(raw), text, sizeof(text) - 1))
	    != GH_OK)
		goto out;
	len = strlen(text);
	text[len++] = '\n';

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		gh_log("cannot create key file %s: %s", path, strerror(errno));
		err = GH_EIO;
		goto out;
	}
	created = 1;
	for (off = 0; off < len; off += (size_t)n) {
		n = write(fd, text + off, len - off);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			gh_log("cannot write key file %s: %s", path,
			    strerror(errno));
			err = GH_EIO;
			goto out;
		}
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		saved = errno;
		fd = -1;
		gh_log("cannot write key file %s: %s", path, strerror(saved));
		err = GH_EIO;
		goto out;
	}
	fd = -1;
	err = GH_OK;
out:
	if (fd != -1)
		close(fd);
	if (err != GH_OK && created)
		unlink(path);
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(text, sizeof(text));
	return err;
}

/*
 * Load the key in path.  The file must be a regular file that grants its
 * group and others nothing: a key others can read protects nothing, so
 * that is a configuration error, not a warning.
 */
enum gh_err
gh_key_load(struct gh_key *key, const char *path)
{
	struct stat	 st;
	unsigned char	 raw[KEY_FILE_MAX];
	char		 text[KEY_FILE_MAX + 1];
	enum gh_err	 err;
	size_t		 len = 0, rawlen = 0;
	ssize_t		 n;
	int		 fd = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		gh_log("cannot open key file %s: %s", path, strerror(errno));
		err = GH_EIO;
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		gh_log("cannot stat key file %s: %s", path, strerror(errno));
		err = GH_EIO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		gh_log("key file %s is not a regular file", path);
		err = GH_ECONFIG;
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		gh_log("key file %s has mode %03o, open to group or others: "
		    "chmod 600 it", path, (unsigned)(st.st_mode & 0777));
		err = GH_ECONFIG;
		goto out;
	}
	/* Read up to one byte more than allowed, to recognise a long file. */
	while (len < sizeof(text) - 1) {
		n = read(fd, text + len, sizeof(text) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			gh_log("cannot read key file %s: %s", path,
			    strerror(errno));
			err = GH_EIO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
	    text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	text[len] = '\0';
	if (len >= KEY_FILE_MAX ||
	    gh_b64_decode(text, len, raw, sizeof(raw), &rawlen) != GH_OK ||
	    rawlen != GH_KEY_LEN) {
		gh_log("key file %s does not hold a base64 %d-byte key",
		    path, GH_KEY_LEN);
		err = GH_ECONFIG;
		goto out;
	}
	memcpy(key->k, raw, GH_KEY_LEN);
	err = GH_OK;
out:
	if (fd != -1)
		close(fd);
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(text, sizeof(text));
	return err;
}

void
gh_key_wipe(struct gh_key *key)
{
	if (key != NULL)
		OPENSSL_cleanse(key->k, sizeof(key->k));
}

/*
 * Seal pt[0..n) under key with label as associated data and append the
 * blob to out.  On failure out is unchanged.
 */
enum gh_err
gh_seal(const struct gh_key *key, const char *label, const void *pt,
    size_t n, struct gh_buf *out)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	*blob = NULL, *nonce, *ct, *tag;
	size_t		 total, alen;
	enum gh_err	 err = GH_ECRYPTO;
	int		 outl, fin;

	if (n > (size_t)INT_MAX - GH_SEAL_OVERHEAD)
		return GH_ETOOBIG;
	alen = label != NULL ? strlen(label) : 0;
	if (alen > INT_MAX)
		return GH_ETOOBIG;
	total = n + GH_SEAL_OVERHEAD;
	if ((blob = malloc(total)) == NULL)
		return GH_ENOMEM;
	blob[0] = SEAL_VERSION;
	nonce = blob + 1;
	ct = nonce + SEAL_NONCE_LEN;
	tag = ct + n;
	if ((err = gh_random(nonce, SEAL_NONCE_LEN)) != GH_OK)
		goto out;
	err = GH_ECRYPTO;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key->k, nonce) != 1)
		goto out;
	if (alen > 0 && EVP_EncryptUpdate(ctx, NULL, &outl,
	    (const unsigned char *)label, (int)alen) != 1)
		goto out;
	outl = 0;
	if (n > 0 && EVP_EncryptUpdate(ctx, ct, &outl, pt, (int)n) != 1)
		goto out;
	if (EVP_EncryptFinal_ex(ctx, ct + outl, &fin) != 1 ||
	    (size_t)outl + (size_t)fin != n)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN,
	    tag) != 1)
		goto out;
	err = gh_buf_add(out, blob, total);
out:
	EVP_CIPHER_CTX_free(ctx);
	free(blob);
	return err;
}

/*
 * Open a blob made by gh_seal() and append the plaintext to out.  Nothing
 * is appended unless the tag verifies; the plaintext is decrypted into a
 * private buffer first and wiped there.
 */
enum gh_err
gh_unseal(const struct gh_key *key, const char *label, const void *blob,
    size_t n, struct gh_buf *out)
{
	EVP_CIPHER_CTX		*ctx = NULL;
	const unsigned char	*b = blob, *nonce, *ct;
	unsigned char		 tag[SEAL_TAG_LEN];
	unsigned char		*pt = NULL;
	size_t			 ctlen = 0, alen;
	enum gh_err		 err = GH_ECRYPTO;
	int			 outl, fin;

	if (n < GH_SEAL_OVERHEAD || b[0] != SEAL_VERSION)
		return GH_ECRYPTO;
	if (n > (size_t)INT_MAX)
		return GH_ETOOBIG;
	alen = label != NULL ? strlen(label) : 0;
	if (alen > INT_MAX)
		return GH_ETOOBIG;
	nonce = b + 1;
	ct = nonce + SEAL_NONCE_LEN;
	ctlen = n - GH_SEAL_OVERHEAD;
	memcpy(tag, ct + ctlen, SEAL_TAG_LEN);
	if ((pt = malloc(ctlen + 1)) == NULL)
		return GH_ENOMEM;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key->k, nonce) != 1)
		goto out;
	if (alen > 0 && EVP_DecryptUpdate(ctx, NULL, &outl,
	    (const unsigned char *)label, (int)alen) != 1)
		goto out;
	outl = 0;
	if (ctlen > 0 && EVP_DecryptUpdate(ctx, pt, &outl, ct, (int)ctlen) != 1)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN,
	    tag) != 1)
		goto out;
	if (EVP_DecryptFinal_ex(ctx, pt + outl, &fin) != 1 ||
	    (size_t)outl + (size_t)fin != ctlen)
		goto out;
	err = gh_buf_add(out, pt, ctlen);
out:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(pt, ctlen + 1);
	free(pt);
	return err;
}

/* HMAC-SHA256 through EVP_Q_mac; an empty key or message is allowed. */
enum gh_err
gh_hmac_sha256(const void *k, size_t klen, const void *msg, size_t n,
    unsigned char out[32])
{
	static const unsigned char	 empty[1];
	unsigned char			 mac[32];
	size_t				 maclen = 0;

	if (k == NULL || klen == 0) {
		k = empty;
		klen = 0;
	}
	if (msg == NULL || n == 0) {
		msg = empty;
		n = 0;
	}
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, k, klen, msg, n,
	    mac, sizeof(mac), &maclen) == NULL || maclen != sizeof(mac)) {
		OPENSSL_cleanse(mac, sizeof(mac));
		return GH_ECRYPTO;
	}
	memcpy(out, mac, sizeof(mac));
	OPENSSL_cleanse(mac, sizeof(mac));
	return GH_OK;
}
