/* SPDX-License-Identifier: ISC */
/*
 * gatectl_icyfire: icyfire's database and Fernet key, its four API tokens,
 * and the data the workers fetch (servers, domains, credentials, time
 * slots, posts) for operators and the demo.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "gatectl.h"
#include "icyfire.h"
#include "json.h"
#include "log.h"
#include "sections.h"

static int
open_icyfire(struct icyfire *f, unsigned flags)
{
	char	errbuf[512];

	if (icyfire_open(f, ctl_config, flags, errbuf, sizeof(errbuf)) != GH_OK)
		return ctl_fail("%s", errbuf);
	return CTL_OK;
}

/* init: the Fernet key file (made once) and the migrated database. */
int
ctl_icyfire_init(void)
{
	struct gh_conf	 c = { 0 };
	struct icyfire	 f;
	struct stat	 st;
	const char	*keyfile;
	char		 errbuf[512];
	int		 rc;

	if (gh_conf_load(&c, gatehouse_sections, ctl_config, errbuf,
	    sizeof(errbuf)) != GH_OK)
		return ctl_fail("%s", errbuf);
	keyfile = icyfire_conf_str(&c, ICYFIRE_CONF_FERNET_KEY_FILE);
	if (stat(keyfile, &st) == -1) {
		if (errno != ENOENT || fernet_key_create(keyfile) != GH_OK) {
			rc = ctl_fail("%s: cannot create the Fernet key file",
			    keyfile);
			gh_conf_free(&c);
			return rc;
		}
		fprintf(stderr, "gatectl: created Fernet key file %s\n",
		    keyfile);
	}
	gh_conf_free(&c);
	if ((rc = open_icyfire(&f, GH_DB_CREATE)) != CTL_OK)
		return rc;
	fprintf(stderr, "gatectl: icyfire databases %s and %s ready\n",
	    f.db.path, f.log.path);
	icyfire_close(&f);
	return CTL_OK;
}

/*
 * tokens generate: four new tokens, stored hashed, printed once as
 * "NAME TOKEN" lines.  tokens set: the four from files.
 */
static int
cmd_tokens(int argc, char *argv[])
{
	static const char *const opts[ICY_TOKEN__MAX] = {
		"--read-file", "--cred-file", "--delete-file", "--security-file"
	};
	struct icyfire	 f;
	char		 tok[ICY_TOKEN__MAX][GH_TOKEN_MAX + 2];
	const char	*file[ICY_TOKEN__MAX] = { NULL };
	long		 n[ICY_TOKEN__MAX];
	int		 i, j, rc = CTL_OK, gen;

	if (argc < 1)
		return CTL_USAGE;
	gen = strcmp(argv[0], "generate") == 0;
	if (gen && argc != 1)
		return CTL_USAGE;
	if (!gen) {
		if (strcmp(argv[0], "set") != 0 || argc != 9)
			return CTL_USAGE;
		for (i = 1; i < argc; i += 2) {
			for (j = 0; j < ICY_TOKEN__MAX; j++)
				if (strcmp(argv[i], opts[j]) == 0)
					break;
			if (j == ICY_TOKEN__MAX || file[j] != NULL)
				return CTL_USAGE;
			file[j] = argv[i + 1];
		}
	}
	for (i = 0; i < ICY_TOKEN__MAX; i++) {
		if (gen) {
			if (gh_token_new(tok[i]) != GH_OK) {
				rc = ctl_fail("cannot make a token");
				goto out;
			}
			n[i] = GH_TOKEN_LEN;
		} else if ((n[i] = ctl_read_secret(file[i], tok[i],
		    GH_TOKEN_MAX)) < 0) {
			rc = CTL_FAIL;
			goto out;
		} else if (strcspn(tok[i], "/&?%# \t") != (size_t)n[i]) {
			rc = ctl_fail("%s: a token may not hold / & ? %% # or "
			    "blanks", file[i]);
			goto out;
		}
	}
	if ((rc = open_icyfire(&f, 0)) != CTL_OK)
		goto out;
	for (i = 0; i < ICY_TOKEN__MAX && rc == CTL_OK; i++)
		if (icyfire_store_token_set(&f, (enum icy_token)i, tok[i],
		    (size_t)n[i]) != GH_OK)
			rc = ctl_fail("cannot store the %s token",
			    icy_token_names[i]);
	icyfire_close(&f);
	if (rc == CTL_OK && gen)
		for (i = 0; i < ICY_TOKEN__MAX; i++)
			printf("%s %s\n", icy_token_names[i], tok[i]);
out:
	OPENSSL_cleanse(tok, sizeof(tok));
	return rc;
}

static int
platform_index(const char *s)
{
	int	i;

	for (i = 0; i < ICY_PLATFORM__MAX; i++)
		if (strcmp(s, icy_platform_names[i]) == 0)
			return i;
	return -1;
}

/* Parse a positive id; -1 if it is not one. */
static long long
ctl_id(const char *s, long long max)
{
	const char	*errstr;
	long long	 v;

	v = gh_strtonum(s, 1, max, &errstr);
	return errstr ? -1 : v;
}

/*
 * credential set DOMAIN PLATFORM key=value…: every field of the platform,
 * each encrypted to a Fernet token, stored as a JSON object.
 */
static int
cmd_credential(struct icyfire *f, int argc, char *argv[])
{
	struct json_object	*o = NULL;
	struct gh_buf		 tok;
	const char		*eq, *json;
	size_t			 k, nf;
	int			 p, i, rc = CTL_OK, seen;

	if (argc < 4 || strcmp(argv[0], "set") != 0)
		return CTL_USAGE;
	if ((p = platform_index(argv[2])) < 0)
		return ctl_fail("%s: platforms are facebook, twitter, tumblr, "
		    "reddit", argv[2]);
	for (nf = 0; icy_platform_fields[p][nf] != NULL; nf++)
		continue;
	if ((size_t)(argc - 3) != nf)
		return ctl_fail("%s needs exactly the fields %s%s%s%s%s%s",
		    argv[2], icy_platform_fields[p][0],
		    nf > 1 ? ", " : "", nf > 1 ? icy_platform_fields[p][1] : "",
		    nf > 2 ? ", …" : "", "", "");
	gh_buf_init(&tok, 0);
	if ((o = json_object_new_object()) == NULL)
		return ctl_fail("out of memory");
	for (k = 0; k < nf; k++) {
		seen = 0;
		for (i = 3; i < argc; i++) {
			eq = strchr(argv[i], '=');
			if (eq == NULL || strlen(icy_platform_fields[p][k]) !=
			    (size_t)(eq - argv[i]) || strncmp(argv[i],
			    icy_platform_fields[p][k], (size_t)(eq - argv[i]))
			    != 0)
				continue;
			seen = 1;
			gh_buf_reset(&tok);
			if (fernet_encrypt(&f->key, eq + 1, strlen(eq + 1),
			    (uint64_t)gh_now(), NULL, &tok) != GH_OK ||
			    gh_json_add(o, icy_platform_fields[p][k],
			    json_object_new_string(tok.data)) != GH_OK) {
				rc = ctl_fail("cannot encrypt %s",
				    icy_platform_fields[p][k]);
				goto out;
			}
		}
		if (!seen) {
			rc = ctl_fail("%s: missing field %s", argv[2],
			    icy_platform_fields[p][k]);
			goto out;
		}
	}
	if ((json = gh_json_str(o, NULL)) == NULL ||
	    icyfire_store_credential_set(f, argv[1], argv[2], json) != GH_OK)
		rc = ctl_fail("%s: no such domain, or cannot store", argv[1]);
out:
	gh_buf_free(&tok);
	json_object_put(o);
	return rc;
}

/* post add DOMAIN PLATFORM --type T --body B [--link L] [--media-url U] */
static int
cmd_post_add(struct icyfire *f, int argc, char *argv[])
{
	const char	*type = NULL, *body = NULL, *link = NULL, *media = NULL;
	long long	 id;
	size_t		 t;
	int		 i;

	if (argc < 3 || (argc - 3) % 2 != 0)
		return CTL_USAGE;
	for (i = 3; i < argc; i += 2) {
		if (strcmp(argv[i], "--type") == 0)
			type = argv[i + 1];
		else if (strcmp(argv[i], "--body") == 0)
			body = argv[i + 1];
		else if (strcmp(argv[i], "--link") == 0)
			link = argv[i + 1];
		else if (strcmp(argv[i], "--media-url") == 0)
			media = argv[i + 1];
		else
			return CTL_USAGE;
	}
	if (type == NULL || body == NULL)
		return CTL_USAGE;
	for (t = 0; icy_post_types[t] != NULL; t++)
		if (strcmp(icy_post_types[t], type) == 0)
			break;
	if (icy_post_types[t] == NULL)
		return ctl_fail("%s: types are text, long, image, video", type);
	if (icyfire_store_post_add(f, argv[1], argv[2], type, body, link, media,
	    &id)
	    != GH_OK)
		return ctl_fail("%s %s: no such credential", argv[1], argv[2]);
	printf("%lld\n", id);
	return CTL_OK;
}

static void
post_print(const struct icy_post *p, const char *platform, void *arg)
{
	(void)arg;
	printf("%lld\t%s\t%s\t%s\t%s\t%s\n", p->id, platform, p->type, p->body,
	    p->link ? p->link : "-", p->media_url ? p->media_url : "-");
}

/* decrypt: a Fernet token on stdin, its plaintext on stdout. */
/* incidents prune --older-than DAYS: the count removed, on stdout. */
static int
cmd_prune(struct icyfire *f, const char *days)
{
	const char	*errstr;
	long long	 d, n;

	d = gh_strtonum(days, 0, 36500, &errstr);
	if (errstr != NULL)
		return ctl_fail("%s: not a number of days (0 to 36500)", days);
	if (icyfire_store_incident_prune(f, gh_now() - d * 86400, &n) != GH_OK)
		return ctl_fail("cannot prune the incidents");
	printf("%lld\n", n);
	return CTL_OK;
}

static int
cmd_decrypt(struct icyfire *f)
{
	char		line[8192];
	struct gh_buf	pt;
	size_t		n;
	int		rc = CTL_OK;

	if (fgets(line, sizeof(line), stdin) == NULL)
		return ctl_fail("no token on stdin");
	n = strcspn(line, "\r\n");
	gh_buf_init(&pt, 0);
	if (fernet_decrypt(&f->key, line, n, 0, 0, &pt) != GH_OK)
		rc = ctl_fail("not a token of this key");
	else if (pt.len > 0 && fwrite(pt.data, 1, pt.len, stdout) != pt.len)
		rc = CTL_FAIL;
	else
		putchar('\n');
	gh_buf_free(&pt);
	OPENSSL_cleanse(line, sizeof(line));
	return rc;
}

int
ctl_icyfire(int argc, char *argv[])
{
	struct icyfire	 f;
	long long	 id;
	int		 rc;
	enum gh_err	 err;

	if (argc < 1)
		return CTL_USAGE;
	if (strcmp(argv[0], "tokens") == 0)
		return cmd_tokens(argc - 1, argv + 1);
	if ((rc = open_icyfire(&f, 0)) != CTL_OK)
		return rc;
	rc = CTL_USAGE;
	if (strcmp(argv[0], "server") == 0 && argc == 3 &&
	    strcmp(argv[1], "add") == 0) {
		if ((id = ctl_id(argv[2], ICY_SERVER_MAX)) < 0)
			rc = ctl_fail("%s: not a server id", argv[2]);
		else if ((err = icyfire_store_server_add(&f, id)) != GH_OK)
			rc = ctl_fail("server %lld: %s", id, err ==
			    GH_ECONFLICT ? "exists" : gh_strerror(err));
		else
			rc = CTL_OK;
	} else if (strcmp(argv[0], "domain") == 0 && argc == 3 &&
	    strcmp(argv[1], "add") == 0) {
		if ((err = icyfire_store_domain_add(&f, argv[2])) != GH_OK)
			rc = ctl_fail("%s: %s", argv[2], err == GH_ECONFLICT ?
			    "exists" : gh_strerror(err));
		else
			rc = CTL_OK;
	} else if (strcmp(argv[0], "credential") == 0)
		rc = cmd_credential(&f, argc - 1, argv + 1);
	else if (strcmp(argv[0], "timeslot") == 0 && argc == 5 &&
	    strcmp(argv[1], "claim") == 0) {
		if ((id = ctl_id(argv[2], (long long)ICY_SERVER_MAX *
		    ICY_SLOTS_PER_SERVER)) < 0)
			rc = ctl_fail("%s: not a slot id", argv[2]);
		else if (icyfire_store_slot_claim(&f, id, argv[3],
		    argv[4]) != GH_OK)
			rc = ctl_fail("slot %lld, %s %s: no such slot or "
			    "credential", id, argv[3], argv[4]);
		else
			rc = CTL_OK;
	} else if (strcmp(argv[0], "post") == 0 && argc >= 2 &&
	    strcmp(argv[1], "add") == 0)
		rc = cmd_post_add(&f, argc - 1, argv + 1);
	else if (strcmp(argv[0], "post") == 0 && argc == 3 &&
	    strcmp(argv[1], "list") == 0)
		rc = icyfire_store_post_list(&f, argv[2], post_print,
		    NULL) == GH_OK ?
		    CTL_OK : ctl_fail("cannot list the posts");
	else if (strcmp(argv[0], "decrypt") == 0 && argc == 1)
		rc = cmd_decrypt(&f);
	else if (strcmp(argv[0], "incidents") == 0 && argc == 4 &&
	    strcmp(argv[1], "prune") == 0 &&
	    strcmp(argv[2], "--older-than") == 0)
		rc = cmd_prune(&f, argv[3]);
	icyfire_close(&f);
	return rc;
}
