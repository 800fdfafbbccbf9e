/* The policy pages, /legal/{page} (mod_momentiq_legal.c). */
#ifndef MOD_MOMENTIQ_LEGAL_H
#define MOD_MOMENTIQ_LEGAL_H

#include "mod_momentiq_private.h"

/* GET /legal/{page}: privacy, terms, retention, deletion, billing. */
int miq_doc_legal(request_rec *r);

#endif
