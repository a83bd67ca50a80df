/* SPDX-License-Identifier: ISC */
/*
 * test_conf: every error with its line number, defaults, accepted values,
 * path resolution, the reference and the shipped example file.  Config
 * files are written to a fresh temporary directory.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "factory/factory.h"
#include "sections.h"
#include "util.h"
#include "tmain.h"

/* A key of [gatehouse] or [factory], as gh_conf_str() takes it. */
#define GH(k)		&gh_conf_gatehouse, GH_CONF_##k
#define FACTORY(k)	&factory_conf, FACTORY_CONF_##k

static char	tdir[PATH_MAX];	/* the suite's directory (a real path) */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void
rm_tdir(void)
{
	if (tdir[0] != '\0')
		nftw(tdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The suite's temporary directory, made on first use, removed at exit. */
static void
mkdir_fresh(void)
{
	char	tmpl[] = "/tmp/test_conf.XXXXXX";

	if (tdir[0] != '\0')
		return;
	CU_ASSERT_FATAL(mkdtemp(tmpl) != NULL);
	CU_ASSERT_FATAL(realpath(tmpl, tdir) != NULL);
	atexit(rm_tdir);
}

/* Make the directory tdir/name. */
static int
mkdir_sub(const char *name)
{
	char	path[PATH_MAX + 64];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", tdir, name) >=
	    sizeof(path))
		return -1;
	return mkdir(path, 0700) == -1 && errno != EEXIST ? -1 : 0;
}

/* Write n bytes of text to tdir/name and put its path in path. */
static void
write_file(const char *name, const char *text, size_t n, char *path,
    size_t pathsz)
{
	FILE	*fp;

	CU_ASSERT_FATAL((size_t)snprintf(path, pathsz, "%s/%s", tdir, name) <
	    pathsz);
	CU_ASSERT_FATAL((fp = fopen(path, "w")) != NULL);
	CU_ASSERT_FATAL(fwrite(text, 1, n, fp) == n);
	CU_ASSERT_FATAL(fclose(fp) == 0);
}

/* gh_conf_load() and gh_conf_load_env() with every service's section. */
static enum gh_err
load(struct gh_conf *c, const char *path, char *errbuf, size_t errsz)
{
	return gh_conf_load(c, gatehouse_sections, path, errbuf, errsz);
}

static enum gh_err
load_env(struct gh_conf *c, char *errbuf, size_t errsz)
{
	return gh_conf_load_env(c, gatehouse_sections, errbuf, errsz);
}

/* Load text as a config file; err and errbuf as gh_conf_load() left them. */
static enum gh_err
load_text(struct gh_conf *c, const char *text, char *path, size_t pathsz,
    char *errbuf, size_t errsz)
{
	write_file("gatehouse.conf", text, strlen(text), path, pathsz);
	return load(c, path, errbuf, errsz);
}

/* 1 when every owned member of c is empty (what a failed load leaves). */
static int
conf_is_empty(const struct gh_conf *c)
{
	return c->path == NULL && c->str == NULL && c->num == NULL &&
	    c->ntab == 0;
}

/*
 * Every section a load knows, [gatehouse] first, NULL-terminated; and
 * through def_at(), every key of them all in the order of the reference.
 */
static const struct gh_conf_table *
table_at(size_t i)
{
	return i == 0 ? &gh_conf_gatehouse : gatehouse_sections[i - 1];
}

/* The k-th key of all sections together (and its section), or NULL. */
static const struct gh_conf_def *
def_at(size_t k, const struct gh_conf_table **tp)
{
	const struct gh_conf_table	*t;
	size_t				 i;

	for (i = 0; (t = table_at(i)) != NULL; i++) {
		if (k < t->ndefs) {
			if (tp != NULL)
				*tp = t;
			return &t->defs[k];
		}
		k -= t->ndefs;
	}
	return NULL;
}

static void
test_errors(void)
{
	static const struct {
		int		 line;
		const char	*text;
		int		 errline;	/* 0: message without a line */
		const char	*msg;
	} t[] = {
		{ __LINE__, "[nope]\n", 1, "unknown section [nope]" },
		{ __LINE__, "[Factory]\n", 1, "unknown section [Factory]" },
		{ __LINE__, "[]\n", 1, "unknown section []" },
		{ __LINE__, "[gatehouse\n", 1, "section header without ']'" },
		{ __LINE__, "[gatehouse]\nnope = 1\n", 2,
		    "unknown key nope in [gatehouse]" },
		{ __LINE__, "[factory]\nstate_dir = /x\n", 2,
		    "unknown key state_dir in [factory]" },
		{ __LINE__, "state_dir = /x\n", 1,
		    "key state_dir outside a section" },
		{ __LINE__, "# c\n\nmode = test\n[factory]\n", 3,
		    "key mode outside a section" },
		{ __LINE__, "[gatehouse]\nstate_dir = /a\n\nstate_dir = /b\n", 4,
		    "duplicate key state_dir (first set on line 2)" },
		{ __LINE__, "[factory]\nmode = test\n[gatehouse]\n[factory]\n"
		    "mode = test\n", 5,
		    "duplicate key mode (first set on line 2)" },
		{ __LINE__, "[gatehouse]\njunk\n", 2,
		    "expected \"key = value\" or \"[section]\"" },
		{ __LINE__, "[gatehouse]\n = 5\n", 2, "missing key before '='" },
		{ __LINE__, "[factory]\nmax_body = abc\n", 2,
		    "max_body: \"abc\" is not an integer" },
		{ __LINE__, "[factory]\nmax_body =\n", 2,
		    "max_body: \"\" is not an integer" },
		{ __LINE__, "[factory]\nmax_body = 16k\n", 2,
		    "max_body: \"16k\" is not an integer" },
		{ __LINE__, "[factory]\nmax_body = 1.5\n", 2,
		    "max_body: \"1.5\" is not an integer" },
		{ __LINE__, "[factory]\nmax_body = 255\n", 2,
		    "max_body: 255 is out of range 256..1048576" },
		{ __LINE__, "[factory]\nmax_body = 1048577\n", 2,
		    "max_body: 1048577 is out of range 256..1048576" },
		{ __LINE__, "[factory]\nmax_body = -1\n", 2,
		    "max_body: -1 is out of range 256..1048576" },
		{ __LINE__, "[factory]\nmax_body = 99999999999999999999999\n",
		    2, "max_body: 99999999999999999999999 is out of range" },
		{ __LINE__, "[factory]\nregistrar_timeout_ms = 99\n", 2,
		    "registrar_timeout_ms: 99 is out of range 100..60000" },
		{ __LINE__, "[factory]\ndeploy_timeout_s = 0\n", 2,
		    "deploy_timeout_s: 0 is out of range 1..86400" },
		{ __LINE__, "[factory]\ndeploy_timeout_s = 86401\n", 2,
		    "deploy_timeout_s: 86401 is out of range 1..86400" },
		{ __LINE__, "[gatehouse]\nlog_requests = yes\n"
		    "database = postgresql://gh:s3cret@db/gh\n", 3,
		    "database: the URI carries a password; put it in "
		    "~/.pgpass" },
		{ __LINE__, "[gatehouse]\ndatabase = mysql://db/gh\n", 2,
		    "database: neither sqlite nor a postgresql:// URI" },
		{ __LINE__, "[gatehouse]\ndatabase = postgresql://db/gh?x=1\n",
		    2, "database: not a URI libpq can parse" },
		{ __LINE__, "[gatehouse]\nlog_requests = maybe\n", 2,
		    "log_requests: \"maybe\" is not a boolean (yes/no, "
		    "true/false, on/off, 1/0)" },
		{ __LINE__, "[factory]\nallow_http_callback = 2\n", 2,
		    "allow_http_callback: \"2\" is not a boolean" },
		{ __LINE__, "[factory]\nmode = prod\n", 2,
		    "mode: \"prod\" is not one of test, live" },
		{ __LINE__, "[factory]\nmode = Live\n", 2,
		    "mode: \"Live\" is not one of test, live" },
		{ __LINE__, "[factory]\nregistrar = remote\n", 2,
		    "registrar: \"remote\" is not one of test, local, command" },
		{ __LINE__, "[gatehouse]\nkey_file = \"abc\n", 2,
		    "key_file: unterminated quote" },
		{ __LINE__, "[gatehouse]\nkey_file = \"\n", 2,
		    "key_file: unterminated quote" },
		{ __LINE__, "[gatehouse]\nkey_file =\n", 2,
		    "key_file: a path must not be empty" },
		{ __LINE__, "[gatehouse]\nstate_dir = \"\"\n", 2,
		    "state_dir: a path must not be empty" },
		/* Outside text in a message is escaped. */
		{ __LINE__, "[factory]\nmode = a\x1b[2Jb\n", 2,
		    "mode: \"a\\x1b[2Jb\" is not one of test, live" },
		/* Comment and blank lines still count. */
		{ __LINE__, "# one\n; two\n\n   \n[factory]\n\tmode = x\n", 6,
		    "mode: \"x\" is not one of" },
		{ __LINE__, "[factory]\r\nmode = x\r\n", 2,
		    "mode: \"x\" is not one of" },
		/* Checks across keys name both and no line. */
		{ __LINE__, "[factory]\nregistrar = command\n", 0,
		    "[factory] registrar = command needs [factory] "
		    "registrar_command" },
		{ __LINE__, "[factory]\nregistrar = command\n"
		    "registrar_command = \"\"\n", 0,
		    "[factory] registrar = command needs [factory] "
		    "registrar_command" },
		{ __LINE__, "[factory]\nregistrar = test\n", 0,
		    "[factory] registrar = test needs [factory] mode = test" },
		{ __LINE__, "[factory]\nregistrar = test\nmode = live\n", 0,
		    "[factory] registrar = test needs [factory] mode = test" },
		/* Integer lists: every item checked. */
		{ __LINE__, "[factory]\ncallback_schedule =\n", 2,
		    "callback_schedule: \"\": empty item" },
		{ __LINE__, "[factory]\ncallback_schedule = 5,,6\n", 2,
		    "callback_schedule: \"5,,6\": empty item" },
		{ __LINE__, "[factory]\ncallback_schedule = 5,\n", 2,
		    "callback_schedule: \"5,\": empty item" },
		{ __LINE__, "[factory]\ncallback_schedule = 5;6\n", 2,
		    "callback_schedule: \"5;6\": not a list of integers" },
		{ __LINE__, "[factory]\ncallback_schedule = 5 6\n", 2,
		    "callback_schedule: \"5 6\": not a list of integers" },
		{ __LINE__, "[factory]\ncallback_schedule = 5,0\n", 2,
		    "callback_schedule: \"5,0\": a number is out of range" },
		{ __LINE__, "[factory]\ncallback_schedule = 604801\n", 2,
		    "callback_schedule: \"604801\": a number is out of range" },
		{ __LINE__, "[factory]\ncallback_schedule = "
		    "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
		    "1,1,1\n", 2, "callback_schedule: \"1,1,1,1,1,1,1,1,1,1,1,1,"
		    "1,1,1,1,1,1,1,1,1,1,...\": too many numbers" },
		{ __LINE__, "[factory]\n\nworker_program = gatehouse-worker\n",
		    3, "worker_program: must be an absolute path or empty" },
	};
	struct gh_conf	 c;
	char		 path[PATH_MAX], errbuf[512], want[PATH_MAX + 32];
	enum gh_err	 err;
	size_t		 i;

	mkdir_fresh();
	for (i = 0; i < GH_NELEM(t); i++) {
		memset(&c, 0, sizeof(c));
		err = load_text(&c, t[i].text, path, sizeof(path), errbuf,
		    sizeof(errbuf));
		if (t[i].errline > 0)
			snprintf(want, sizeof(want), "%s:%d: %s", path,
			    t[i].errline, t[i].msg);
		else
			snprintf(want, sizeof(want), "%s: %s", path, t[i].msg);
		if (err != GH_ECONFIG ||
		    strncmp(errbuf, want, strlen(want)) != 0)
			fprintf(stderr, "line %d: err %d, \"%s\"\n", t[i].line,
			    err, errbuf);
		CU_ASSERT_EQUAL(err, GH_ECONFIG);
		CU_ASSERT_NSTRING_EQUAL(errbuf, want, strlen(want));
		/* A database password is never repeated back. */
		TROW(t[i].line, strstr(errbuf, "s3cret") == NULL);
		CU_ASSERT(conf_is_empty(&c));
		gh_conf_free(&c);
	}
}

/* A line of exactly 4096 bytes is fine; 4097 is an error naming its line. */
static void
test_line_length(void)
{
	struct gh_conf	 c;
	char		 text[8192], path[PATH_MAX], errbuf[512];
	char		 want[PATH_MAX + 64];
	size_t		 n;

	mkdir_fresh();
	memset(&c, 0, sizeof(c));

	/* "[factory]\n", "deploy_command = " and 4079 'x': 4096 bytes. */
	n = (size_t)snprintf(text, sizeof(text), "[factory]\ndeploy_command = ");
	memset(text + n, 'x', 4096 - 17);
	n += 4096 - 17;
	text[n] = '\0';
	CU_ASSERT_EQUAL(strlen(text + 10), 4096);
	/* Too long for the STR cap of 1024 but not for the line cap. */
	CU_ASSERT_EQUAL(load_text(&c, text, path, sizeof(path), errbuf,
	    sizeof(errbuf)), GH_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(errbuf,
	    ":2: deploy_command: value longer than 1024 bytes"));

	/* A 4096-byte comment line followed by a good line. */
	text[0] = '#';
	memset(text + 1, 'c', 4095);
	gh_strlcpy(text + 4096, "\n[factory]\nmode = test\n",
	    sizeof(text) - 4096);
	CU_ASSERT_EQUAL(load_text(&c, text, path, sizeof(path), errbuf,
	    sizeof(errbuf)), GH_OK);
	gh_conf_free(&c);

	/* 4097 bytes. */
	text[0] = '#';
	memset(text + 1, 'c', 4096);
	gh_strlcpy(text + 4097, "\n[factory]\nmode = test\n",
	    sizeof(text) - 4097);
	CU_ASSERT_EQUAL(load_text(&c, text, path, sizeof(path), errbuf,
	    sizeof(errbuf)), GH_ECONFIG);
	snprintf(want, sizeof(want), "%s:1: line longer than 4096 bytes",
	    path);
	CU_ASSERT_STRING_EQUAL(errbuf, want);

	/* The next line's number is still right after a long line. */
	memset(text, ' ', 5000);
	gh_strlcpy(text + 5000, "\n[factory]\n", sizeof(text) - 5000);
	CU_ASSERT_EQUAL(load_text(&c, text, path, sizeof(path), errbuf,
	    sizeof(errbuf)), GH_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(errbuf, ":1: line longer than"));

	/* No newline at the end of the file. */
	CU_ASSERT_EQUAL(load_text(&c, "[factory]\nmode = test", path,
	    sizeof(path), errbuf, sizeof(errbuf)), GH_OK);
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, FACTORY(MODE)), "test");
	gh_conf_free(&c);
}

static void
test_nul_byte(void)
{
	static const char	 text[] = "[factory]\nmode = te\0st\n";
	struct gh_conf		 c;
	char			 path[PATH_MAX], errbuf[512];

	mkdir_fresh();
	memset(&c, 0, sizeof(c));
	write_file("nul.conf", text, sizeof(text) - 1, path, sizeof(path));
	CU_ASSERT_EQUAL(load(&c, path, errbuf, sizeof(errbuf)), GH_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(errbuf, ":2: NUL byte in line"));
	CU_ASSERT(conf_is_empty(&c));
}

static void
test_missing_file(void)
{
	struct gh_conf	 c;
	char		 errbuf[512];

	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(load(&c, "/nonexistent/gatehouse.conf",
	    errbuf, sizeof(errbuf)), GH_EIO);
	CU_ASSERT_STRING_EQUAL(errbuf,
	    "/nonexistent/gatehouse.conf: No such file or directory");
	CU_ASSERT(conf_is_empty(&c));
	/* A directory is not a config file. */
	CU_ASSERT_NOT_EQUAL(load(&c, "/", errbuf, sizeof(errbuf)),
	    GH_OK);
	CU_ASSERT(conf_is_empty(&c));
}

/* A short or absent error buffer is never overrun. */
static void
test_small_errbuf(void)
{
	struct gh_conf	 c;
	char		 path[PATH_MAX], errbuf[16];

	mkdir_fresh();
	memset(&c, 0, sizeof(c));
	memset(errbuf, 'Z', sizeof(errbuf));
	CU_ASSERT_EQUAL(load_text(&c, "[nope]\n", path, sizeof(path), errbuf,
	    8), GH_ECONFIG);
	CU_ASSERT_EQUAL(strlen(errbuf), 7);
	CU_ASSERT_EQUAL(errbuf[8], 'Z');
	CU_ASSERT_EQUAL(load_text(&c, "[nope]\n", path, sizeof(path), NULL,
	    0), GH_ECONFIG);
	CU_ASSERT(conf_is_empty(&c));
}

static void
test_defaults(void)
{
	struct gh_conf	 c;
	char		 path[PATH_MAX], errbuf[512];

	mkdir_fresh();
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL_FATAL(load_text(&c, "", path, sizeof(path), errbuf,
	    sizeof(errbuf)), GH_OK);
	CU_ASSERT_STRING_EQUAL(c.path, path);
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, GH(STATE_DIR)),
	    "/var/lib/gatehouse");
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, GH(KEY_FILE)),
	    "/var/lib/gatehouse/secret.key");
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, GH(LOG_REQUESTS)), "no");
	CU_ASSERT_EQUAL(gh_conf_int(&c, GH(LOG_REQUESTS)), 0);
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, FACTORY(MODE)), "live");
	CU_ASSERT_EQUAL(gh_conf_int(&c, FACTORY(MODE)), 1);
	CU_ASSERT_EQUAL(gh_conf_int(&c, FACTORY(MAX_BODY)), 16384);
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, FACTORY(MAX_BODY)),
	    "16384");
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, FACTORY(REGISTRAR)),
	    "local");
	CU_ASSERT_EQUAL(gh_conf_int(&c, FACTORY(REGISTRAR)), 1);
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c,
	    FACTORY(REGISTRAR_COMMAND)), "");
	CU_ASSERT_EQUAL(gh_conf_int(&c, FACTORY(REGISTRAR_TIMEOUT)), 5000);
	CU_ASSERT_EQUAL(gh_conf_int(&c, FACTORY(ALLOW_HTTP_CALLBACK)), 0);
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c,
	    FACTORY(ALLOW_HTTP_CALLBACK)), "no");
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, FACTORY(DEPLOY_COMMAND)),
	    "");
	CU_ASSERT_EQUAL(gh_conf_int(&c, FACTORY(DEPLOY_TIMEOUT)), 600);
	gh_conf_free(&c);
	CU_ASSERT(conf_is_empty(&c));
	gh_conf_free(&c);	/* twice is fine */
}

/* Every key in the table is complete and its default loads. */
static void
test_table(void)
{
	const struct gh_conf_table	*t, *u;
	const struct gh_conf_def	*d, *e;
	size_t				 i, j;

	for (i = 0; (d = def_at(i, &t)) != NULL; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(t->section);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d->key);
		CU_ASSERT_PTR_NOT_NULL(d->doc);
		CU_ASSERT(d->type < GH_CONF_TYPE__MAX);
		CU_ASSERT(d->def != NULL || (d->flags & GH_CONF_REQUIRED));
		if (d->type == GH_CONF_ENUM)
			CU_ASSERT_PTR_NOT_NULL(d->choices);
		if (d->type == GH_CONF_INT || d->type == GH_CONF_STR ||
		    d->type == GH_CONF_PATH)
			CU_ASSERT(d->min <= d->max);
		for (j = 0; j < i; j++) {
			e = def_at(j, &u);
			CU_ASSERT(strcmp(t->section, u->section) != 0 ||
			    strcmp(d->key, e->key) != 0);
		}
	}
}

static void
test_values(void)
{
	static const struct {
		int		 line;
		const char	*text;
		const struct gh_conf_table *tab;
		size_t		 key;
		const char	*str;
		long long	 num;
	} t[] = {
		{ __LINE__, "[gatehouse]\nlog_requests = yes\n",
		    GH(LOG_REQUESTS), "yes", 1 },
		{ __LINE__, "[gatehouse]\nlog_requests = No\n",
		    GH(LOG_REQUESTS), "no", 0 },
		{ __LINE__, "[gatehouse]\nlog_requests = TRUE\n",
		    GH(LOG_REQUESTS), "yes", 1 },
		{ __LINE__, "[gatehouse]\nlog_requests = false\n",
		    GH(LOG_REQUESTS), "no", 0 },
		{ __LINE__, "[gatehouse]\nlog_requests = on\n",
		    GH(LOG_REQUESTS), "yes", 1 },
		{ __LINE__, "[gatehouse]\nlog_requests = off\n",
		    GH(LOG_REQUESTS), "no", 0 },
		{ __LINE__, "[gatehouse]\nlog_requests = 1\n",
		    GH(LOG_REQUESTS), "yes", 1 },
		{ __LINE__, "[gatehouse]\nlog_requests = \"0\"\n",
		    GH(LOG_REQUESTS), "no", 0 },
		{ __LINE__, "[factory]\nmax_body = 256\n",
		    FACTORY(MAX_BODY), "256", 256 },
		{ __LINE__, "[factory]\nmax_body=1048576\n",
		    FACTORY(MAX_BODY), "1048576", 1048576 },
		{ __LINE__, "[factory]\n\tmax_body\t=\t 4096 \t\n",
		    FACTORY(MAX_BODY), "4096", 4096 },
		{ __LINE__, "  [ factory ]  \nregistrar_timeout_ms = 100\n",
		    FACTORY(REGISTRAR_TIMEOUT), "100", 100 },
		{ __LINE__, "[factory]\nregistrar_timeout_ms = 60000\n",
		    FACTORY(REGISTRAR_TIMEOUT), "60000", 60000 },
		{ __LINE__, "[factory]\ndeploy_timeout_s = 1\n",
		    FACTORY(DEPLOY_TIMEOUT), "1", 1 },
		{ __LINE__, "[factory]\ndeploy_timeout_s = 86400\n",
		    FACTORY(DEPLOY_TIMEOUT), "86400", 86400 },
		{ __LINE__, "[factory]\nmode = test\n",
		    FACTORY(MODE), "test", 0 },
		{ __LINE__, "[factory]\nmode = \"live\"\n",
		    FACTORY(MODE), "live", 1 },
		{ __LINE__, "[factory]\nmode = test\nregistrar = test\n",
		    FACTORY(REGISTRAR), "test", 0 },
		{ __LINE__, "[factory]\nregistrar = command\n"
		    "registrar_command = /usr/bin/reg\n",
		    FACTORY(REGISTRAR), "command", 2 },
		{ __LINE__, "[factory]\nregistrar = command\n"
		    "registrar_command = /usr/bin/reg\n",
		    FACTORY(REGISTRAR_COMMAND), "/usr/bin/reg", 0 },
		/* Quotes keep spaces and '#'; a comment takes a whole line. */
		{ __LINE__, "[factory]\ndeploy_command = \"  /x y  \"\n",
		    FACTORY(DEPLOY_COMMAND), "  /x y  ", 0 },
		{ __LINE__, "[factory]\ndeploy_command = \"#x\"\n",
		    FACTORY(DEPLOY_COMMAND), "#x", 0 },
		{ __LINE__, "[factory]\ndeploy_command = /x # y\n",
		    FACTORY(DEPLOY_COMMAND), "/x # y", 0 },
		{ __LINE__, "[factory]\ndeploy_command = a=b\n",
		    FACTORY(DEPLOY_COMMAND), "a=b", 0 },
		{ __LINE__, "[factory]\ndeploy_command = \"\"\"\n",
		    FACTORY(DEPLOY_COMMAND), "\"", 0 },
		{ __LINE__, "[factory]\n# mode = test\n; mode = test\n",
		    FACTORY(MODE), "live", 1 },
		/* An INTLIST's number is its count. */
		{ __LINE__, "[factory]\ncallback_schedule = 1\n",
		    FACTORY(CALLBACK_SCHEDULE), "1", 1 },
		{ __LINE__, "[factory]\ncallback_schedule =  5 , 300,1800 \n",
		    FACTORY(CALLBACK_SCHEDULE), "5 , 300,1800", 3 },
		{ __LINE__, "[factory]\ncallback_schedule = "
		    "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
		    "1,604800\n", FACTORY(CALLBACK_SCHEDULE),
		    "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
		    "1,604800", 32 },
		{ __LINE__, "[factory]\n", FACTORY(CALLBACK_SCHEDULE),
		    "5,300,1800,7200,18000,36000,36000,86400,86400", 9 },
		{ __LINE__, "[factory]\nworker_program =\n",
		    FACTORY(WORKER_PROGRAM), "", 0 },
		{ __LINE__, "[factory]\nwebhook_signatures = no\n",
		    FACTORY(WEBHOOK_SIGNATURES), "no", 0 },
		{ __LINE__, "[factory]\n", FACTORY(WEBHOOK_SIGNATURES),
		    "yes", 1 },
	};
	struct gh_conf	 c;
	char		 path[PATH_MAX], errbuf[512];
	enum gh_err	 err;
	size_t		 i;

	mkdir_fresh();
	for (i = 0; i < GH_NELEM(t); i++) {
		memset(&c, 0, sizeof(c));
		err = load_text(&c, t[i].text, path, sizeof(path), errbuf,
		    sizeof(errbuf));
		if (err != GH_OK)
			fprintf(stderr, "line %d: %s\n", t[i].line, errbuf);
		CU_ASSERT_EQUAL_FATAL(err, GH_OK);
		if (strcmp(gh_conf_str(&c, t[i].tab, t[i].key),
		    t[i].str) != 0 ||
		    gh_conf_int(&c, t[i].tab, t[i].key) != t[i].num)
			fprintf(stderr, "line %d: got \"%s\" %lld\n",
			    t[i].line, gh_conf_str(&c, t[i].tab, t[i].key),
			    gh_conf_int(&c, t[i].tab, t[i].key));
		CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, t[i].tab, t[i].key),
		    t[i].str);
		CU_ASSERT_EQUAL(gh_conf_int(&c, t[i].tab, t[i].key), t[i].num);
		gh_conf_free(&c);
	}
}

/* Relative paths: state_dir from the file's directory, the rest from it. */
static void
test_paths(void)
{
	static const struct {
		int		 line;
		const char	*text;
		const char	*state;		/* "@" stands for tdir */
		const char	*key;
	} t[] = {
		{ __LINE__, "[gatehouse]\nstate_dir = state\n",
		    "@/state", "@/state/secret.key" },
		{ __LINE__, "[gatehouse]\nstate_dir = ./a/../b/\n",
		    "@/b", "@/b/secret.key" },
		{ __LINE__, "[gatehouse]\nstate_dir = .\n", "@", "@/secret.key" },
		{ __LINE__, "[gatehouse]\nstate_dir = /srv/gh\n"
		    "key_file = keys/x.key\n", "/srv/gh", "/srv/gh/keys/x.key" },
		{ __LINE__, "[gatehouse]\nstate_dir = /srv/gh\n"
		    "key_file = /etc/gh.key\n", "/srv/gh", "/etc/gh.key" },
		{ __LINE__, "[gatehouse]\nstate_dir = /\n", "/", "/secret.key" },
		{ __LINE__, "[gatehouse]\nstate_dir = /a//b/./c/..\n"
		    "key_file = ../k\n", "/a/b", "/a/k" },
		{ __LINE__, "[gatehouse]\nstate_dir = /../../x\n", "/x",
		    "/x/secret.key" },
		{ __LINE__, "[gatehouse]\nkey_file = \"my key\"\n",
		    "/var/lib/gatehouse", "/var/lib/gatehouse/my key" },
	};
	struct gh_conf	 c;
	char		 path[PATH_MAX], errbuf[512], want[PATH_MAX + 64];
	size_t		 i;

	mkdir_fresh();
	for (i = 0; i < GH_NELEM(t); i++) {
		memset(&c, 0, sizeof(c));
		CU_ASSERT_EQUAL_FATAL(load_text(&c, t[i].text, path,
		    sizeof(path), errbuf, sizeof(errbuf)), GH_OK);
		if (t[i].state[0] == '@')
			snprintf(want, sizeof(want), "%s%s", tdir,
			    t[i].state + 1);
		else
			snprintf(want, sizeof(want), "%s", t[i].state);
		if (strcmp(gh_conf_str(&c, GH(STATE_DIR)), want) != 0)
			fprintf(stderr, "line %d: state_dir %s\n", t[i].line,
			    gh_conf_str(&c, GH(STATE_DIR)));
		CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, GH(STATE_DIR)), want);
		if (t[i].key[0] == '@')
			snprintf(want, sizeof(want), "%s%s", tdir,
			    t[i].key + 1);
		else
			snprintf(want, sizeof(want), "%s", t[i].key);
		if (strcmp(gh_conf_str(&c, GH(KEY_FILE)), want) != 0)
			fprintf(stderr, "line %d: key_file %s\n", t[i].line,
			    gh_conf_str(&c, GH(KEY_FILE)));
		CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, GH(KEY_FILE)), want);
		gh_conf_free(&c);
	}
}

/* A config file named relative to the current directory. */
static void
test_paths_relative_file(void)
{
	struct gh_conf	 c;
	char		 cwd[PATH_MAX], path[PATH_MAX], errbuf[512];
	char		 want[PATH_MAX + 64];

	mkdir_fresh();
	memset(&c, 0, sizeof(c));
	CU_ASSERT_FATAL(getcwd(cwd, sizeof(cwd)) != NULL);
	CU_ASSERT_FATAL(mkdir_sub("etc") == 0);
	write_file("etc/g.conf", "[gatehouse]\nstate_dir = ../var\n",
	    strlen("[gatehouse]\nstate_dir = ../var\n"), path, sizeof(path));
	CU_ASSERT_FATAL(chdir(tdir) == 0);
	CU_ASSERT_EQUAL(load(&c, "etc/g.conf", errbuf,
	    sizeof(errbuf)), GH_OK);
	CU_ASSERT_FATAL(chdir(cwd) == 0);
	snprintf(want, sizeof(want), "%s/var", tdir);
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, GH(STATE_DIR)), want);
	CU_ASSERT_STRING_EQUAL(c.path, "etc/g.conf");
	gh_conf_free(&c);
}

/* A path that resolves too long is refused with the line that set it. */
static void
test_path_too_long(void)
{
	struct gh_conf	 c;
	char		 text[3000], path[PATH_MAX], errbuf[512];
	size_t		 n;

	mkdir_fresh();
	memset(&c, 0, sizeof(c));
	n = (size_t)snprintf(text, sizeof(text),
	    "[gatehouse]\nstate_dir = /");
	memset(text + n, 's', 1000);
	n += 1000;
	n += (size_t)snprintf(text + n, sizeof(text) - n,
	    "\n\nkey_file = ");
	memset(text + n, 'k', 100);
	n += 100;
	gh_strlcpy(text + n, "\n", sizeof(text) - n);
	CU_ASSERT_EQUAL(load_text(&c, text, path, sizeof(path), errbuf,
	    sizeof(errbuf)), GH_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(errbuf,
	    ":4: key_file: resolves to a path longer than 1024 bytes"));
	CU_ASSERT(conf_is_empty(&c));
}

static void
test_load_env(void)
{
	struct gh_conf	 c;
	char		 path[PATH_MAX], errbuf[512];

	mkdir_fresh();
	memset(&c, 0, sizeof(c));
	write_file("env.conf", "[factory]\nmode = test\n",
	    strlen("[factory]\nmode = test\n"), path, sizeof(path));
	CU_ASSERT_FATAL(setenv("GATEHOUSE_CONFIG", path, 1) == 0);
	CU_ASSERT_EQUAL(load_env(&c, errbuf, sizeof(errbuf)), GH_OK);
	CU_ASSERT_STRING_EQUAL(c.path, path);
	gh_conf_free(&c);
	/* gh_conf_load() without a path reads the same file. */
	CU_ASSERT_EQUAL(load(&c, NULL, errbuf, sizeof(errbuf)), GH_OK);
	CU_ASSERT_STRING_EQUAL(c.path, path);
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, FACTORY(MODE)), "test");
	gh_conf_free(&c);

	/* Unset: the built-in path, named in the error if it is missing. */
	CU_ASSERT_FATAL(unsetenv("GATEHOUSE_CONFIG") == 0);
	if (load_env(&c, errbuf, sizeof(errbuf)) != GH_OK)
		CU_ASSERT_NSTRING_EQUAL(errbuf,
		    GH_SYSCONFDIR "/gatehouse/gatehouse.conf:",
		    strlen(GH_SYSCONFDIR "/gatehouse/gatehouse.conf:"));
	gh_conf_free(&c);
}

/* The shipped example loads cleanly and mentions every key. */
static void
test_example(void)
{
	const struct gh_conf_def	*d;
	struct gh_conf	 c;
	const char	*srcdir;
	char		 path[PATH_MAX], errbuf[512], text[16384];
	char		 needle[128];
	FILE		*fp;
	size_t		 i, n;

	memset(&c, 0, sizeof(c));
	if ((srcdir = getenv("srcdir")) == NULL)
		srcdir = ".";
	snprintf(path, sizeof(path), "%s/httpd-conf/gatehouse.conf.example",
	    srcdir);
	if (load(&c, path, errbuf, sizeof(errbuf)) != GH_OK)
		fprintf(stderr, "%s\n", errbuf);
	CU_ASSERT_FATAL(c.path != NULL);
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, FACTORY(MODE)), "live");
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, FACTORY(REGISTRAR)),
	    "local");
	CU_ASSERT_STRING_EQUAL(gh_conf_str(&c, GH(STATE_DIR)),
	    "/var/lib/gatehouse");
	gh_conf_free(&c);

	CU_ASSERT_FATAL((fp = fopen(path, "r")) != NULL);
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	for (i = 0; (d = def_at(i, NULL)) != NULL; i++) {
		snprintf(needle, sizeof(needle), "\n%s = ", d->key);
		if (strstr(text, needle) == NULL)
			snprintf(needle, sizeof(needle), "\n%s =\n", d->key);
		if (strstr(text, needle) == NULL)
			fprintf(stderr, "example lacks %s\n", d->key);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, needle));
	}
}

/* An INTLIST's numbers, in order, as many as fit. */
static void
test_intlist(void)
{
	struct gh_conf	 c;
	char		 path[PATH_MAX], errbuf[512];
	long long	 v[GH_CONF_LIST_MAX];

	mkdir_fresh();
	memset(&c, 0, sizeof(c));
	CU_ASSERT_FATAL(load_text(&c, "[factory]\ncallback_schedule = "
	    "7, 60 ,3600\n", path, sizeof(path), errbuf, sizeof(errbuf)) ==
	    GH_OK);
	CU_ASSERT_EQUAL_FATAL(gh_conf_intlist(&c,
	    FACTORY(CALLBACK_SCHEDULE), v, GH_NELEM(v)), 3);
	CU_ASSERT_EQUAL(v[0], 7);
	CU_ASSERT_EQUAL(v[1], 60);
	CU_ASSERT_EQUAL(v[2], 3600);
	v[1] = -1;
	CU_ASSERT_EQUAL(gh_conf_intlist(&c, FACTORY(CALLBACK_SCHEDULE),
	    v, 1), 1);
	CU_ASSERT_EQUAL(v[1], -1);	/* nothing past max is written */
	gh_conf_free(&c);
}

static void
test_doc(void)
{
	const struct gh_conf_def	*d;
	char	*text = NULL;
	char	 needle[64];
	size_t	 len = 0;
	FILE	*fp;
	size_t	 i;

	CU_ASSERT_FATAL((fp = open_memstream(&text, &len)) != NULL);
	gh_conf_doc(fp, gatehouse_sections);
	CU_ASSERT_FATAL(fclose(fp) == 0);
	CU_ASSERT_NSTRING_EQUAL(text, "### [gatehouse]\n\n"
	    "| key | type | default | values | description |\n|---|",
	    strlen("### [gatehouse]\n\n"
	    "| key | type | default | values | description |\n|---|"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n\n### [factory]\n\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
	    "| `max_body` | integer | `16384` | 256 to 1048576 | "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
	    "| `mode` | choice | `live` | `test`, `live` | "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
	    "| `registrar_command` | string | empty | up to 1024 bytes | "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
	    "| `log_requests` | boolean | `no` | yes, no | "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "| `callback_schedule` | "
	    "integer list | `5,300,1800,7200,18000,36000,36000,86400,86400` | 1 to 32 of "
	    "1 to 604800, comma-separated | "));
	for (i = 0; (d = def_at(i, NULL)) != NULL; i++) {
		snprintf(needle, sizeof(needle), "| `%s` |", d->key);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, needle));
	}
	free(text);
}

/*
 * The README's configuration reference is generated (`make
 * readme-reference`), never pasted: it must be what gh_conf_doc() writes.
 */
/*
 * text (of *len bytes, owned) with every GH_SBINDIR, the configured
 * sbindir that defaults name, spelt as the default prefix's: a new buffer
 * in place of text, or NULL when out of memory.
 */
static char *
unprefix(char *text, size_t *len)
{
	static const char	 def[] = "/usr/local/sbin";
	const char		*from = GH_SBINDIR, *p, *q;
	size_t			 fl = strlen(from), n = 0, k = 0;
	char			*out;

	if (fl == 0 || strcmp(from, def) == 0)
		return text;
	for (p = text; (q = strstr(p, from)) != NULL; p = q + fl)
		k++;
	if ((out = malloc(*len + k * (sizeof(def) - 1) + 1)) == NULL) {
		free(text);
		return NULL;
	}
	for (p = text; (q = strstr(p, from)) != NULL; p = q + fl) {
		memcpy(out + n, p, (size_t)(q - p));
		n += (size_t)(q - p);
		memcpy(out + n, def, sizeof(def) - 1);
		n += sizeof(def) - 1;
	}
	memcpy(out + n, p, strlen(p) + 1);
	n += strlen(p);
	free(text);
	*len = n;
	return out;
}

static void
test_readme(void)
{
	static const char	 begin[] = "<!-- BEGIN config-reference";
	static const char	 end[] = "<!-- END config-reference -->";
	const char		*srcdir, *b, *e;
	char			 path[PATH_MAX], *readme, *text = NULL;
	size_t			 n, len = 0;
	FILE			*fp;

	if ((srcdir = getenv("srcdir")) == NULL)
		srcdir = ".";
	snprintf(path, sizeof(path), "%s/README.md", srcdir);
	CU_ASSERT_FATAL((fp = fopen(path, "r")) != NULL);
	CU_ASSERT_FATAL((readme = calloc(1, 1 << 20)) != NULL);
	n = fread(readme, 1, (1 << 20) - 1, fp);
	fclose(fp);
	readme[n] = '\0';
	CU_ASSERT_PTR_NOT_NULL_FATAL(b = strstr(readme, begin));
	CU_ASSERT_PTR_NOT_NULL_FATAL(b = strstr(b, "-->\n"));
	b += 4;
	CU_ASSERT_PTR_NOT_NULL_FATAL(e = strstr(b, end));

	CU_ASSERT_FATAL((fp = open_memstream(&text, &len)) != NULL);
	gh_conf_doc(fp, gatehouse_sections);
	CU_ASSERT_FATAL(fclose(fp) == 0);
	/* The README shows the defaults of the default prefix. */
	CU_ASSERT_FATAL((text = unprefix(text, &len)) != NULL);
	if ((size_t)(e - b) != len || memcmp(b, text, len) != 0)
		fprintf(stderr, "README.md's configuration reference differs "
		    "from gatectl config-reference: run make readme-reference\n");
	CU_ASSERT_EQUAL((size_t)(e - b), len);
	CU_ASSERT(memcmp(b, text, (size_t)(e - b) < len ?
	    (size_t)(e - b) : len) == 0);
	free(text);
	free(readme);
}

static const struct tcase tests[] = {
	TCASE(test_errors),
	TCASE(test_line_length),
	TCASE(test_nul_byte),
	TCASE(test_missing_file),
	TCASE(test_small_errbuf),
	TCASE(test_defaults),
	TCASE(test_table),
	TCASE(test_values),
	TCASE(test_paths),
	TCASE(test_paths_relative_file),
	TCASE(test_path_too_long),
	TCASE(test_load_env),
	TCASE(test_example),
	TCASE(test_intlist),
	TCASE(test_doc),
	TCASE(test_readme),
};
TMAIN("conf", tests)
