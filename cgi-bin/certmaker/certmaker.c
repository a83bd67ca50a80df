/* SPDX-License-Identifier: ISC */
/*
 * certmaker: the once-per-process setup that the FastCGI program and
 * gatectl share: configuration, the service key, the database and the
 * root, whose private key is kept sealed under the service key.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "acme.h"
#include "certmaker.h"
#include "log.h"
#include "sections.h"

enum gh_err
certmaker_open(struct certmaker *cm, const char *config, unsigned dbflags,
    char *errbuf, size_t errsz)
{
	enum gh_err	err;

	memset(cm, 0, sizeof(*cm));
	gh_buf_init(&cm->scratch, 1024 * 1024);
	err = gh_conf_load(&cm->conf, gatehouse_sections, config, errbuf,
	    errsz);
	if (err != GH_OK)
		goto fail;
	if ((err = gh_key_load(&cm->key,
	    gh_conf_key_file(&cm->conf))) != GH_OK) {
		snprintf(errbuf, errsz, "%s: cannot load the key file: %s",
		    gh_conf_key_file(&cm->conf), gh_strerror(err));
		goto fail;
	}
	if ((err = certmaker_store_open(cm, dbflags)) != GH_OK) {
		snprintf(errbuf, errsz, "%s/certmaker.db: %s%s",
		    gh_conf_state_dir(&cm->conf), gh_strerror(err),
		    err == GH_ECONFIG ? " (run gatectl init)" : "");
		goto fail;
	}
	/*
	 * A database that is down (GH_DB_LAZY) leaves the root to be read
	 * at its first use: certmaker_have_ca().
	 */
	err = certmaker_load_ca(cm);
	if (err == GH_EUNAVAIL && (dbflags & GH_DB_LAZY))
		cm->ca_later = 1;
	else if (err != GH_OK && err != GH_ENOTFOUND) {
		snprintf(errbuf, errsz, "certmaker: cannot load the root: %s",
		    gh_strerror(err));
		certmaker_store_close(cm);
		goto fail;
	}
	return GH_OK;
fail:
	gh_key_wipe(&cm->key);
	gh_conf_free(&cm->conf);
	gh_buf_free(&cm->scratch);
	return err;
}

void
certmaker_close(struct certmaker *cm)
{
	certmaker_store_close(cm);
	X509_free(cm->ca);
	EVP_PKEY_free(cm->ca_key);
	cm->ca = NULL;
	cm->ca_key = NULL;
	if (cm->http_ready)
		gh_http_free(&cm->http);
	cm->http_ready = 0;
	gh_key_wipe(&cm->key);
	gh_conf_free(&cm->conf);
	gh_buf_free(&cm->scratch);
}

int
certmaker_have_ca(struct certmaker *cm)
{
	enum gh_err	err;

	if (cm->ca == NULL && cm->ca_later) {
		err = certmaker_load_ca(cm);
		if (err == GH_OK || err == GH_ENOTFOUND)
			cm->ca_later = 0;
	}
	return cm->ca != NULL;
}

enum gh_err
certmaker_load_ca(struct certmaker *cm)
{
	struct gh_buf	 pem, sealed, plain;
	X509		*x = NULL;
	EVP_PKEY	*k = NULL;
	enum gh_err	 err;

	gh_buf_init(&pem, 64 * 1024);
	gh_buf_init(&sealed, 64 * 1024);
	gh_buf_init(&plain, 64 * 1024);
	if ((err = certmaker_store_ca_get(cm, &pem, &sealed)) != GH_OK)
		goto out;
	if ((err = gh_unseal(&cm->key, LABEL_CA_KEY, sealed.data, sealed.len,
	    &plain)) != GH_OK) {
		gh_log("%s: the root's key does not open with this key file",
		    __func__);
		goto out;
	}
	if ((err = pki_cert_read(pem.data, pem.len, &x)) != GH_OK ||
	    (err = pki_key_read(plain.data, plain.len, &k)) != GH_OK) {
		err = GH_ECRYPTO;
		goto out;
	}
	if (X509_check_private_key(x, k) != 1) {
		gh_log("%s: the root's key does not match its certificate",
		    __func__);
		err = GH_ECRYPTO;
		goto out;
	}
	X509_free(cm->ca);
	EVP_PKEY_free(cm->ca_key);
	cm->ca = x;
	cm->ca_key = k;
	x = NULL;
	k = NULL;
out:
	X509_free(x);
	EVP_PKEY_free(k);
	gh_buf_free(&pem);
	gh_buf_free(&sealed);
	gh_buf_free(&plain);
	return err;
}

enum gh_err
certmaker_make_ca(struct certmaker *cm, const char *subject,
    enum cm_key_type type, long long days, char *why, size_t whysz)
{
	struct gh_buf	 pem, plain, sealed;
	X509		*x = NULL;
	EVP_PKEY	*k = NULL;
	enum gh_err	 err;

	if (cm->ca != NULL)
		return GH_ECONFLICT;
	gh_buf_init(&pem, 64 * 1024);
	gh_buf_init(&plain, 64 * 1024);
	gh_buf_init(&sealed, 64 * 1024);
	if ((err = pki_make_root(subject != NULL ? subject :
	    "/O=Gatehouse/CN=Gatehouse certmaker root", type, days, &x, &k,
	    why, whysz)) != GH_OK)
		goto out;
	if ((err = pki_cert_pem(x, &pem)) != GH_OK ||
	    (err = pki_key_pem(k, &plain)) != GH_OK ||
	    (err = gh_seal(&cm->key, LABEL_CA_KEY, plain.data, plain.len,
	    &sealed)) != GH_OK)
		goto out;
	if ((err = certmaker_store_ca_add(cm, pem.data, sealed.data,
	    sealed.len)) !=
	    GH_OK)
		goto out;
	err = certmaker_load_ca(cm);
out:
	X509_free(x);
	EVP_PKEY_free(k);
	gh_buf_free(&pem);
	gh_buf_free(&plain);	/* gh_buf_free wipes */
	gh_buf_free(&sealed);
	return err;
}
