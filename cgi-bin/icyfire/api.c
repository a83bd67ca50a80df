/* SPDX-License-Identifier: ISC */
/*
 * api: the three endpoints of the IcyFire API.
 *	GET /api/_r/<slot>/auth=<read>&<cred>&<server>	the next post
 *	GET /api/_d/<slot>/auth=<read>&<delete>&<server>	delete it
 *	GET /api/_rs/auth=<read>&<security>/query=<arg>:<data>	incidents
 * Every answer, good or bad, is recorded as an incident once it is out
 * (main.c's after hook), in batches (ICY_BATCH_MS).  Tokens are compared by hash and never copied out
 * of the request, so they reach neither a log nor the database.
 */
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "icyfire.h"
#include "json.h"
#include "log.h"
#include "serve.h"

#define EP_R	"api._r"
#define EP_D	"api._d"
#define EP_RS	"api._rs"

/* Start the request's incident: who asked, which endpoint, when. */
static void
incident_begin(struct icy_req *rq, const struct gh_req *req,
    const char *endpoint)
{
	memset(&rq->pending, 0, sizeof(rq->pending));
	rq->pending.timestamp = gh_now();
	gh_strlcpy(rq->pending.ip_address, req->remote_addr[0] ?
	    req->remote_addr : "-", sizeof(rq->pending.ip_address));
	gh_strlcpy(rq->pending.endpoint, endpoint,
	    sizeof(rq->pending.endpoint));
	rq->record = 1;
}

/* End it with the status and message the client got. */
static void
incident_end(struct icy_req *rq, int status, const char *msg)
{
	rq->pending.status_code = status;
	gh_strlcpy(rq->pending.status_message, msg,
	    sizeof(rq->pending.status_message));
}

/* The endpoint a path names, for requests that reach no handler. */
static const char *
endpoint_of(const char *path)
{
	if (strncmp(path, "/api/_rs/", 9) == 0)
		return EP_RS;
	if (strncmp(path, "/api/_r/", 8) == 0)
		return EP_R;
	if (strncmp(path, "/api/_d/", 8) == 0)
		return EP_D;
	return "unknown";
}

/*
 * The original's answer: {"status", "error_details", "endpoint",
 * "utc_timestamp"}, for errors and for 218.
 */
static enum gh_err
status_body(struct gh_res *res, int status, const char *endpoint,
    const char *msg)
{
	struct json_object	*o;
	char			 ts[32];
	enum gh_err		 err;

	gh_time_rfc3339(gh_now(), ts);
	if ((o = json_object_new_object()) == NULL)
		return GH_ENOMEM;
	if ((err = gh_json_add(o, "status", json_object_new_int(status))) ==
	    GH_OK && (err = gh_json_add(o, "error_details",
	    json_object_new_string(msg))) == GH_OK &&
	    (err = gh_json_add(o, "endpoint",
	    json_object_new_string(endpoint))) == GH_OK &&
	    (err = gh_json_add(o, "utc_timestamp",
	    json_object_new_string(ts))) == GH_OK)
		err = gh_res_json(res, status, o);
	json_object_put(o);
	return err;
}

void
icyfire_error_body(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct icy_req	*rq = req->ctx;

	if (!rq->record)
		incident_begin(rq, req, endpoint_of(req->path));
	incident_end(rq, res->status, res->errmsg);
	status_body(res, res->status, rq->pending.endpoint, res->errmsg);
}

/* Fail with a status of the document's and its message. */
static enum gh_err
fail(struct gh_res *res, int status, const char *msg)
{
	enum gh_err	err;

	err = status == 403 ? GH_EFORBIDDEN : status == 404 ? GH_ENOTFOUND :
	    GH_EINVAL;
	res->status = status;
	return gh_fail(res, err, "%s", msg);
}

/* 403 for wrong tokens: a flagged incident. */
static enum gh_err
fail_auth(struct icy_req *rq, struct gh_res *res)
{
	rq->pending.flag = 1;
	return fail(res, 403, ICY_MSG_AUTH);
}

/* 218 "This is fine": no domain claimed the slot. */
static enum gh_err
unclaimed(struct icy_req *rq, struct gh_res *res)
{
	incident_end(rq, 218, ICY_MSG_UNCLAIMED);
	return status_body(res, 218, rq->pending.endpoint, ICY_MSG_UNCLAIMED);
}

/*
 * What _r and _d share: parse the path and check the tokens (READ and
 * second).  GH_OK with *p set; otherwise the answer is made.
 */
static enum gh_err
path_auth(struct icyfire *f, struct gh_req *req, struct gh_res *res,
    enum icy_token second, struct icy_path *p)
{
	struct icy_req	*rq = req->ctx;
	enum gh_err	 err;
	int		 ok = 0;

	res->secret = 1;
	if (req->ncap != 1 || icy_path_slot(req->cap[0].s, p) != GH_OK)
		return fail(res, 400, ICY_MSG_SLOT);
	if ((err = icyfire_store_tokens_check(f, ICY_TOKEN_READ, p->tok[0],
	    p->toklen[0], second, p->tok[1], p->toklen[1], &ok)) != GH_OK)
		return gh_fail(res, err, "token check failed");
	if (!ok)
		return fail_auth(rq, res);
	return GH_OK;
}

/*
 * The slot found for path p: is it on the asking server, and claimed?
 * GH_OK when it is both; otherwise the answer is made (218 comes back as
 * GH_OK, with slot's credential_id 0).
 */
static enum gh_err
slot_check(struct icy_req *rq, struct gh_res *res, const struct icy_path *p,
    const struct icy_slot *slot)
{
	if (slot->server_id != p->server)
		return fail(res, 400, ICY_MSG_SLOT);
	rq->pending.domain_id = slot->domain_id;
	if (slot->credential_id == 0)
		return unclaimed(rq, res);
	return GH_OK;
}

/* Add s (may be NULL: JSON null) under key. */
static enum gh_err
add_str(struct json_object *o, const char *key, const char *s)
{
	return gh_json_add(o, key, s ? json_object_new_string(s) : NULL);
}

/* The post as a new JSON object in *out (the caller's). */
static enum gh_err
post_json(const struct icy_post *p, struct json_object **out)
{
	enum gh_err	err;

	if ((*out = json_object_new_object()) == NULL)
		return GH_ENOMEM;
	if ((err = gh_json_add(*out, "id", json_object_new_int64(p->id))) ==
	    GH_OK && (err = add_str(*out, "type", p->type)) == GH_OK &&
	    (err = add_str(*out, "body", p->body)) == GH_OK &&
	    (err = add_str(*out, "link", p->link)) == GH_OK)
		err = add_str(*out, "media_url", p->media_url);
	return err;
}

/* What _r's answer is made from; borrowed for icyfire_store_next(). */
struct r_arg {
	struct gh_req		*req;
	struct gh_res		*res;
	const struct icy_path	*path;
	int			 found;	/* the slot exists */
};

/* _r's answer, from what icyfire_store_next() read. */
static enum gh_err
r_answer(const struct icy_next *n, void *arg)
{
	struct r_arg		*a = arg;
	struct icy_req		*rq = a->req->ctx;
	struct gh_res		*res = a->res;
	struct json_object	*o = NULL, *cred = NULL, *post = NULL;
	enum gh_err		 err;

	a->found = 1;
	if ((err = slot_check(rq, res, a->path, &n->slot)) != GH_OK ||
	    n->slot.credential_id == 0)
		return err;
	if (!n->has_post)
		return fail(res, 404, ICY_MSG_QUEUE);
	if ((err = post_json(&n->post, &post)) != GH_OK)
		goto out;
	/* Stored by gatectl as a JSON object of Fernet tokens. */
	if ((err = gh_json_parse_object(n->fields, strlen(n->fields), &cred,
	    NULL)) != GH_OK) {
		err = GH_EINTERNAL;
		goto out;
	}
	if ((o = json_object_new_object()) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if ((err = add_str(o, "platform", n->platform)) != GH_OK)
		goto out;
	err = gh_json_add(o, "credentials", cred);	/* takes it, always */
	cred = NULL;
	if (err != GH_OK)
		goto out;
	err = gh_json_add(o, "post", post);		/* takes it, always */
	post = NULL;
	if (err != GH_OK)
		goto out;
	incident_end(rq, 200, ICY_MSG_OK);
	err = gh_res_json(res, 200, o);
out:
	json_object_put(cred);
	json_object_put(post);
	json_object_put(o);
	if (err != GH_OK && res->err == GH_OK)
		return gh_fail(res, err, "cannot read the post");
	return err;
}

/* Slot, credential and post read in one statement: one snapshot. */
enum gh_err
icyfire_post_next(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct icyfire	*f = svc->ctx;
	struct icy_path	 p;
	struct r_arg	 a = { req, res, &p, 0 };
	enum gh_err	 err;

	incident_begin(req->ctx, req, EP_R);
	if ((err = path_auth(f, req, res, ICY_TOKEN_CRED, &p)) != GH_OK)
		return err;
	err = icyfire_store_next(f, p.slot, r_answer, &a);
	if (a.found)
		return err;
	if (err == GH_ENOTFOUND)
		return fail(res, 400, ICY_MSG_SLOT);
	return gh_fail(res, err, "cannot read the queue");
}

/*
 * _d's slot: GH_OK with *slot set and claimed; otherwise the answer is
 * made (218 comes back as GH_OK with *slot's credential_id 0).
 */
static enum gh_err
slot_open(struct icyfire *f, struct gh_req *req, struct gh_res *res,
    struct icy_slot *slot)
{
	struct icy_path	p;
	enum gh_err	err;

	if ((err = path_auth(f, req, res, ICY_TOKEN_DELETE, &p)) != GH_OK)
		return err;
	err = icyfire_store_slot_get(f, p.slot, slot);
	if (err == GH_ENOTFOUND)
		return fail(res, 400, ICY_MSG_SLOT);
	if (err != GH_OK)
		return gh_fail(res, err, "slot lookup failed");
	return slot_check(req->ctx, res, &p, slot);
}

enum gh_err
icyfire_post_delete(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct icyfire	*f = svc->ctx;
	struct icy_req	*rq = req->ctx;
	struct icy_slot	 slot;
	char		 buf[24];
	const char	*errstr;
	long long	 post_id = 0;
	enum gh_err	 err;

	incident_begin(rq, req, EP_D);
	if ((err = slot_open(f, req, res, &slot)) != GH_OK ||
	    slot.credential_id == 0)
		return err;
	err = gh_req_query(req, "post_id", buf, sizeof(buf));
	if (err == GH_OK) {
		post_id = gh_strtonum(buf, 1, 999999999999LL, &errstr);
		if (errstr != NULL)
			return fail(res, 400, ICY_MSG_SLOT);
	} else if (err != GH_ENOTFOUND)
		return fail(res, 400, ICY_MSG_SLOT);
	err = icyfire_store_post_delete(f, slot.credential_id, post_id);
	if (err == GH_ENOTFOUND)
		return fail(res, 404, ICY_MSG_QUEUE);
	if (err != GH_OK)
		return gh_fail(res, err, "cannot delete the post");
	incident_end(rq, 204, ICY_MSG_DELETED);
	res->status = 204;	/* no body: HTTP forbids one */
	return GH_OK;
}

struct incidents_out {
	struct json_object	*list;
	enum gh_err		 err;
};

static void
incident_json(const struct icy_incident *in, void *arg)
{
	struct incidents_out	*out = arg;
	struct json_object	*o;
	char			 ts[32];
	enum gh_err		 err;

	if (out->err != GH_OK)
		return;
	if ((o = json_object_new_object()) == NULL) {
		out->err = GH_ENOMEM;
		return;
	}
	gh_time_rfc3339(in->timestamp, ts);
	if ((err = gh_json_add(o, "id", json_object_new_int64(in->id))) !=
	    GH_OK || (err = add_str(o, "timestamp", ts)) != GH_OK ||
	    (err = add_str(o, "ip_address", in->ip_address)) != GH_OK ||
	    (err = gh_json_add(o, "user_id", in->user_id ?
	    json_object_new_int64(in->user_id) : NULL)) != GH_OK ||
	    (err = gh_json_add(o, "domain_id", in->domain_id ?
	    json_object_new_int64(in->domain_id) : NULL)) != GH_OK ||
	    (err = add_str(o, "endpoint", in->endpoint)) != GH_OK ||
	    (err = gh_json_add(o, "status_code",
	    json_object_new_int(in->status_code))) != GH_OK ||
	    (err = add_str(o, "status_message", in->status_message)) !=
	    GH_OK || (err = gh_json_add(o, "flag",
	    json_object_new_boolean(in->flag))) != GH_OK ||
	    json_object_array_add(out->list, o) != 0) {
		json_object_put(o);
		out->err = err != GH_OK ? err : GH_ENOMEM;
	}
}

/* An optional integer query argument in [min, max]; -1 if malformed. */
static long long
query_int(const struct gh_req *req, const char *name, long long min,
    long long max, long long def)
{
	char		 buf[24];
	const char	*errstr;
	long long	 v;
	enum gh_err	 err;

	if ((err = gh_req_query(req, name, buf, sizeof(buf))) == GH_ENOTFOUND)
		return def;
	if (err != GH_OK)
		return -1;
	v = gh_strtonum(buf, min, max, &errstr);
	return errstr == NULL ? v : -1;
}

enum gh_err
icyfire_incident_query(struct gh_svc *svc, struct gh_req *req,
    struct gh_res *res)
{
	struct icyfire		*f = svc->ctx;
	struct icy_req		*rq = req->ctx;
	struct icy_path		 p;
	struct incidents_out	 out = { NULL, GH_OK };
	const char		*errstr = NULL, *s = NULL;
	long long		 v = 0, limit, before;
	size_t			 arg;
	enum gh_err		 perr, err;
	int			 ok = 0;

	incident_begin(rq, req, EP_RS);
	res->secret = 1;
	if (req->ncap != 1 ||
	    (perr = icy_path_query(req->cap[0].s, &p)) == GH_EINVAL)
		return fail_auth(rq, res);
	if ((err = icyfire_store_tokens_check(f, ICY_TOKEN_READ, p.tok[0],
	    p.toklen[0], ICY_TOKEN_SECURITY, p.tok[1], p.toklen[1], &ok)) !=
	    GH_OK)
		return gh_fail(res, err, "token check failed");
	if (!ok)
		return fail_auth(rq, res);
	if (perr != GH_OK)
		return fail(res, 400, ICY_MSG_ARGUMENT);
	for (arg = 0; icy_query_args[arg] != NULL; arg++)
		if (strcmp(icy_query_args[arg], p.arg) == 0)
			break;
	if (icy_query_args[arg] == NULL)
		return fail(res, 400, ICY_MSG_ARGUMENT);
	if (strcmp(p.arg, "ip_address") == 0 || strcmp(p.arg, "endpoint") == 0 ||
	    strcmp(p.arg, "endpoint_prefix") == 0)
		s = p.data;
	else if (strcmp(p.arg, "flag") == 0) {
		if (strcasecmp(p.data, "true") == 0 || strcmp(p.data, "1") == 0)
			v = 1;
		else if (strcasecmp(p.data, "false") != 0 &&
		    strcmp(p.data, "0") != 0)
			return fail(res, 400, ICY_MSG_ARGUMENT);
	} else if (strcmp(p.arg, "timestamp") == 0) {
		/* The past <data> days. */
		v = gh_now() - 86400 * gh_strtonum(p.data, 0, 36500, &errstr);
	} else
		v = gh_strtonum(p.data, 0, 999999999999LL, &errstr);
	if (errstr != NULL)
		return fail(res, 400, ICY_MSG_ARGUMENT);
	limit = query_int(req, "limit", 1, ICY_LIMIT_MAX, ICY_LIMIT_DEFAULT);
	before = query_int(req, "before_id", 1, 999999999999LL, 0);
	if (limit < 0 || before < 0)
		return fail(res, 400, ICY_MSG_ARGUMENT);
	if ((out.list = json_object_new_array()) == NULL)
		return gh_fail(res, GH_ENOMEM, "out of memory");
	/* This process's own batch, at least, is in what it reads. */
	icyfire_incident_flush(f, 1);
	err = icyfire_store_incident_query(f, arg, v, s, before, limit,
	    incident_json, &out);
	if (err == GH_OK)
		err = out.err;
	if (err == GH_OK) {
		incident_end(rq, 200, ICY_MSG_OK);
		err = gh_res_json(res, 200, out.list);
	}
	json_object_put(out.list);
	if (err == GH_ENOTFOUND)
		return fail(res, 404, ICY_MSG_NORESULT);
	if (err != GH_OK)
		return gh_fail(res, err, "cannot read the incidents");
	return GH_OK;
}
