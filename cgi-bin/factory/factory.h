/* SPDX-License-Identifier: ISC */
/*
 * The factory ("Magic Website Factory"): domain availability, site orders.
 * What the FastCGI program, gatectl and the worker share: the process state,
 * the store (all SQL) and the registrar backends.
 */
#ifndef FACTORY_H
#define FACTORY_H

#include <stddef.h>

#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "err.h"
#include "valid.h"

/* Accepted in test mode only, as the spec's "hardcoded mock token". */
#define FACTORY_MOCK_TOKEN	"gatehouse-factory-mock-token"
#define FACTORY_CLIENT_MAX	64	/* client name length */
#define FACTORY_URL_MAX		2048
#define FACTORY_SECRET_MAX	1024	/* installerSecret, callback secret */

/* Labels binding sealed blobs to their column. */
#define LABEL_CALLBACK_SECRET	"factory.client.callback_secret"
#define LABEL_INSTALLER_SECRET	"factory.site_order.secret"

struct factory_client {
	long long	id;
	char		name[FACTORY_CLIENT_MAX + 1];
	int		mock;
};

enum order_state {
	ORDER_PENDING,
	ORDER_REGISTERING,
	ORDER_DEPLOYING,
	ORDER_CREATED,
	ORDER_CONFLICT,
	ORDER_FAILED,
	ORDER_STATE__MAX
};

struct factory_order {
	long long	id;
	long long	client_id;
	char		domain[GH_DOMAIN_MAX + 1];
	char		callback[FACTORY_URL_MAX + 1];
	char		state[16];
	char		callback_state[16];
	long long	created, updated;
};

/* Everything one process owns, opened once. */
struct factory {
	struct gh_conf		 conf;
	struct gh_db		 db;
	struct gh_key		 key;
	int			 test_mode;
	struct factory_client	 client;	/* the current request's principal */
	struct gh_buf		 scratch;	/* sealing and MACs, reused */
};

/* store.c: every SQL statement of the factory. */
enum gh_err	 store_open(struct factory *f, unsigned flags);
void		 store_close(struct factory *f);
enum gh_err	 store_client_by_token(struct factory *f, const char *token,
		    size_t len, struct factory_client *out);
enum gh_err	 store_client_add(struct factory *f, const char *name,
		    const char *token, const void *callback_secret, size_t n);
enum gh_err	 store_client_revoke(struct factory *f, const char *name);
enum gh_err	 store_client_mock_ensure(struct factory *f);
typedef void	 store_client_cb(const char *name, long long created,
		    long long revoked, int mock, void *arg);
enum gh_err	 store_client_list(struct factory *f, store_client_cb *cb,
		    void *arg);
enum gh_err	 store_order_get(struct factory *f, const char *domain,
		    struct factory_order *out);
/*
 * Store a new order durably.  GH_ECONFLICT if one exists for the domain:
 * *same is then 1 when it is the same order (client and installerSecret),
 * and out holds the existing order either way.
 */
enum gh_err	 store_order_add(struct factory *f, long long client_id,
		    const char *domain, const char *callback, const char *secret,
		    size_t secretlen, struct factory_order *out, int *same);
enum gh_err	 store_domain_taken(struct factory *f, const char *domain,
		    int *taken);
/* The local registry of names taken elsewhere (registrar = local). */
enum gh_err	 store_taken_add(struct factory *f, const char *domain);
enum gh_err	 store_taken_remove(struct factory *f, const char *domain);
enum gh_err	 store_taken_list(struct factory *f,
		    void (*cb)(const char *domain, void *arg), void *arg);

/*
 * registrar.c: is the domain free?  GH_OK with *available set, or
 * GH_EUNAVAIL / GH_ETIMEOUT when the backend cannot say.
 */
enum gh_err	 registrar_check(struct factory *f, const char *domain,
		    int *available);

/* The FastCGI program's handlers (domain.c, site.c). */
struct gh_svc;
struct gh_req;
struct gh_res;
enum gh_err	 factory_domain_get(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 factory_site_post(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 factory_site_get(struct gh_svc *, struct gh_req *,
		    struct gh_res *);

/* Open config, key and database for a program: the once-per-process setup. */
enum gh_err	 factory_open(struct factory *f, const char *config,
		    unsigned dbflags, char *errbuf, size_t errsz);
void		 factory_close(struct factory *f);

#endif
