/* SPDX-License-Identifier: ISC */
/*
 * gatectl: initialise the state directory and databases, check the
 * configuration, and manage each service's tokens.  A token it creates is
 * printed alone on stdout, so `TOKEN=$(gatectl token add …)` works;
 * everything else goes to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "crypto.h"
#include "gatectl.h"
#include "log.h"
#include "sections.h"
#include "util.h"

const char	*ctl_config;

static void
usage(FILE *fp)
{
	fputs("usage: gatectl [-c FILE] COMMAND [ARGS...]\n"
	    "\n"
	    "  init                       create the state directory, key file and\n"
	    "                             databases, and migrate them (idempotent)\n"
	    "  check-config               load the configuration and report errors\n"
	    "  config-reference           print every configuration key (Markdown)\n"
	    "  token add CLIENT --callback-secret-file FILE\n"
	    "                             new factory client token, printed alone\n"
	    "  token list                 factory clients and their token state\n"
	    "  token revoke CLIENT        revoke a factory client's token\n"
	    "  taken add|remove DOMAIN    a name the `local` registrar reports as taken\n"
	    "  taken list                 the names it reports as taken\n"
	    "  factory orders             every order: state, callback, next attempt\n"
	    "  factory order DOMAIN       one order, its steps and every callback attempt\n"
	    "  factory retry DOMAIN       provision a failed order again (or a waiting\n"
	    "                             one now)\n"
	    "  factory redeliver DOMAIN   send the order's callback again, from the\n"
	    "                             start of the schedule (or a pending one now)\n"
	    "  certmaker init-ca [--subject /O=…/CN=…] [--key-type ecdsa-p256|\n"
	    "                    rsa-4096|ed25519] [--days N]\n"
	    "                             make certmaker's root (init makes a\n"
	    "                             default one when there is none)\n"
	    "  certmaker user add NAME [--admin]\n"
	    "                             new certmaker user, its token printed alone\n"
	    "  certmaker user list        certmaker's users\n"
	    "  certmaker user disable|enable NAME\n"
	    "  certmaker user rotate-token NAME\n"
	    "                             a new token for NAME, printed alone\n"
	    "  certmaker acme eab add USER\n"
	    "                             an ACME external account binding key for\n"
	    "                             USER: \"KID HMAC\" printed alone\n"
	    "  certmaker acme accounts|orders\n"
	    "                             certmaker's ACME accounts, its orders\n"
	    "  icyfire tokens generate    four new API tokens, printed as NAME TOKEN\n"
	    "  icyfire tokens set --read-file F --cred-file F --delete-file F\n"
	    "                 --security-file F\n"
	    "  icyfire server add N       a worker server and its 10,080 time slots\n"
	    "  icyfire domain add NAME\n"
	    "  icyfire credential set DOMAIN PLATFORM key=value...  (encrypted)\n"
	    "  icyfire timeslot claim SLOT DOMAIN PLATFORM\n"
	    "  icyfire post add DOMAIN PLATFORM --type text|long|image|video\n"
	    "                 --body B [--link L] [--media-url U]\n"
	    "  icyfire post list DOMAIN\n"
	    "  icyfire decrypt            a Fernet token on stdin, its plaintext out\n"
	    "  icyfire incidents prune --older-than DAYS\n"
	    "                             remove old incidents; prints how many\n"
	    "  apihost grain add NAME --upstream URL --api-path /PATH/\n"
	    "                             a new grain (app); its secret, printed alone\n"
	    "  apihost grain list|remove NAME\n"
	    "  apihost token add --grain NAME --user-id ID --username NAME\n"
	    "          --permissions a,b [--petname TEXT] [--expires-in SECONDS]\n"
	    "                             a new API token; its webkey, printed alone\n"
	    "  apihost token list|revoke ID|purge\n"
	    "\n"
	    "FILE defaults to $GATEHOUSE_CONFIG, else "
	    GH_SYSCONFDIR "/gatehouse/gatehouse.conf.\n", fp);
}

int
ctl_fail(const char *fmt, ...)
{
	va_list	ap;

	fputs("gatectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CTL_FAIL;
}

long
ctl_read_secret(const char *path, char *buf, size_t max)
{
	FILE	*fp;
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL) {
		ctl_fail("%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, max + 1, fp);
	fclose(fp);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > max) {
		ctl_fail("%s: longer than %zu bytes", path, max);
		return -1;
	}
	if (n == 0 || memchr(buf, '\0', n) != NULL) {
		ctl_fail("%s: empty or holds a NUL byte", path);
		return -1;
	}
	buf[n] = '\0';
	return (long)n;
}

const char *
ctl_when(long long t, char out[32])
{
	if (t <= 0)
		return "-";
	gh_time_rfc3339(t, out);
	return out;
}

const char *
ctl_show(const char *s, char *out, size_t outsz)
{
	if (s == NULL || s[0] == '\0')
		return "-";
	gh_log_escape(s, strlen(s), out, outsz);
	return out;
}

static int
load(struct gh_conf *c)
{
	char		errbuf[512];
	enum gh_err	err;

	err = gh_conf_load(c, gatehouse_sections, ctl_config, errbuf,
	    sizeof(errbuf));
	if (err != GH_OK)
		return ctl_fail("%s", errbuf);
	return CTL_OK;
}

/*
 * init: the state directory (0700), the service key file (0600, made once)
 * and every service's database, migrated to the schema this build carries.
 */
static int
cmd_init(void)
{
	struct gh_conf	 c = { 0 };
	const char	*dir, *keyfile;
	struct stat	 st;
	int		 rc;

	if ((rc = load(&c)) != CTL_OK)
		return rc;
	dir = gh_conf_state_dir(&c);
	keyfile = gh_conf_key_file(&c);
	/* The state directory is ours alone, whoever made it. */
	if ((mkdir(dir, 0700) == -1 && errno != EEXIST) ||
	    chmod(dir, 0700) == -1) {
		rc = ctl_fail("%s: %s", dir, strerror(errno));
		goto out;
	}
	if (stat(keyfile, &st) == -1) {
		if (errno != ENOENT || gh_key_create(keyfile) != GH_OK) {
			rc = ctl_fail("%s: cannot create the key file", keyfile);
			goto out;
		}
		fprintf(stderr, "gatectl: created key file %s\n", keyfile);
	}
	if ((rc = ctl_factory_init()) == CTL_OK)
		rc = ctl_certmaker_init();
	if (rc == CTL_OK)
		rc = ctl_icyfire_init();
	if (rc == CTL_OK)
		rc = ctl_apihost_init();
out:
	gh_conf_free(&c);
	return rc;
}

static int
cmd_check_config(void)
{
	struct gh_conf	c = { 0 };
	int		rc;

	if ((rc = load(&c)) != CTL_OK)
		return rc;
	fprintf(stderr, "gatectl: %s: OK\n", c.path);
	gh_conf_free(&c);
	return CTL_OK;
}

int
main(int argc, char *argv[])
{
	int	ch;

	gh_log_init("gatectl");
	if (gh_crypto_nodump() != GH_OK)
		return 1;
	while ((ch = getopt(argc, argv, "+c:h")) != -1) {
		switch (ch) {
		case 'c':
			ctl_config = optarg;
			break;
		case 'h':
			usage(stdout);
			return CTL_OK;
		default:
			usage(stderr);
			return CTL_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (strcmp(argv[0], "certmaker") == 0)
		return ctl_certmaker(argc - 1, argv + 1);
	/* "factory token …" and "token …" are the same commands (orders too). */
	if (strcmp(argv[0], "factory") == 0 && argc > 1) {
		argc--;
		argv++;
	}
	if (strcmp(argv[0], "init") == 0 && argc == 1)
		return cmd_init();
	if (strcmp(argv[0], "check-config") == 0 && argc == 1)
		return cmd_check_config();
	if (strcmp(argv[0], "config-reference") == 0 && argc == 1) {
		gh_conf_doc(stdout, gatehouse_sections);
		return CTL_OK;
	}
	if (strcmp(argv[0], "apihost") == 0)
		return ctl_apihost(argc - 1, argv + 1);
	if (strcmp(argv[0], "token") == 0)
		return ctl_factory_token(argc - 1, argv + 1);
	if (strcmp(argv[0], "taken") == 0)
		return ctl_factory_taken(argc - 1, argv + 1);
	if (strcmp(argv[0], "orders") == 0)
		return ctl_factory_orders(argc - 1, argv + 1);
	if (strcmp(argv[0], "order") == 0)
		return ctl_factory_order(argc - 1, argv + 1);
	if (strcmp(argv[0], "retry") == 0)
		return ctl_factory_retry(argc - 1, argv + 1);
	if (strcmp(argv[0], "redeliver") == 0)
		return ctl_factory_redeliver(argc - 1, argv + 1);
	if (strcmp(argv[0], "icyfire") == 0) {
		if ((ch = ctl_icyfire(argc - 1, argv + 1)) == CTL_USAGE)
			usage(stderr);
		return ch;
	}
	if (strcmp(argv[0], "help") == 0) {
		usage(stdout);
		return CTL_OK;
	}
	usage(stderr);
	return CTL_USAGE;
}
