/* SPDX-License-Identifier: ISC */
/*
 * netpol: CIDR lists and the allow/deny decision, as netpol.h describes.
 * Addresses are parsed with inet_pton() only: it takes dotted quads in
 * decimal and nothing else, so "0x7f.1" or "127.1" (which some resolvers
 * read as loopback) are errors here, not surprises.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "netpol.h"
#include "util.h"

#define NETPOL_ITEM_MAX	64	/* longest "address/bits" item */

static const unsigned char v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* 1 when the first bits bits of a and b agree. */
static int
prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned	full = bits / 8, rest = bits % 8;
	unsigned char	mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

/* 1 when a host bit past the prefix is set in addr (n bytes). */
static int
host_bits(const unsigned char *addr, size_t n, unsigned bits)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (bits >= 8 * (i + 1))
			continue;
		if (bits <= 8 * i) {
			if (addr[i] != 0)
				return 1;
		} else if (addr[i] & (0xff >> (bits - 8 * i)))
			return 1;
	}
	return 0;
}

/*
 * Parse one item s (not empty, no blanks) into *r.  GH_EINVAL with a
 * reason in why.
 */
static enum gh_err
parse_item(const char *s, struct gh_netpol_range *r, char *why, size_t whysz)
{
	char		 buf[NETPOL_ITEM_MAX];
	char		*slash;
	const char	*errstr;
	unsigned	 max;
	long long	 bits;

	memset(r, 0, sizeof(*r));
	if (gh_strlcpy(buf, s, sizeof(buf)) >= sizeof(buf)) {
		snprintf(why, whysz, "\"%.20s…\": too long for an address",
		    s);
		return GH_EINVAL;
	}
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, r->addr) == 1) {
		r->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, r->addr) == 1) {
		r->family = AF_INET6;
		max = 128;
	} else {
		snprintf(why, whysz, "\"%s\": not an IPv4 or IPv6 address",
		    buf);
		return GH_EINVAL;
	}
	bits = max;
	if (slash != NULL) {
		/* Digits only: gh_strtonum() would take "+8" and "-0". */
		errstr = "invalid";
		if (slash[0] >= '0' && slash[0] <= '9')
			bits = gh_strtonum(slash, 0, max, &errstr);
		if (errstr != NULL) {
			snprintf(why, whysz, "\"%s\": the prefix length must "
			    "be 0 to %u", s, max);
			return GH_EINVAL;
		}
	}
	r->bits = (unsigned)bits;
	if (host_bits(r->addr, max / 8, r->bits)) {
		snprintf(why, whysz, "\"%s\": host bits set past the prefix "
		    "length", s);
		return GH_EINVAL;
	}
	/* ::ffff:a.b.c.d/96+n is a.b.c.d/n: one form of each range. */
	if (r->family == AF_INET6 && r->bits >= 96 &&
	    memcmp(r->addr, v4mapped, sizeof(v4mapped)) == 0) {
		memmove(r->addr, r->addr + 12, 4);
		memset(r->addr + 4, 0, 12);
		r->family = AF_INET;
		r->bits -= 96;
	}
	return GH_OK;
}

enum gh_err
gh_netpol_parse(struct gh_netpol_list *l, const char *text, char *why,
    size_t whysz)
{
	struct gh_netpol_list	 tmp;
	char			 item[NETPOL_ITEM_MAX + 1];
	const char		*s, *e, *end;
	size_t			 n;
	enum gh_err		 err;

	if (whysz > 0)
		why[0] = '\0';
	memset(&tmp, 0, sizeof(tmp));
	s = text;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0') {
		*l = tmp;
		return GH_OK;
	}
	for (;;) {
		if ((e = strchr(s, ',')) == NULL)
			e = s + strlen(s);
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		end = e;
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		n = (size_t)(end - s);
		if (n == 0) {
			snprintf(why, whysz, "an empty item in the list");
			return GH_EINVAL;
		}
		if (tmp.n == GH_NETPOL_MAX) {
			snprintf(why, whysz, "more than %d ranges",
			    GH_NETPOL_MAX);
			return GH_EINVAL;
		}
		if (n >= sizeof(item)) {
			snprintf(why, whysz, "\"%.20s…\": too long for an "
			    "address", s);
			return GH_EINVAL;
		}
		memcpy(item, s, n);
		item[n] = '\0';
		if ((err = parse_item(item, &tmp.r[tmp.n], why, whysz)) !=
		    GH_OK)
			return err;
		tmp.n++;
		if (*e == '\0')
			break;
		s = e + 1;
	}
	*l = tmp;
	return GH_OK;
}

enum gh_err
gh_netpol_init(struct gh_netpol *p, const char *allow, const char *deny,
    char *why, size_t whysz)
{
	struct gh_netpol	 tmp;
	char			 sub[200];
	enum gh_err		 err;

	if ((err = gh_netpol_parse(&tmp.allow, allow, sub, sizeof(sub))) !=
	    GH_OK) {
		snprintf(why, whysz, "allow list: %s", sub);
		return err;
	}
	if ((err = gh_netpol_parse(&tmp.deny, deny, sub, sizeof(sub))) !=
	    GH_OK) {
		snprintf(why, whysz, "deny list: %s", sub);
		return err;
	}
	*p = tmp;
	return GH_OK;
}

/*
 * The family and bytes of sa, an IPv4-mapped IPv6 address as IPv4; 0 for
 * anything else (a short length, another family).
 */
static int
sa_addr(const struct sockaddr *sa, size_t len, unsigned char out[16])
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET && len >= sizeof(*sin)) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		memcpy(out, &sin->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (memcmp(&sin6->sin6_addr, v4mapped, 12) == 0) {
			memcpy(out, (const unsigned char *)&sin6->sin6_addr +
			    12, 4);
			return AF_INET;
		}
		memcpy(out, &sin6->sin6_addr, 16);
		return AF_INET6;
	}
	return 0;
}

static int
list_match(const struct gh_netpol_list *l, int family,
    const unsigned char *addr)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (l->r[i].family == family &&
		    prefix_eq(l->r[i].addr, addr, l->r[i].bits))
			return 1;
	return 0;
}

int
gh_netpol_match(const struct gh_netpol_list *l, const struct sockaddr *sa,
    size_t len)
{
	unsigned char	addr[16];
	int		family;

	if ((family = sa_addr(sa, len, addr)) == 0)
		return 0;
	return list_match(l, family, addr);
}

/* The decision for family/addr, with the address as text into out. */
static enum gh_err
decide(const struct gh_netpol *p, int family, const unsigned char *addr,
    char *out)
{
	if (out != NULL &&
	    inet_ntop(family, addr, out, GH_NETPOL_ADDRSTR) == NULL)
		gh_strlcpy(out, "?", GH_NETPOL_ADDRSTR);
	if (list_match(&p->allow, family, addr))
		return GH_OK;
	if (list_match(&p->deny, family, addr))
		return GH_EFORBIDDEN;
	return GH_OK;
}

enum gh_err
gh_netpol_check(const struct gh_netpol *p, const struct sockaddr *sa,
    size_t len, char *out)
{
	unsigned char	addr[16];
	int		family;

	if ((family = sa_addr(sa, len, addr)) == 0) {
		if (out != NULL)
			gh_strlcpy(out, "(not an IP address)",
			    GH_NETPOL_ADDRSTR);
		return GH_EFORBIDDEN;
	}
	return decide(p, family, addr, out);
}

enum gh_err
gh_netpol_check_str(const struct gh_netpol *p, const char *ip)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (ip != NULL && inet_pton(AF_INET, ip, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		return gh_netpol_check(p, (struct sockaddr *)&sin,
		    sizeof(sin), NULL);
	}
	if (ip != NULL && inet_pton(AF_INET6, ip, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		return gh_netpol_check(p, (struct sockaddr *)&sin6,
		    sizeof(sin6), NULL);
	}
	return GH_EFORBIDDEN;
}
