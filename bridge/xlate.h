/* SPDX-License-Identifier: GPL-3.0-or-later */
/* xlate: pure translation of ufw's rules of one family into our chains for
 * forwarded container traffic, as iptables-restore text (table filter). */
#ifndef UFWD_XLATE_H
#define UFWD_XLATE_H

#include "config.h"
#include "diag.h"
#include "rule.h"
#include "ufw_conf.h"
#include "util.h"

/* The chain DOCKER-USER jumps to (first rule), and the others we own. */
#define UFWD_CHAIN_ENTRY "ufw-docker-forward"
#define UFWD_CHAIN_PREFIX "ufw-docker-"

/*
 * Appends to out the complete iptables-restore text of our chains for rules
 * of family fam taken from rs (rules of the other family are ignored):
 * "*filter\n", one ":ufw-docker-... - [0:0]" line per chain we own, the
 * rules, "COMMIT\n". It never mentions DOCKER-USER nor any ufw-* chain, and
 * never contains the strings "UFW BLOCK" / "UFW ALLOW" (ufw default rewrites
 * them). Rules that cannot apply to forwarded traffic are skipped with a
 * warning naming their file:line. Returns 0, or -EINVAL after an error.
 */
int xlate_block(const struct ufw_ruleset *rs, enum ufw_family fam,
		const struct ufw_state *st, const struct ufwd_config *cfg,
		struct strbuf *out, struct diag *d);

#endif
