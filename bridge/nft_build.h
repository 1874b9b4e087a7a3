/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_build: pure translation of ufw's rules of one family into our own
 * nf_tables table (sets + rules); nft_render.c renders it as nft text,
 * nft_push.c as libnftnl objects and batch messages. */
#ifndef UFWD_NFT_BUILD_H
#define UFWD_NFT_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "nl.h"
#include "rule.h"
#include "ufw_conf.h"
#include "util.h"

struct nftnl_chain;
struct nftnl_rule;
struct nftnl_set;

/*
 * One table per family, "ip ufw-docker" and "ip6 ufw-docker" (as Docker's own
 * "ip docker-bridges" / "ip6 docker-bridges"), each holding:
 *   chain forward  base chain, hook forward, priority filter - 1 (before
 *                  Docker's filter-FORWARD): established/related accept,
 *                  ufw's route rules (post-DNAT terms), internal interfaces
 *                  jump allow, ct status dnat (original direction) jump input
 *   chain input    ufw's incoming rules on conntrack's original tuple (host
 *                  address and port), then DEFAULT_INPUT_POLICY
 *   chain limit    ufw's limit block: log, reject
 *   chain allow    sets NFTB_MARK on the packet, accept
 *   set limit      dynamic, per source address, for ufw's limit
 *   sets input_N / route_N  one per group of rules of the same verdict, log
 *                  and interfaces (interval, concatenated), each lookup in
 *                  ufw's first-match order: a rule joins an earlier group
 *                  when no rule it passes can do otherwise with a packet it
 *                  matches (see nft_group.c)
 */
#define NFTB_TABLE     "ufw-docker"
#define NFTB_LIMIT_SET "limit_src" /* the dynamic set of ufw's limit */
#define NFTB_PRIORITY  (-1)	   /* NF_IP_PRI_FILTER - 1 */
/* Packet mark of new connections our chain let through (allow, limit pass,
 * accept policy, container egress): ufw's iptables FORWARD accepts it. */
#define NFTB_MARK 0x00100000u
/* The iptables chain (in after.rules) accepting NFTB_MARK. */
#define NFTB_COMPANION_CHAIN "ufw-docker-nftmark"

enum nftb_field {
	NFTB_F_SADDR,	/* ip saddr */
	NFTB_F_DADDR,	/* ip daddr (route rules: post-DNAT) */
	NFTB_F_ODADDR,	/* ct original ip daddr (incoming: the host address) */
	NFTB_F_L4PROTO, /* meta l4proto */
	NFTB_F_SPORT,	/* th sport */
	NFTB_F_DPORT,	/* th dport (route rules) */
	NFTB_F_ODPORT,	/* ct original proto-dst (incoming: the host port) */
	NFTB_F_COUNT,
};

enum nftb_chain {
	NFTB_C_FORWARD,
	NFTB_C_INPUT,
	NFTB_C_LIMIT,
	NFTB_C_ALLOW,
	NFTB_C_COUNT
};

enum nftb_verdict {
	NFTB_V_NONE,
	NFTB_V_ACCEPT,
	NFTB_V_DROP,
	NFTB_V_REJECT,	   /* icmp(v6) port-unreachable */
	NFTB_V_REJECT_TCP, /* tcp reset (the rule matches meta l4proto tcp) */
	NFTB_V_JUMP,	   /* to target */
};

/* A range per field, big-endian bytes (only the field's length is used). */
struct nftb_elem {
	struct {
		uint8_t lo[16], hi[16];
	} f[NFTB_F_COUNT];
};

struct nftb_set {
	char name[24];
	unsigned fields; /* bit (1u << enum nftb_field): the key, in enum order */
	struct nftb_elem *v;
	size_t n, cap;
};

/* One rule; its statements always come in this order. */
struct nftb_rule {
	enum nftb_chain chain;
	uint32_t ct_state;	/* NF_CT_STATE_BIT() mask, 0: none */
	bool ct_dnat;		/* ct direction original ct status dnat */
	char iif[UFW_IFNAMSIZ]; /* iptables '+' wildcard kept as is */
	char oif[UFW_IFNAMSIZ];
	int set;		      /* lookup in sets[set], -1: none */
	bool limit_over;	      /* update @limit { saddr limit rate over } */
	unsigned log_rate, log_burst; /* limit rate N/minute burst B, 0: none */
	char log[40];		      /* log prefix, "" none */
	bool mark;		      /* meta mark set meta mark | NFTB_MARK */
	enum nftb_verdict verdict;
	enum nftb_chain target;
};

struct nftb_table {
	enum ufw_family fam;
	struct nftb_set *sets;
	size_t n_sets, cap_sets;
	struct nftb_rule *rules; /* grouped by chain order of appearance */
	size_t n_rules, cap_rules;
};

/*
 * Builds into *t (zeroed by the caller, freed with nftb_free whatever the
 * result) our table for family fam from rs, with the semantics of
 * xlate_block(). Rules that cannot apply are skipped with a warning naming
 * file:line. Returns 0 or -EINVAL after one error (bad config or state).
 */
int nftb_build(const struct ufw_ruleset *rs, enum ufw_family fam,
	       const struct ufw_state *st, const struct ufwd_config *cfg,
	       struct nftb_table *t, struct diag *d);
void nftb_free(struct nftb_table *t);

/* "ip" or "ip6"; NFPROTO_IPV4 or NFPROTO_IPV6. */
const char *nftb_family_name(enum ufw_family fam);
int nftb_nfproto(enum ufw_family fam);
const char *nftb_chain_name(enum nftb_chain c);
/* "tcp", "udp", ... for the protocols ufw accepts, else NULL. */
const char *nftb_proto_name(uint8_t num);
/* Bytes of field f in a set key (before padding to 4). */
unsigned nftb_field_len(enum nftb_field f, enum ufw_family fam);

/* Appends the table in nft syntax ("table ip ufw-docker { ... }"). */
void nftb_render(const struct nftb_table *t, struct strbuf *out);

/*
 * Appends to b the messages replacing our table of t->fam with t: when
 * replace, "add table; delete table" first (so the batch works whether the
 * table exists or not, with no gap), then the table, chains, sets, elements
 * and rules. Returns 0 or -EMSGSIZE (reported).
 */
int nftb_push(const struct nftb_table *t, struct nl_batch *b, bool replace,
	      struct diag *d);
/*
 * The libnftnl objects nftb_push sends, for read-back comparisons (the caller
 * frees them): chain c; set i with all its elements, or the limit set when
 * i == t->n_sets; rule i.
 */
struct nftnl_chain *nftb_chain_obj(const struct nftb_table *t, enum nftb_chain c);
struct nftnl_set *nftb_set_obj(const struct nftb_table *t, size_t i);
struct nftnl_rule *nftb_rule_obj(const struct nftb_table *t, size_t i);

/* Appends "add table; delete table" for our table of fam: removes it. */
int nftb_push_delete(enum ufw_family fam, struct nl_batch *b, struct diag *d);

/* Number of rules of t in chain c (for read-back checks). */
size_t nftb_count_rules(const struct nftb_table *t, enum nftb_chain c);

/*
 * The iptables-restore lines (inside "*filter ... COMMIT" of after.rules and
 * after6.rules) that let NFTB_MARK through ufw's FORWARD chain, whose
 * DEFAULT_FORWARD_POLICY would otherwise drop what our chain and Docker's
 * accepted: a chain NFTB_COMPANION_CHAIN, jumped to from ufw-after-forward.
 * Static text.
 */
const char *nftb_iptables_companion(void);

#endif
