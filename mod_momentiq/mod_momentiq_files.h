/* Signed output URLs /files/<job_id>/<name>?exp=&sig= (mod_momentiq_files.c). */
#ifndef MOD_MOMENTIQ_FILES_H
#define MOD_MOMENTIQ_FILES_H

#include <httpd.h>

/* translate_name: maps a valid signed URL to the file for the default
 * handler; 403 for a bad path or signature; DECLINED for other URIs. */
int miq_files_translate(request_rec *r);

#endif
