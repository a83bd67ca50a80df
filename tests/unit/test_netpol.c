/* SPDX-License-Identifier: ISC */
/*
 * test_netpol: CIDR lists (IPv4, IPv6, IPv4-mapped, the edge prefixes,
 * malformed lists) and the allow/deny decision, with the default deny
 * lists judged on the addresses they are meant to stop and let through.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "netpol.h"
#include "util.h"
#include "tmain.h"

/* addr (v4 or v6 text) as a sockaddr into ss; its length. */
static size_t
mksa(const char *addr, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return sizeof(*sin);
	}
	CU_ASSERT_FATAL(inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1);
	sin6->sin6_family = AF_INET6;
	return sizeof(*sin6);
}

/* 1 when addr is in the list text (which must parse). */
static int
in_list(const char *text, const char *addr)
{
	struct gh_netpol_list	 l;
	struct sockaddr_storage	 ss;
	char			 why[128];
	size_t			 len;

	CU_ASSERT_FATAL(gh_netpol_parse(&l, text, why, sizeof(why)) == GH_OK);
	len = mksa(addr, &ss);
	return gh_netpol_match(&l, (struct sockaddr *)&ss, len);
}

/* Matching: prefixes of every length that matters, both families. */
static void
test_match(void)
{
	static const struct {
		int		 line;
		const char	*list;
		const char	*addr;
		int		 in;
	} t[] = {
		{ __LINE__, "10.0.0.0/8", "10.255.1.2", 1 },
		{ __LINE__, "10.0.0.0/8", "11.0.0.0", 0 },
		{ __LINE__, "10.0.0.0/8", "9.255.255.255", 0 },
		{ __LINE__, "100.64.0.0/10", "100.127.255.255", 1 },
		{ __LINE__, "100.64.0.0/10", "100.128.0.0", 0 },
		{ __LINE__, "100.64.0.0/10", "100.63.255.255", 0 },
		{ __LINE__, "172.16.0.0/12", "172.31.0.1", 1 },
		{ __LINE__, "172.16.0.0/12", "172.32.0.1", 0 },
		{ __LINE__, "0.0.0.0/0", "203.0.113.9", 1 },
		{ __LINE__, "0.0.0.0/0", "2001:db8::1", 0 },	/* v4 only */
		{ __LINE__, "::/0", "2001:db8::1", 1 },
		{ __LINE__, "::/0", "203.0.113.9", 0 },		/* v6 only */
		{ __LINE__, "127.0.0.1/32", "127.0.0.1", 1 },
		{ __LINE__, "127.0.0.1/32", "127.0.0.2", 0 },
		{ __LINE__, "127.0.0.1", "127.0.0.1", 1 },	/* a host */
		{ __LINE__, "::1/128", "::1", 1 },
		{ __LINE__, "::1/128", "::2", 0 },
		{ __LINE__, "::1", "::", 0 },
		{ __LINE__, "fc00::/7", "fdff:1::1", 1 },
		{ __LINE__, "fc00::/7", "fe00::1", 0 },
		{ __LINE__, "fe80::/10", "febf::1", 1 },
		{ __LINE__, "fe80::/10", "fec0::1", 0 },
		{ __LINE__, "2001:db8::/33", "2001:db8:7fff::1", 1 },
		{ __LINE__, "2001:db8::/33", "2001:db8:8000::1", 0 },
		/* IPv4-mapped addresses are their IPv4 address… */
		{ __LINE__, "127.0.0.0/8", "::ffff:127.0.0.1", 1 },
		{ __LINE__, "10.0.0.0/8", "::ffff:10.9.8.7", 1 },
		{ __LINE__, "10.0.0.0/8", "::ffff:11.9.8.7", 0 },
		{ __LINE__, "::/0", "::ffff:10.9.8.7", 0 },
		/* …and so are mapped ranges in a list. */
		{ __LINE__, "::ffff:10.0.0.0/104", "10.1.2.3", 1 },
		{ __LINE__, "::ffff:10.0.0.0/104", "::ffff:10.1.2.3", 1 },
		{ __LINE__, "::ffff:0:0/96", "192.0.2.1", 1 },
		{ __LINE__, "::ffff:127.0.0.1", "127.0.0.1", 1 },
		/* Not mapped: IPv4-compatible and NAT64 are plain IPv6. */
		{ __LINE__, "127.0.0.0/8", "::127.0.0.1", 0 },
		/* Several ranges, blanks around them. */
		{ __LINE__, " 10.0.0.0/8 ,\t::1/128 , 192.168.0.0/16", "::1", 1 },
		{ __LINE__, "10.0.0.0/8, ::1/128, 192.168.0.0/16",
		    "192.168.3.4", 1 },
		{ __LINE__, "10.0.0.0/8, ::1/128", "192.168.3.4", 0 },
		{ __LINE__, "", "10.0.0.1", 0 },
		{ __LINE__, "  ", "::1", 0 },
	};
	size_t	i;

	for (i = 0; i < GH_NELEM(t); i++)
		TROW(t[i].line, in_list(t[i].list, t[i].addr) == t[i].in);
}

/* Malformed lists are refused with a reason, and leave the list alone. */
static void
test_malformed(void)
{
	static const struct {
		int		 line;
		const char	*list;
		const char	*why;	/* a part of the reason */
	} t[] = {
		{ __LINE__, "10.0.0.0/33", "prefix length" },
		{ __LINE__, "::/129", "prefix length" },
		{ __LINE__, "10.0.0.0/", "prefix length" },
		{ __LINE__, "10.0.0.0/+8", "prefix length" },
		{ __LINE__, "10.0.0.0/-0", "prefix length" },
		{ __LINE__, "10.0.0.0/8x", "prefix length" },
		{ __LINE__, "10.0.0.0/8/8", "prefix length" },
		{ __LINE__, "10.0.0.1/8", "host bits" },
		{ __LINE__, "127.0.0.1/0", "host bits" },
		{ __LINE__, "fe80::1/10", "host bits" },
		{ __LINE__, "10.0.0", "not an IPv4" },
		{ __LINE__, "127.1", "not an IPv4" },
		{ __LINE__, "0x7f.0.0.1", "not an IPv4" },
		{ __LINE__, "010.0.0.1", "not an IPv4" },
		{ __LINE__, "256.0.0.0/8", "not an IPv4" },
		{ __LINE__, "fe80::1%eth0", "not an IPv4" },
		{ __LINE__, "localhost", "not an IPv4" },
		{ __LINE__, "10.0.0.0 /8", "not an IPv4" },
		{ __LINE__, "10.0.0.0/8,", "empty item" },
		{ __LINE__, ",10.0.0.0/8", "empty item" },
		{ __LINE__, "10.0.0.0/8,,::1", "empty item" },
		{ __LINE__, "10.0.0.0/8, , ::1", "empty item" },
		{ __LINE__, "10.0.0.0/8 ::1", "prefix length" },
		{ __LINE__, "1111:2222:3333:4444:5555:6666:7777:8888:9999:0000/128",
		    "not an IPv4" },
		{ __LINE__, "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:"
		    "0000:0000:0000:0000/128", "too long" },
	};
	struct gh_netpol_list	l, keep;
	char			why[128], many[64 * 16];
	size_t			i;

	CU_ASSERT_FATAL(gh_netpol_parse(&keep, "192.0.2.0/24", why,
	    sizeof(why)) == GH_OK);
	for (i = 0; i < GH_NELEM(t); i++) {
		l = keep;
		why[0] = '\0';
		TROW(t[i].line, gh_netpol_parse(&l, t[i].list, why,
		    sizeof(why)) == GH_EINVAL);
		TROW(t[i].line, strstr(why, t[i].why) != NULL);
		TROW(t[i].line, memcmp(&l, &keep, sizeof(l)) == 0);
	}
	/* GH_NETPOL_MAX ranges, and one more. */
	many[0] = '\0';
	for (i = 0; i < GH_NETPOL_MAX; i++) {
		char	one[16];

		snprintf(one, sizeof(one), "%s10.%zu.0.0/16", i ? "," : "", i);
		gh_strlcat(many, one, sizeof(many));
	}
	CU_ASSERT_EQUAL(gh_netpol_parse(&l, many, why, sizeof(why)), GH_OK);
	CU_ASSERT_EQUAL(l.n, GH_NETPOL_MAX);
	gh_strlcat(many, ",::1", sizeof(many));
	CU_ASSERT_EQUAL(gh_netpol_parse(&l, many, why, sizeof(why)),
	    GH_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "more than"));
}

/* The decision: allow overrides deny; anything in neither is allowed. */
static void
test_check(void)
{
	static const struct {
		int		 line;
		const char	*allow, *deny, *addr;
		enum gh_err	 want;
	} t[] = {
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "127.0.0.1",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "::ffff:127.0.0.1",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "::1", GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "::", GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "0.0.0.0",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "10.1.2.3",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "172.20.0.1",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "192.168.1.1",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "100.100.100.100",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "169.254.169.254",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "::ffff:169.254.169.254",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "fd00:ec2::254",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "fe80::1",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "224.0.0.1",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "255.255.255.255",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "ff02::1",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "93.184.216.34", GH_OK },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "2606:2800:220:1::1",
		    GH_OK },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "::ffff:93.184.216.34",
		    GH_OK },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "100.128.0.1", GH_OK },
		{ __LINE__, "", GH_NETPOL_DENY_PRIVATE, "172.32.0.1", GH_OK },
		/* The allow list overrides, exactly as far as it reaches. */
		{ __LINE__, "127.0.0.1/32", GH_NETPOL_DENY_PRIVATE, "127.0.0.1",
		    GH_OK },
		{ __LINE__, "127.0.0.1/32", GH_NETPOL_DENY_PRIVATE,
		    "::ffff:127.0.0.1", GH_OK },
		{ __LINE__, "127.0.0.1/32", GH_NETPOL_DENY_PRIVATE, "127.0.0.2",
		    GH_EFORBIDDEN },
		{ __LINE__, "127.0.0.1/32", GH_NETPOL_DENY_PRIVATE, "::1",
		    GH_EFORBIDDEN },
		/* Only what is allowed. */
		{ __LINE__, "203.0.113.0/24", "0.0.0.0/0, ::/0", "203.0.113.7",
		    GH_OK },
		{ __LINE__, "203.0.113.0/24", "0.0.0.0/0, ::/0", "203.0.114.7",
		    GH_EFORBIDDEN },
		{ __LINE__, "203.0.113.0/24", "0.0.0.0/0, ::/0", "2001:db8::1",
		    GH_EFORBIDDEN },
		/* apihost's default: loopback and private yes, metadata no. */
		{ __LINE__, "", GH_NETPOL_DENY_LINKLOCAL, "127.0.0.1", GH_OK },
		{ __LINE__, "", GH_NETPOL_DENY_LINKLOCAL, "10.0.0.5", GH_OK },
		{ __LINE__, "", GH_NETPOL_DENY_LINKLOCAL, "169.254.169.254",
		    GH_EFORBIDDEN },
		{ __LINE__, "", GH_NETPOL_DENY_LINKLOCAL, "fe80::a9fe:a9fe",
		    GH_EFORBIDDEN },
		{ __LINE__, "", "", "169.254.169.254", GH_OK },
	};
	struct gh_netpol	 p;
	struct sockaddr_storage	 ss;
	char			 why[256], addr[GH_NETPOL_ADDRSTR];
	size_t			 i, len;

	for (i = 0; i < GH_NELEM(t); i++) {
		TROW(t[i].line, gh_netpol_init(&p, t[i].allow, t[i].deny, why,
		    sizeof(why)) == GH_OK);
		len = mksa(t[i].addr, &ss);
		TROW(t[i].line, gh_netpol_check(&p, (struct sockaddr *)&ss,
		    len, addr) == t[i].want);
		TROW(t[i].line, gh_netpol_check_str(&p, t[i].addr) ==
		    t[i].want);
	}
	/* The address comes back as text: mapped ones as IPv4. */
	CU_ASSERT_FATAL(gh_netpol_init(&p, "", GH_NETPOL_DENY_PRIVATE, why,
	    sizeof(why)) == GH_OK);
	len = mksa("::ffff:10.1.2.3", &ss);
	CU_ASSERT_EQUAL(gh_netpol_check(&p, (struct sockaddr *)&ss, len, addr),
	    GH_EFORBIDDEN);
	CU_ASSERT_STRING_EQUAL(addr, "10.1.2.3");
	/* Not an IP address, or too short to be one: refused. */
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	CU_ASSERT_EQUAL(gh_netpol_check(&p, (struct sockaddr *)&ss,
	    sizeof(ss), addr), GH_EFORBIDDEN);
	len = mksa("8.8.8.8", &ss);
	CU_ASSERT_EQUAL(gh_netpol_check(&p, (struct sockaddr *)&ss, 4, NULL),
	    GH_EFORBIDDEN);
	CU_ASSERT_EQUAL(gh_netpol_check_str(&p, "not-an-ip"), GH_EFORBIDDEN);
	CU_ASSERT_EQUAL(gh_netpol_check_str(&p, NULL), GH_EFORBIDDEN);
	/* A bad list is named. */
	CU_ASSERT_EQUAL(gh_netpol_init(&p, "", "10/8", why, sizeof(why)),
	    GH_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "deny list"));
	CU_ASSERT_EQUAL(gh_netpol_init(&p, "x", "", why, sizeof(why)),
	    GH_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "allow list"));
}

static const struct tcase tests[] = {
	TCASE(test_match),
	TCASE(test_malformed),
	TCASE(test_check),
};

TMAIN("netpol", tests)
