/* SPDX-License-Identifier: GPL-3.0-or-later */
/* live_save: iptables-save text of the live rules or of what sync would write,
 * and the lookups in it; private to live.c and live_family.c. */
#ifndef UFWD_LIVE_SAVE_H
#define UFWD_LIVE_SAVE_H

#include <stdbool.h>

#include "diag.h"
#include "live.h"
#include "util.h"

/* Appends `<variant's iptables-save> -t table` of family to out. Returns 0,
 * or -EIO (reported). */
int live_save_table(int family, enum live_variant v, const char *table,
		    struct strbuf *out, struct diag *d);
/* Appends to out the filter table as variant v's iptables-save prints it after
 * restoring text in a scratch network namespace. Returns 0, or -errno / -EPERM
 * (a warning: drift not checked). */
int live_canonical(int family, enum live_variant v, const char *text, struct strbuf *out,
		   struct diag *d);

/* The first "-A chain ..." line of text (without the newline), or NULL. */
char *live_first_rule(const char *text, const char *chain);
/* Whether text declares chain (":chain ..." after a newline). */
bool live_has_chain_line(const char *text, const char *chain);
/* How many lines of text are exactly line. */
unsigned live_count_lines(const char *text, const char *line);
/* The "-A <chain> " lines of text for chain, in order (caller frees). */
char *live_chain_lines(const char *text, const char *chain);

#endif
