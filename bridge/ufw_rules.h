/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ufw_rules: reads ufw's user.rules / user6.rules exactly as ufw 0.36's
 * _read_rules() does: only "### tuple ###" lines, validated like UFWRule. */
#ifndef UFWD_UFW_RULES_H
#define UFWD_UFW_RULES_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "rule.h"

/*
 * Parses one line (without its trailing newline) read from file:line of the
 * given family. Returns 1 and fills *out when ufw would keep the rule, 0 when
 * ufw would skip it (a warning naming file:line went to d; a line that is not
 * a "### tuple ###" line is skipped silently), and never crashes on any
 * input. On 0, *out holds nothing to free.
 */
int ufw_tuple_parse(const char *line, size_t len, enum ufw_family fam, const char *file,
		    unsigned lineno, struct ufw_rule *out, struct diag *d);

/*
 * Parses tuple, the text after "### tuple ### " (e.g. "allow tcp 22 0.0.0.0/0
 * any 0.0.0.0/0 in"), as if read at file:lineno, and appends the rule to rs.
 * Returns 1 when kept, 0 when ufw would skip it (warning in d).
 */
int ufw_ruleset_add_tuple(struct ufw_ruleset *rs, const char *tuple, enum ufw_family fam,
			  const char *file, unsigned lineno, struct diag *d);

/*
 * Appends every rule of stream (named file, for messages) to rs, in order.
 * Returns 0, or -errno on a read error (reported to d). Bad tuples are
 * warnings, not errors. Lines of any length are handled; like Python's text
 * mode, "\r\n" and a lone "\r" also end a line (messages give the number of
 * the '\n'-terminated line).
 */
int ufw_rules_read_stream(FILE *f, const char *file, enum ufw_family fam,
			  struct ufw_ruleset *rs, struct diag *d);

/* As above for a path; a file that cannot be opened is an error (-errno). */
int ufw_rules_read_file(const char *path, enum ufw_family fam, struct ufw_ruleset *rs,
			struct diag *d);

/*
 * Loads ROOT/etc/ufw/user.rules and, when ipv6 is true, ROOT/etc/ufw/user6.rules
 * into rs (v4 rules first), as ufw's backend does. root may be NULL. ufw reads
 * user6.rules when IPV6=yes and the kernel has IPv6 (ufw_kernel_has_ipv6()).
 * Returns 0 or the first file's -errno (rs then holds what was read).
 */
int ufw_rules_load(const char *root, bool ipv6, struct ufw_ruleset *rs, struct diag *d);

/* ufw's os.path.exists("/proc/sys/net/ipv6") (never under a --root). */
bool ufw_kernel_has_ipv6(void);

/*
 * Validates and parses a port field as UFWRule.set_port does: "any", a port,
 * a range lo:hi, a comma list, service names resolved with getservbyname().
 * Returns 0 and sets *text (ufw's stored form, caller frees) and *ps, or
 * -EINVAL.
 */
int ufw_port_parse(const char *s, char **text, struct port_spec *ps);

/* util.valid_address(addr, "any"): a v4 or v6 address or network. */
bool ufw_valid_address(const char *addr);

#endif
