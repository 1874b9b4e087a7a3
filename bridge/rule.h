/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rule: the model of one ufw rule as ufw 0.36 keeps it (from a "### tuple ###"
 * line) and of an ordered rule list; owns allocation and freeing of both. */
#ifndef UFWD_RULE_H
#define UFWD_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ufw_family { UFW_V4 = 4, UFW_V6 = 6 };
enum ufw_action { UFW_ALLOW, UFW_DENY, UFW_REJECT, UFW_LIMIT };
enum ufw_logtype { UFW_LOG_NONE, UFW_LOG_NEW, UFW_LOG_ALL }; /* "", log, log-all */
enum ufw_direction { UFW_DIR_IN, UFW_DIR_OUT };

/* ufw allows count(',') + count(':') <= 14, so at most 15 items. */
#define UFW_MAX_PORT_ITEMS 15
#define UFW_IFNAMSIZ 16

struct port_item {
	uint16_t lo, hi; /* a single port has lo == hi */
};

struct port_spec {
	unsigned n; /* 0 means "any" */
	struct port_item item[UFW_MAX_PORT_ITEMS];
};

struct ufw_rule {
	enum ufw_family family; /* the file it came from: user.rules or user6 */
	bool forward;		/* "route:" rule (ufw-user-forward) */
	enum ufw_action action;
	enum ufw_logtype logtype;
	char proto[8];	    /* "any", "tcp", "udp", "esp", "ah", "gre", ... */
	char *dport_text;   /* as ufw keeps it: "any", "22", "80,443,8000:8080" */
	char *sport_text;
	struct port_spec dport; /* parsed form of dport_text (n == 0: any) */
	struct port_spec sport;
	char *dst; /* as ufw keeps it; "0.0.0.0/0" or "::/0" means any */
	char *src;
	char *dapp; /* app profile name, spaces decoded; "" when none */
	char *sapp;
	enum ufw_direction direction;
	char iface_in[UFW_IFNAMSIZ];  /* "" when none */
	char iface_out[UFW_IFNAMSIZ]; /* "" when none */
	char *comment_hex; /* the comment= value as in the file; "" when none */
	const char *file;  /* where the tuple was read (owned by the ruleset) */
	unsigned line;
};

/* An ordered list of rules; order is evaluation order (first match wins). */
struct ufw_ruleset {
	struct ufw_rule *v;
	size_t n, cap;
	char **files; /* file names the rules point at, owned here */
	size_t nfiles;
};

/* Appends a copy of *r's plain fields and takes ownership of its strings. */
struct ufw_rule *ufw_ruleset_push(struct ufw_ruleset *rs, struct ufw_rule *r);
/* Interns a file name for rule->file; returns the owned copy. */
const char *ufw_ruleset_file(struct ufw_ruleset *rs, const char *name);
void ufw_rule_free(struct ufw_rule *r);
void ufw_ruleset_free(struct ufw_ruleset *rs); /* accepts a zeroed set */

bool ufw_addr_is_any(const char *addr); /* "0.0.0.0/0", "::/0" or "any" */
const char *ufw_action_name(enum ufw_action a);
const char *ufw_logtype_name(enum ufw_logtype l); /* "", "log", "log-all" */

#endif
