/* SPDX-License-Identifier: ISC */
/*
 * pq: libpq, loaded when a program first needs it (dlopen), so that one
 * running on SQLite maps none of it nor what it pulls in (GnuTLS,
 * Kerberos, LDAP, SASL): some 450 KiB of private memory a process, for
 * relocations alone.  Include this instead of <libpq-fe.h>: each libpq
 * function used in lib/ is a macro that calls through gh_pq, which
 * gh_pq_load() fills.  Internal to lib/db*.c.
 */
#ifndef GH_PQ_H
#define GH_PQ_H

#include <stddef.h>

#include <libpq-fe.h>

#include "err.h"

/* The library, by its soname: the runtime package has no .so link. */
#define GH_PQ_SONAME	"libpq.so.5"

#define GH_PQ_FUNCS(X)							\
	X(PQclear) X(PQcmdTuples) X(PQconnectdbParams)			\
	X(PQconninfoFree) X(PQconninfoParse) X(PQconsumeInput)		\
	X(PQdescribePrepared) X(PQerrorMessage) X(PQexec)		\
	X(PQexecPrepared) X(PQfinish) X(PQfreemem) X(PQgetisnull)	\
	X(PQgetlength) X(PQgetvalue) X(PQnfields) X(PQnotifies)		\
	X(PQnparams) X(PQntuples) X(PQprepare) X(PQreset)		\
	X(PQresultErrorField) X(PQresultStatus) X(PQsetNoticeProcessor)	\
	X(PQsocket) X(PQstatus) X(PQtransactionStatus) X(PQunescapeBytea)

struct gh_pq {
#define GH_PQ_MEMBER(f)	__typeof__(f) *f##_p;
	GH_PQ_FUNCS(GH_PQ_MEMBER)
#undef GH_PQ_MEMBER
};

/* Filled by gh_pq_load(); NULL pointers before. */
extern struct gh_pq	gh_pq;

/*
 * Load libpq and find every function above, once per process (later
 * calls return at once).  GH_OK, or GH_ECONFIG with why (whysz bytes)
 * naming what is missing.
 */
enum gh_err	 gh_pq_load(char *why, size_t whysz);

#define PQclear			(*gh_pq.PQclear_p)
#define PQcmdTuples		(*gh_pq.PQcmdTuples_p)
#define PQconnectdbParams	(*gh_pq.PQconnectdbParams_p)
#define PQconninfoFree		(*gh_pq.PQconninfoFree_p)
#define PQconninfoParse		(*gh_pq.PQconninfoParse_p)
#define PQconsumeInput		(*gh_pq.PQconsumeInput_p)
#define PQdescribePrepared	(*gh_pq.PQdescribePrepared_p)
#define PQerrorMessage		(*gh_pq.PQerrorMessage_p)
#define PQexec			(*gh_pq.PQexec_p)
#define PQexecPrepared		(*gh_pq.PQexecPrepared_p)
#define PQfinish		(*gh_pq.PQfinish_p)
#define PQfreemem		(*gh_pq.PQfreemem_p)
#define PQgetisnull		(*gh_pq.PQgetisnull_p)
#define PQgetlength		(*gh_pq.PQgetlength_p)
#define PQgetvalue		(*gh_pq.PQgetvalue_p)
#define PQnfields		(*gh_pq.PQnfields_p)
#define PQnotifies		(*gh_pq.PQnotifies_p)
#define PQnparams		(*gh_pq.PQnparams_p)
#define PQntuples		(*gh_pq.PQntuples_p)
#define PQprepare		(*gh_pq.PQprepare_p)
#define PQreset			(*gh_pq.PQreset_p)
#define PQresultErrorField	(*gh_pq.PQresultErrorField_p)
#define PQresultStatus		(*gh_pq.PQresultStatus_p)
#define PQsetNoticeProcessor	(*gh_pq.PQsetNoticeProcessor_p)
#define PQsocket		(*gh_pq.PQsocket_p)
#define PQstatus		(*gh_pq.PQstatus_p)
#define PQtransactionStatus	(*gh_pq.PQtransactionStatus_p)
#define PQunescapeBytea		(*gh_pq.PQunescapeBytea_p)

#endif
