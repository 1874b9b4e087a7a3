/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rule: lifetime of struct ufw_rule and struct ufw_ruleset, and the names ufw
 * uses for actions and log types. */
#include "rule.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct ufw_rule *ufw_ruleset_push(struct ufw_ruleset *rs, struct ufw_rule *r)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 16;
		rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	rs->v[rs->n] = *r;
	memset(r, 0, sizeof(*r));
	return &rs->v[rs->n++];
}

const char *ufw_ruleset_file(struct ufw_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nfiles; i++)
		if (streq(rs->files[i], name))
			return rs->files[i];
	rs->files = xrealloc(rs->files, (rs->nfiles + 1) * sizeof(char *));
	rs->files[rs->nfiles] = xstrdup(name);
	return rs->files[rs->nfiles++];
}

void ufw_rule_free(struct ufw_rule *r)
{
	if (!r)
		return;
	free(r->dport_text);
	free(r->sport_text);
	free(r->dst);
	free(r->src);
	free(r->dapp);
	free(r->sapp);
	free(r->comment_hex);
	memset(r, 0, sizeof(*r));
}

void ufw_ruleset_free(struct ufw_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		ufw_rule_free(&rs->v[i]);
	for (size_t i = 0; i < rs->nfiles; i++)
		free(rs->files[i]);
	free(rs->v);
	free(rs->files);
	memset(rs, 0, sizeof(*rs));
}

bool ufw_addr_is_any(const char *addr)
{
	return streq(addr, "0.0.0.0/0") || streq(addr, "::/0") ||
	       streq(addr, "any");
}

const char *ufw_action_name(enum ufw_action a)
{
	static const char *const names[] = {
		[UFW_ALLOW] = "allow",
		[UFW_DENY] = "deny",
		[UFW_REJECT] = "reject",
		[UFW_LIMIT] = "limit",
	};
	return names[a];
}

const char *ufw_logtype_name(enum ufw_logtype l)
{
	static const char *const names[] = {
		[UFW_LOG_NONE] = "",
		[UFW_LOG_NEW] = "log",
		[UFW_LOG_ALL] = "log-all",
	};
	return names[l];
}
