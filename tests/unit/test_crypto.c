/* SPDX-License-Identifier: ISC */
/*
 * test_crypto: sealing round trips and every way a blob must fail to open,
 * the key file's creation and the checks on loading it, HMAC-SHA256
 * against RFC 4231.
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto.h"
#include "token.h"
#include "util.h"
#include "tdir.h"
#include "tmain.h"

/* Write text to a new file name with mode, replacing any old one. */
static void
write_key(const char *name, const char *text, mode_t mode, char *path,
    size_t pathsz)
{
	int	fd;

	tpath(name, path, pathsz);
	unlink(path);
	CU_ASSERT_FATAL((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode))
	    != -1);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) ==
	    (ssize_t)strlen(text));
	CU_ASSERT_FATAL(fchmod(fd, mode) == 0);
	close(fd);
}

/* A key with k[i] = i + seed. */
static void
make_key(struct gh_key *key, unsigned char seed)
{
	size_t	i;

	for (i = 0; i < GH_KEY_LEN; i++)
		key->k[i] = (unsigned char)(i + seed);
}

static void
test_roundtrip(void)
{
	static const struct {
		int		 line;
		const char	*label;
		const char	*pt;
		size_t		 n;
	} t[] = {
		{ __LINE__, "factory.secret", "", 0 },
		{ __LINE__, "factory.secret", "a", 1 },
		{ __LINE__, "factory.secret", "installer secret", 16 },
		{ __LINE__, "x", "bin\0ary\xff\x00", 10 },
		{ __LINE__, "", "no label", 8 },
	};
	struct gh_key	 key;
	struct gh_buf	 sealed, open;
	size_t		 i;

	make_key(&key, 1);
	gh_buf_init(&sealed, 0);
	gh_buf_init(&open, 0);
	for (i = 0; i < GH_NELEM(t); i++) {
		gh_buf_reset(&sealed);
		gh_buf_reset(&open);
		CU_ASSERT_EQUAL_FATAL(gh_seal(&key, t[i].label, t[i].pt,
		    t[i].n, &sealed), GH_OK);
		CU_ASSERT_EQUAL(sealed.len, t[i].n + GH_SEAL_OVERHEAD);
		CU_ASSERT_EQUAL((unsigned char)sealed.data[0], 0x01);
		/* No plaintext in the clear. */
		if (t[i].n >= 8)
			CU_ASSERT_PTR_NULL(memmem(sealed.data, sealed.len,
			    t[i].pt, t[i].n));
		CU_ASSERT_EQUAL_FATAL(gh_unseal(&key, t[i].label, sealed.data,
		    sealed.len, &open), GH_OK);
		CU_ASSERT_EQUAL(open.len, t[i].n);
		CU_ASSERT(memcmp(open.data, t[i].pt, t[i].n) == 0);
	}
	gh_buf_free(&sealed);
	gh_buf_free(&open);
}

/* A large message, and appending after what out already holds. */
static void
test_roundtrip_large_append(void)
{
	struct gh_key	 key;
	struct gh_buf	 sealed, open;
	unsigned char	*pt;
	size_t		 n = 100000;

	make_key(&key, 7);
	CU_ASSERT_FATAL((pt = malloc(n)) != NULL);
	CU_ASSERT_FATAL(gh_random(pt, n) == GH_OK);
	gh_buf_init(&sealed, 0);
	gh_buf_init(&open, 0);
	CU_ASSERT_FATAL(gh_buf_puts(&sealed, "head") == GH_OK);
	CU_ASSERT_FATAL(gh_buf_puts(&open, "HEAD") == GH_OK);
	CU_ASSERT_EQUAL_FATAL(gh_seal(&key, "big", pt, n, &sealed), GH_OK);
	CU_ASSERT_EQUAL(sealed.len, 4 + n + GH_SEAL_OVERHEAD);
	CU_ASSERT(memcmp(sealed.data, "head", 4) == 0);
	CU_ASSERT_EQUAL_FATAL(gh_unseal(&key, "big", sealed.data + 4,
	    sealed.len - 4, &open), GH_OK);
	CU_ASSERT_EQUAL(open.len, 4 + n);
	CU_ASSERT(memcmp(open.data, "HEAD", 4) == 0);
	CU_ASSERT(memcmp(open.data + 4, pt, n) == 0);
	free(pt);
	gh_buf_free(&sealed);
	gh_buf_free(&open);
}

/* Every seal draws a fresh nonce: equal inputs give different blobs. */
static void
test_fresh_nonce(void)
{
	struct gh_key	 key;
	struct gh_buf	 a, b;

	make_key(&key, 3);
	gh_buf_init(&a, 0);
	gh_buf_init(&b, 0);
	CU_ASSERT_FATAL(gh_seal(&key, "l", "same", 4, &a) == GH_OK);
	CU_ASSERT_FATAL(gh_seal(&key, "l", "same", 4, &b) == GH_OK);
	CU_ASSERT_EQUAL_FATAL(a.len, b.len);
	CU_ASSERT(memcmp(a.data + 1, b.data + 1, 12) != 0);
	CU_ASSERT(memcmp(a.data, b.data, a.len) != 0);
	gh_buf_free(&a);
	gh_buf_free(&b);
}

/* Wrong label, wrong key, any flipped bit, truncation: all refused. */
static void
test_tamper(void)
{
	struct gh_key	 key, other;
	struct gh_buf	 sealed, open;
	char		 blob[64];
	size_t		 i, n;
	int		 bit;

	make_key(&key, 1);
	make_key(&other, 2);
	gh_buf_init(&sealed, 0);
	gh_buf_init(&open, 0);
	CU_ASSERT_FATAL(gh_buf_puts(&open, "keep") == GH_OK);
	CU_ASSERT_FATAL(gh_seal(&key, "client.secret", "s3cret", 6, &sealed)
	    == GH_OK);
	n = sealed.len;
	CU_ASSERT_FATAL(n <= sizeof(blob));
	memcpy(blob, sealed.data, n);

	CU_ASSERT_EQUAL(gh_unseal(&key, "client.token", blob, n, &open),
	    GH_ECRYPTO);
	CU_ASSERT_EQUAL(gh_unseal(&key, "", blob, n, &open), GH_ECRYPTO);
	CU_ASSERT_EQUAL(gh_unseal(&other, "client.secret", blob, n, &open),
	    GH_ECRYPTO);
	for (i = 0; i < n; i++) {
		for (bit = 0; bit < 8; bit++) {
			blob[i] ^= (char)(1 << bit);
			CU_ASSERT_EQUAL(gh_unseal(&key, "client.secret", blob,
			    n, &open), GH_ECRYPTO);
			blob[i] ^= (char)(1 << bit);
		}
	}
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(gh_unseal(&key, "client.secret", blob, i,
		    &open), GH_ECRYPTO);
	/* Nothing was appended by any failure. */
	CU_ASSERT_EQUAL(open.len, 4);
	CU_ASSERT_STRING_EQUAL(open.data, "keep");
	/* And the untouched blob still opens. */
	CU_ASSERT_EQUAL(gh_unseal(&key, "client.secret", blob, n, &open),
	    GH_OK);
	CU_ASSERT_STRING_EQUAL(open.data, "keeps3cret");
	gh_buf_free(&sealed);
	gh_buf_free(&open);
}

/* A full output buffer is an error that leaves it as it was. */
static void
test_seal_cap(void)
{
	struct gh_key	 key;
	struct gh_buf	 out;

	make_key(&key, 1);
	gh_buf_init(&out, 16);
	CU_ASSERT_EQUAL(gh_seal(&key, "l", "x", 1, &out), GH_ETOOBIG);
	CU_ASSERT_EQUAL(out.len, 0);
	gh_buf_free(&out);
}

static void
test_key_create_load(void)
{
	struct gh_key	 a, b;
	struct stat	 st;
	struct gh_buf	 sealed, open;
	char		 path[PATH_MAX], text[128];
	FILE		*fp;
	size_t		 n;

	tpath("secret.key", path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(gh_key_create(path), GH_OK);
	CU_ASSERT_FATAL(stat(path, &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_FATAL((fp = fopen(path, "r")) != NULL);
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	CU_ASSERT_EQUAL(n, 45);		/* 44 base64 characters and '\n' */
	CU_ASSERT_EQUAL(text[44], '\n');
	CU_ASSERT_EQUAL(text[43], '=');

	/* Never overwritten. */
	CU_ASSERT_EQUAL(gh_key_create(path), GH_EIO);
	CU_ASSERT_FATAL(stat(path, &st) == 0);
	CU_ASSERT_EQUAL(st.st_size, 45);

	CU_ASSERT_EQUAL_FATAL(gh_key_load(&a, path), GH_OK);
	CU_ASSERT_EQUAL_FATAL(gh_key_load(&b, path), GH_OK);
	CU_ASSERT(memcmp(a.k, b.k, GH_KEY_LEN) == 0);

	/* What one load sealed, another opens. */
	gh_buf_init(&sealed, 0);
	gh_buf_init(&open, 0);
	CU_ASSERT_FATAL(gh_seal(&a, "l", "hello", 5, &sealed) == GH_OK);
	CU_ASSERT_FATAL(gh_unseal(&b, "l", sealed.data, sealed.len, &open) ==
	    GH_OK);
	CU_ASSERT_STRING_EQUAL(open.data, "hello");
	gh_buf_free(&sealed);
	gh_buf_free(&open);

	/* A second key differs from the first. */
	tpath("other.key", path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(gh_key_create(path), GH_OK);
	CU_ASSERT_EQUAL_FATAL(gh_key_load(&b, path), GH_OK);
	CU_ASSERT(memcmp(a.k, b.k, GH_KEY_LEN) != 0);

	gh_key_wipe(&a);
	memset(&b, 0, sizeof(b));
	CU_ASSERT(memcmp(a.k, b.k, GH_KEY_LEN) == 0);
	gh_key_wipe(NULL);

	/* No key file in a missing directory. */
	CU_ASSERT_EQUAL(gh_key_create("/nonexistent/dir/k.key"), GH_EIO);
}

static void
test_key_load_refused(void)
{
	/* base64 of 32 bytes 0x00..0x1f; of 31 and 33 bytes. */
	static const char	 k32[] =
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
	static const char	 k31[] =
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==";
	static const char	 k33[] =
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g";
	static const struct {
		int		 line;
		const char	*text;
		mode_t		 mode;
		enum gh_err	 want;
	} t[] = {
		{ __LINE__, k32, 0600, GH_OK },
		{ __LINE__, k32, 0400, GH_OK },
		{ __LINE__, k32, 0640, GH_ECONFIG },
		{ __LINE__, k32, 0620, GH_ECONFIG },
		{ __LINE__, k32, 0604, GH_ECONFIG },
		{ __LINE__, k32, 0602, GH_ECONFIG },
		{ __LINE__, k32, 0644, GH_ECONFIG },
		{ __LINE__, k32, 0610, GH_ECONFIG },
		{ __LINE__, k31, 0600, GH_ECONFIG },
		{ __LINE__, k33, 0600, GH_ECONFIG },
		{ __LINE__, "", 0600, GH_ECONFIG },
		{ __LINE__, "\n", 0600, GH_ECONFIG },
		{ __LINE__, "not base64 at all!!", 0600, GH_ECONFIG },
		{ __LINE__, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
		    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", 0600,
		    GH_ECONFIG },
	};
	struct gh_key	 key;
	char		 path[PATH_MAX], text[256];
	size_t		 i;

	for (i = 0; i < GH_NELEM(t); i++) {
		write_key("t.key", t[i].text, t[i].mode, path, sizeof(path));
		memset(&key, 0xaa, sizeof(key));
		if (gh_key_load(&key, path) != t[i].want)
			fprintf(stderr, "line %d: unexpected result\n",
			    t[i].line);
		CU_ASSERT_EQUAL(gh_key_load(&key, path), t[i].want);
		if (t[i].want == GH_OK)
			CU_ASSERT(key.k[0] == 0 && key.k[31] == 31);
	}
	/* With its newline, as gh_key_create() writes it. */
	snprintf(text, sizeof(text), "%s\n", k32);
	write_key("t.key", text, 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(gh_key_load(&key, path), GH_OK);

	/* A long file is refused, not truncated. */
	memset(text, 'A', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	write_key("t.key", text, 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(gh_key_load(&key, path), GH_ECONFIG);

	tpath("missing.key", path, sizeof(path));
	CU_ASSERT_EQUAL(gh_key_load(&key, path), GH_EIO);
	CU_ASSERT_EQUAL(gh_key_load(&key, tdir), GH_ECONFIG);
}

static void
test_hmac_rfc4231(void)
{
	static const struct {
		int		 line;
		const char	*key;	/* NULL: key_byte repeated klen times */
		unsigned char	 key_byte;
		size_t		 klen;
		const char	*msg;
		const char	*want;
	} t[] = {
		/* RFC 4231 test case 1 */
		{ __LINE__, NULL, 0x0b, 20, "Hi There",
		    "b0344c61d8db38535ca8afceaf0bf12b"
		    "881dc200c9833da726e9376c2e32cff7" },
		/* Test case 2 */
		{ __LINE__, "Jefe", 0, 4, "what do ya want for nothing?",
		    "5bdcc146bf60754e6a042426089575c7"
		    "5a003f089d2739839dec58b964ec3843" },
		/* Test case 6: a key longer than the block */
		{ __LINE__, NULL, 0xaa, 131,
		    "Test Using Larger Than Block-Size Key - Hash Key First",
		    "60e431591ee0b67f0d8a26aacbf5b77f"
		    "8e0bc6213728c5140546040f0ee37f54" },
		/* Empty key and message */
		{ __LINE__, "", 0, 0, "",
		    "b613679a0814d9ec772f95d778c35fc5"
		    "ff1697c493715653c6c712144292c5ad" },
	};
	unsigned char	 key[256], mac[32];
	char		 hex[65];
	size_t		 i;

	for (i = 0; i < GH_NELEM(t); i++) {
		if (t[i].key == NULL)
			memset(key, t[i].key_byte, t[i].klen);
		else
			memcpy(key, t[i].key, t[i].klen);
		CU_ASSERT_EQUAL_FATAL(gh_hmac_sha256(key, t[i].klen, t[i].msg,
		    strlen(t[i].msg), mac), GH_OK);
		gh_hex(mac, sizeof(mac), hex);
		if (strcmp(hex, t[i].want) != 0)
			fprintf(stderr, "line %d: %s\n", t[i].line, hex);
		CU_ASSERT_STRING_EQUAL(hex, t[i].want);
	}
	CU_ASSERT_EQUAL(gh_hmac_sha256(NULL, 0, NULL, 0, mac), GH_OK);
	gh_hex(mac, sizeof(mac), hex);
	CU_ASSERT_STRING_EQUAL(hex, t[3].want);
}

/*
 * In a child, so that this process stays dumpable (LeakSanitizer and
 * debuggers want it): no core limit, not dumpable.  Exit codes say which
 * part failed.
 */
static void
test_nodump(void)
{
	struct rlimit	 rl;
	pid_t		 pid;
	int		 status;

	if ((pid = fork()) == 0) {
		if (gh_crypto_nodump() != GH_OK)
			_exit(1);
		if (getrlimit(RLIMIT_CORE, &rl) == -1 || rl.rlim_cur != 0 ||
		    rl.rlim_max != 0)
			_exit(2);
		_exit(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : 3);
	}
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
}

static const struct tcase tests[] = {
	TCASE(test_roundtrip),
	TCASE(test_roundtrip_large_append),
	TCASE(test_fresh_nonce),
	TCASE(test_tamper),
	TCASE(test_seal_cap),
	TCASE(test_key_create_load),
	TCASE(test_key_load_refused),
	TCASE(test_hmac_rfc4231),
	TCASE(test_nodump),
};
TMAIN("crypto", tests)
