/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reach_rule: the parsed form of one iptables rule, shared by reach_parse.c
 * (which builds it) and reach.c (which evaluates it); private to the two. */
#ifndef UFWD_REACH_RULE_H
#define UFWD_REACH_RULE_H

#include <stdbool.h>
#include <stdint.h>

#include "reach.h"

#define REACH_MAX_DEPTH 16
#define REACH_MAX_PORTS 16

enum ct_bit {
	CT_NEW = 1,
	CT_ESTABLISHED = 2,
	CT_RELATED = 4,
	CT_INVALID = 8,
	CT_UNTRACKED = 16,
	CT_SNAT = 32,
	CT_DNAT = 64,
};

struct addr_match {
	bool set, neg;
	struct reach_pfx p;
};

struct if_match {
	bool set, neg;
	char name[17];
};

struct port_match {
	bool set, neg;
	unsigned n;
	uint16_t lo[REACH_MAX_PORTS], hi[REACH_MAX_PORTS];
};

enum target_kind {
	T_NONE,
	T_ACCEPT,
	T_DROP,
	T_REJECT,
	T_RETURN,
	T_JUMP,
	T_GOTO,
	T_MARK, /* -j MARK --set-xmark V/M: mark = (mark & ~M) ^ V, goes on */
	T_OTHER
};

struct reach_rule {
	char *chain;
	bool unknown; /* an option we cannot read: never matches */
	bool rate;    /* -m recent --update/--rcheck: assumed under the limit */
	bool proto_set, proto_neg;
	int proto;
	struct addr_match src, dst, origsrc, origdst;
	struct if_match in, out;
	struct port_match dport, sport, origdport, origsport;
	bool state_set, state_neg;
	unsigned state;
	bool ctdir_reply;
	enum target_kind kind;
	char *target;
	bool mark_set, mark_neg; /* -m mark [!] --mark V/M */
	uint32_t mark_v, mark_m;
	uint32_t xmark_v, xmark_m; /* T_MARK */
};

unsigned reach_fam_bits(int family); /* 32 or 128 */
/* outer contains inner (equal counts). */
bool reach_pfx_contains(const struct reach_pfx *outer, const struct reach_pfx *inner);
bool reach_pfx_eq(const struct reach_pfx *a, const struct reach_pfx *b);

#endif
