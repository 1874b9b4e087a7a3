/* SPDX-License-Identifier: GPL-3.0-or-later */
/* show_added: rebuilds ufw commands from parsed rules byte for byte as ufw
 * 0.36.2's `ufw show added` (frontend.get_show_added, parser.get_command). */
#ifndef UFWD_SHOW_ADDED_H
#define UFWD_SHOW_ADDED_H

#include "diag.h"
#include "rule.h"
#include "util.h"

/*
 * ufw.util.hex_decode(): appends the decoded comment to out (an odd-length
 * string loses its last character; invalid UTF-8 bytes become "\xNN" as with
 * Python's 'backslashreplace'). Returns 0, or -EINVAL for a non-hex digit
 * (ufw crashes there), leaving out unchanged. out may then hold NUL bytes.
 */
int ufw_hex_decode(const char *hex, struct strbuf *out);

/*
 * Appends the command ufw prints for r, without "ufw " ("route allow ..."
 * for forward rules). A comment that is not valid hex is printed raw after a
 * warning naming r's file:line.
 */
void ufw_rule_command(const struct ufw_rule *r, struct strbuf *out, struct diag *d);

/*
 * Appends the whole `ufw show added` text for rs (v4 rules before v6, as ufw
 * keeps them), newline-terminated: the header, then "(None)" or one
 * "ufw COMMAND" line per distinct command, first occurrence first.
 */
void show_added(const struct ufw_ruleset *rs, struct strbuf *out, struct diag *d);

#endif
