/* SPDX-License-Identifier: ISC */
/*
 * netpol: the outbound address policy.  Which addresses may Gatehouse
 * connect to when it calls out (factory callbacks, certmaker challenges,
 * apihost upstreams)?  A policy is two lists of CIDR ranges, IPv4 and IPv6
 * ("127.0.0.0/8, ::1/128, 10.0.0.0/8"): an address on the allow list may be
 * connected to; otherwise one on the deny list may not; anything else may.
 * So "deny everything but" is deny = "0.0.0.0/0, ::/0" with an allow list.
 *
 * An IPv4-mapped IPv6 address (::ffff:10.1.2.3) is the IPv4 address it
 * carries, for matching and in lists alike ("::ffff:10.0.0.0/104" is
 * 10.0.0.0/8), so a v4 range cannot be dodged by the v6 form of an address.
 *
 * The policy judges the address actually connected to (see http.h), after
 * DNS resolution, never a name.
 */
#ifndef GH_NETPOL_H
#define GH_NETPOL_H

#include <sys/socket.h>
#include <stddef.h>

#include "err.h"

#define GH_NETPOL_MAX		64	/* ranges in one list */
#define GH_NETPOL_ADDRSTR	46	/* INET6_ADDRSTRLEN: an address as text */

/*
 * What callbacks and challenges may not reach unless allowed: "this
 * network" and unspecified, loopback, RFC 1918 private, CGNAT, link-local
 * (cloud metadata at 169.254.169.254), multicast and reserved, and their
 * IPv6 kin (ULA fc00::/7, link-local, multicast).
 */
#define GH_NETPOL_DENY_PRIVATE						\
	"0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, "		\
	"169.254.0.0/16, 172.16.0.0/12, 192.168.0.0/16, 224.0.0.0/4, "	\
	"240.0.0.0/4, ::/128, ::1/128, fc00::/7, fe80::/10, ff00::/8"

/*
 * What an operator's own upstreams may not reach: they may well be on
 * loopback or a private network, but never on link-local (the cloud
 * metadata service), an unspecified, multicast or reserved address.
 */
#define GH_NETPOL_DENY_LINKLOCAL					\
	"0.0.0.0/8, 169.254.0.0/16, 224.0.0.0/4, 240.0.0.0/4, "	\
	"::/128, fe80::/10, ff00::/8"

struct gh_netpol_range {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];	/* network, host bits zero; 4 used for v4 */
	unsigned	 bits;		/* prefix length: 0..32 or 0..128 */
};

struct gh_netpol_list {
	size_t			n;
	struct gh_netpol_range	r[GH_NETPOL_MAX];
};

struct gh_netpol {
	struct gh_netpol_list	allow;
	struct gh_netpol_list	deny;
};

/*
 * Parse text, ranges separated by commas with blanks around each allowed
 * ("" is the empty list), into *l.  A range is an address with an
 * optional "/bits"; a bare address is one host.  GH_OK; or GH_EINVAL with
 * the reason in why (whysz bytes) for a bad address, a bad prefix length,
 * host bits set past the prefix ("10.0.0.1/8"), an empty item or more
 * than GH_NETPOL_MAX ranges; *l is then unchanged.
 */
enum gh_err	 gh_netpol_parse(struct gh_netpol_list *l, const char *text,
		    char *why, size_t whysz);

/* Both lists of a policy; as gh_netpol_parse, naming the list that failed. */
enum gh_err	 gh_netpol_init(struct gh_netpol *p, const char *allow,
		    const char *deny, char *why, size_t whysz);

/* 1 when the address sa (len bytes, AF_INET or AF_INET6) is in l. */
int		 gh_netpol_match(const struct gh_netpol_list *l,
		    const struct sockaddr *sa, size_t len);

/*
 * May sa (len bytes) be connected to under p?  GH_OK; GH_EFORBIDDEN when
 * the policy refuses it (or it is not an IPv4 or IPv6 address at all).
 * The address as text goes to addr (GH_NETPOL_ADDRSTR bytes; may be NULL)
 * either way, for the message that names it.
 */
enum gh_err	 gh_netpol_check(const struct gh_netpol *p,
		    const struct sockaddr *sa, size_t len, char *addr);

/* As gh_netpol_check for an address in text; GH_EFORBIDDEN if unparsable. */
enum gh_err	 gh_netpol_check_str(const struct gh_netpol *p, const char *ip);

#endif
