/* The MomentIQ section of mod_status's server-status (mod_momentiq_status.c). */
#ifndef MOD_MOMENTIQ_STATUS_H
#define MOD_MOMENTIQ_STATUS_H

void miq_status_register_hooks(void);

#endif
