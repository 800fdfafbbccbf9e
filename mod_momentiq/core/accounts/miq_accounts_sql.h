/* Named arguments and result columns of the catalog statements the account
 * services run (see core/db/miq_sql.c for the SQL). Not an API: the services
 * in this folder and their unit tests use it. */
#ifndef MIQ_ACCOUNTS_SQL_H
#define MIQ_ACCOUNTS_SQL_H

/* MIQ_SQL_ACCOUNT_CREATE: arguments, and the one column (the new id). */
enum { MIQ_ACA_EMAIL, MIQ_ACA_HASH, MIQ_ACA_FREE, MIQ_ACA_FREE_AGAIN, MIQ_ACA_N };
enum { MIQ_ACC_ID, MIQ_ACC_N };

/* MIQ_SQL_ACCOUNT_BY_EMAIL: argument email; columns. */
enum { MIQ_ABE_ID, MIQ_ABE_HASH, MIQ_ABE_N };
/* MIQ_SQL_ACCOUNT_REHASH: arguments. */
enum { MIQ_ARA_HASH, MIQ_ARA_ID, MIQ_ARA_OLD_HASH, MIQ_ARA_N };

/* MIQ_SQL_ACCOUNT_EXTERNAL: arguments, and the columns (id, email or '',
 * outcome: found | created | conflict). */
enum { MIQ_AXA_SUBJECT, MIQ_AXA_EMAIL, MIQ_AXA_FREE, MIQ_AXA_N };
enum { MIQ_AXC_ID, MIQ_AXC_EMAIL, MIQ_AXC_OUTCOME, MIQ_AXC_N };
/* MIQ_SQL_ACCOUNT_LINK_REMOTE: arguments; one column (linked | already |
 * taken | other). */
enum { MIQ_ALA_ACCOUNT, MIQ_ALA_SUBJECT, MIQ_ALA_KEEP_SESSION, MIQ_ALA_N };

/* MIQ_SQL_AUTH_SESSION_CREATE: arguments (no rows but the RETURNING marker). */
enum {
    MIQ_SCA_ID_HASH,
    MIQ_SCA_ACCOUNT,
    MIQ_SCA_CSRF,
    MIQ_SCA_IDLE_S,
    MIQ_SCA_ABSOLUTE_S,
    MIQ_SCA_SIGNED_IN_WITH,
    MIQ_SCA_N
};
/* MIQ_SQL_AUTH_SESSION_GET: arguments and columns. */
enum { MIQ_SGA_ID_HASH, MIQ_SGA_IDLE_S, MIQ_SGA_RENEW_AFTER_S, MIQ_SGA_N };
enum {
    MIQ_SGC_ACCOUNT,
    MIQ_SGC_CSRF,
    MIQ_SGC_EMAIL,
    MIQ_SGC_EXPIRES,
    MIQ_SGC_SIGNED_IN_WITH,
    MIQ_SGC_N
};
/* MIQ_SQL_AUTH_SESSION_REVOKE: argument id hash. */

/* MIQ_SQL_THROTTLE_CHECK: arguments; the column (seconds until unlocked). */
enum { MIQ_TCA_ACCOUNT_IP_KEY, MIQ_TCA_IP_KEY, MIQ_TCA_N };
enum { MIQ_TCC_WAIT_S, MIQ_TCC_N };
/* MIQ_SQL_THROTTLE_FAIL: arguments. */
enum {
    MIQ_TFA_KEY,
    MIQ_TFA_WINDOW_S,
    MIQ_TFA_WINDOW_S2,
    MIQ_TFA_WINDOW_S3,
    MIQ_TFA_LIMIT,
    MIQ_TFA_LOCK_S,
    MIQ_TFA_N
};
/* MIQ_SQL_THROTTLE_RESET: argument key. */

/* MIQ_SQL_TOKEN_CREATE: arguments; columns (created, expires or ''). */
enum {
    MIQ_TKA_ID,
    MIQ_TKA_ACCOUNT,
    MIQ_TKA_KIND,
    MIQ_TKA_NAME,
    MIQ_TKA_HASH,
    MIQ_TKA_PREFIX,
    MIQ_TKA_SCOPES,
    MIQ_TKA_VIA,
    MIQ_TKA_EXPIRES_IN,
    MIQ_TKA_EXPIRES_IN2,
    MIQ_TKA_N
};
enum { MIQ_TKC_CREATED, MIQ_TKC_EXPIRES, MIQ_TKC_N };
/* MIQ_SQL_TOKEN_LIST: arguments; columns. */
enum { MIQ_TLA_ACCOUNT, MIQ_TLA_KIND, MIQ_TLA_N };
enum {
    MIQ_TLC_ID,
    MIQ_TLC_NAME,
    MIQ_TLC_PREFIX,
    MIQ_TLC_SCOPES,
    MIQ_TLC_VIA,
    MIQ_TLC_CREATED,
    MIQ_TLC_EXPIRES,
    MIQ_TLC_LAST_USED,
    MIQ_TLC_REVOKED,
    MIQ_TLC_N
};
/* MIQ_SQL_TOKEN_REVOKE: arguments; one row when revoked. */
enum {
    MIQ_TRA_ID,
    MIQ_TRA_ACCOUNT,
    MIQ_TRA_KIND,
    MIQ_TRA_FAMILY_EXCEPT,
    MIQ_TRA_ID2,
    MIQ_TRA_ACCOUNT2,
    MIQ_TRA_KIND2,
    MIQ_TRA_N
};

#endif
