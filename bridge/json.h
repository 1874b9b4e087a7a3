/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json: the few helpers our --json output needs: strings escaped per RFC 8259
 * (control bytes as \u00XX, invalid UTF-8 bytes as U+FFFD), nothing else. */
#ifndef UFWD_JSON_H
#define UFWD_JSON_H

#include "util.h"

/* Appends s as a JSON string, quotes included; NULL appends null. */
void json_str(struct strbuf *out, const char *s);
/* Appends "key": (key escaped), for object members. */
void json_key(struct strbuf *out, const char *key);

#endif
