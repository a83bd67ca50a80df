/* SPDX-License-Identifier: ISC */
/*
 * fernet: the Fernet token format (github.com/fernet/spec) on OpenSSL, so
 * that the credentials we hand out open with any Fernet library.
 * Token: base64url(0x80 | 64-bit big-endian time | 16-byte IV |
 * AES-128-CBC(PKCS#7) ciphertext | HMAC-SHA256 of all before it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "icyfire.h"
#include "log.h"

#define FERNET_VERSION	0x80
#define FERNET_HDR	(1 + 8 + 16)
#define FERNET_MAC	32
#define FERNET_SKEW	60
#define FERNET_PT_MAX	(64 * 1024)

enum gh_err
fernet_key_parse(const char *s, size_t len, struct fernet_key *out)
{
	unsigned char	raw[FERNET_KEY_LEN + 4];
	size_t		n;

	if (len != FERNET_KEY_B64 ||
	    gh_b64url_decode(s, len, raw, sizeof(raw), &n) != GH_OK ||
	    n != FERNET_KEY_LEN) {
		OPENSSL_cleanse(raw, sizeof(raw));
		return GH_EINVAL;
	}
	memcpy(out->k, raw, FERNET_KEY_LEN);
	OPENSSL_cleanse(raw, sizeof(raw));
	return GH_OK;
}

/*
 * Read the key file: a regular file closed to group and others, holding
 * one key and perhaps a newline.  GH_EIO if unreadable, GH_ECONFIG if wrong.
 */
enum gh_err
fernet_key_load(struct fernet_key *key, const char *path)
{
	struct stat	st;
	char		text[FERNET_KEY_B64 + 4];
	size_t		len = 0;
	ssize_t		n;
	enum gh_err	err = GH_OK;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		gh_log("cannot open Fernet key file %s: %s", path,
		    strerror(errno));
		return GH_EIO;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_IRWXG | S_IRWXO))) {
		gh_log("Fernet key file %s: not a regular file of mode 0600",
		    path);
		err = GH_ECONFIG;
		goto out;
	}
	while (len < sizeof(text)) {
		n = read(fd, text + len, sizeof(text) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (fernet_key_parse(text, len, key) != GH_OK) {
		gh_log("Fernet key file %s: not a Fernet key", path);
		err = GH_ECONFIG;
	}
out:
	OPENSSL_cleanse(text, sizeof(text));
	close(fd);
	return err;
}

enum gh_err
fernet_key_create(const char *path)
{
	unsigned char	raw[FERNET_KEY_LEN];
	char		text[GH_B64URL_SIZE(FERNET_KEY_LEN) + 2];
	size_t		len;
	enum gh_err	err;
	int		fd;

	if ((err = gh_random(raw, sizeof(raw))) != GH_OK)
		return err;
	err = gh_b64url_encode(raw, sizeof(raw), text, sizeof(text) - 2);
	OPENSSL_cleanse(raw, sizeof(raw));
	if (err != GH_OK)
		return err;
	len = strlen(text);
	text[len++] = '=';	/* Fernet keys are written padded */
	text[len++] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		OPENSSL_cleanse(text, sizeof(text));
		return GH_EIO;
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) == -1)
		err = GH_EIO;
	if (close(fd) == -1)
		err = GH_EIO;
	OPENSSL_cleanse(text, sizeof(text));
	if (err != GH_OK)
		unlink(path);
	return err;
}

/* Run AES-128-CBC one way over in[0..n) into out; *outlen its length. */
static enum gh_err
aes_cbc(int enc, const unsigned char *key, const unsigned char *iv,
    const unsigned char *in, size_t n, unsigned char *out, size_t *outlen)
{
	EVP_CIPHER_CTX	*ctx;
	int		 l1 = 0, l2 = 0, ok;

	if (n > FERNET_PT_MAX + 16)
		return GH_ETOOBIG;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return GH_ENOMEM;
	ok = EVP_CipherInit_ex(ctx, EVP_aes_128_cbc(), NULL, key, iv, enc) &&
	    EVP_CipherUpdate(ctx, out, &l1, in, (int)n) &&
	    EVP_CipherFinal_ex(ctx, out + l1, &l2);
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		return enc ? GH_ECRYPTO : GH_EINVAL;
	*outlen = (size_t)l1 + (size_t)l2;
	return GH_OK;
}

enum gh_err
fernet_encrypt(const struct fernet_key *key, const void *pt, size_t n,
    uint64_t now, const unsigned char *iv, struct gh_buf *out)
{
	struct gh_buf	 raw;
	unsigned char	 hdr[FERNET_HDR], mac[FERNET_MAC];
	unsigned char	*ct = NULL;
	size_t		 ctlen = 0, i;
	enum gh_err	 err;

	if (n > FERNET_PT_MAX)
		return GH_ETOOBIG;
	gh_buf_init(&raw, 0);
	hdr[0] = FERNET_VERSION;
	for (i = 0; i < 8; i++)
		hdr[1 + i] = (unsigned char)(now >> (56 - 8 * i));
	if (iv != NULL)
		memcpy(hdr + 9, iv, 16);
	else if ((err = gh_random(hdr + 9, 16)) != GH_OK)
		goto out;
	if ((ct = OPENSSL_malloc(n + 16)) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if ((err = aes_cbc(1, key->k + 16, hdr + 9, pt, n, ct, &ctlen)) !=
	    GH_OK)
		goto out;
	if ((err = gh_buf_add(&raw, hdr, sizeof(hdr))) != GH_OK ||
	    (err = gh_buf_add(&raw, ct, ctlen)) != GH_OK)
		goto out;
	if ((err = gh_hmac_sha256(key->k, 16, raw.data, raw.len, mac)) !=
	    GH_OK || (err = gh_buf_add(&raw, mac, sizeof(mac))) != GH_OK)
		goto out;
	/* base64url with padding, as Fernet writes it. */
	{
		size_t	 need = GH_B64URL_SIZE(raw.len), len;
		char	*p;

		if ((p = OPENSSL_malloc(need)) == NULL) {
			err = GH_ENOMEM;
			goto out;
		}
		err = gh_b64url_encode(raw.data, raw.len, p, need);
		if (err == GH_OK) {
			len = strlen(p);
			err = gh_buf_add(out, p, len);
			while (err == GH_OK && len++ % 4 != 0)
				err = gh_buf_add(out, "=", 1);
		}
		OPENSSL_free(p);
	}
out:
	if (ct != NULL)
		OPENSSL_clear_free(ct, n + 16);
	gh_buf_free(&raw);
	return err;
}

enum gh_err
fernet_decrypt(const struct fernet_key *key, const char *token, size_t len,
    uint64_t now, long long ttl, struct gh_buf *out)
{
	unsigned char	*raw = NULL, *pt = NULL;
	unsigned char	 mac[FERNET_MAC];
	size_t		 rawsz, rawlen = 0, ptlen = 0, i;
	uint64_t	 ts = 0;
	enum gh_err	 err = GH_EINVAL;

	if (len == 0 || len > 2 * FERNET_PT_MAX)
		return GH_EINVAL;
	rawsz = len;
	if ((raw = OPENSSL_malloc(rawsz)) == NULL)
		return GH_ENOMEM;
	if (gh_b64url_decode(token, len, raw, rawsz, &rawlen) != GH_OK ||
	    rawlen < FERNET_HDR + 16 + FERNET_MAC ||
	    (rawlen - FERNET_HDR - FERNET_MAC) % 16 != 0 ||
	    raw[0] != FERNET_VERSION)
		goto out;
	for (i = 0; i < 8; i++)
		ts = (ts << 8) | raw[1 + i];
	if (ttl > 0 && (ts + (uint64_t)ttl < now || ts > now + FERNET_SKEW))
		goto out;
	if (gh_hmac_sha256(key->k, 16, raw, rawlen - FERNET_MAC, mac) != GH_OK) {
		err = GH_ECRYPTO;
		goto out;
	}
	if (!gh_ct_eq(mac, raw + rawlen - FERNET_MAC, FERNET_MAC))
		goto out;
	if ((pt = OPENSSL_malloc(rawlen)) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if (aes_cbc(0, key->k + 16, raw + 9, raw + FERNET_HDR,
	    rawlen - FERNET_HDR - FERNET_MAC, pt, &ptlen) != GH_OK)
		goto out;
	err = gh_buf_add(out, pt, ptlen);
out:
	if (pt != NULL)
		OPENSSL_clear_free(pt, rawlen);
	OPENSSL_clear_free(raw, rawsz);
	return err;
}
