/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ufw_rules: reads ufw's user.rules / user6.rules exactly as ufw 0.36's
 * _read_rules() does: only "### tuple ###" lines, validated like UFWRule. */
#ifndef UFWD_UFW_RULES_H
#define UFWD_UFW_RULES_H

#include <stdio.h>

#include "diag.h"
#include "rule.h"

/*
 * Parses one tuple line (without its trailing newline) read from file:line of
 * the given family. Returns 1 and fills *out when ufw would keep the rule,
 * 0 when ufw would skip it (a warning naming file:line went to d), and never
 * crashes on any input. On 0, *out holds nothing to free.
 */
int ufw_tuple_parse(const char *line, size_t len, enum ufw_family fam,
		    const char *file, unsigned lineno, struct ufw_rule *out,
		    struct diag *d);

/*
 * Appends every rule of stream (named file, for messages) to rs, in order.
 * Returns 0, or -errno on a read error (reported to d). Bad tuples are
 * warnings, not errors. Lines of any length are handled.
 */
int ufw_rules_read_stream(FILE *f, const char *file, enum ufw_family fam,
			  struct ufw_ruleset *rs, struct diag *d);

/* As above for a path; a file that cannot be opened is an error (-errno). */
int ufw_rules_read_file(const char *path, enum ufw_family fam,
			struct ufw_ruleset *rs, struct diag *d);

#endif
