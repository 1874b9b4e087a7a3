/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_decode: the chains, sets and rules of one nf_tables table (libnftnl
 * objects, read back from the kernel or built by nft_push) decoded into
 * iptables-save lines that reach evaluates, and into a canonical text. */
#ifndef UFWD_NFT_DECODE_H
#define UFWD_NFT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct nftnl_chain;
struct nftnl_rule;
struct nftnl_set;

struct nftd_chain {
	char *name;    /* as one reach word: odd bytes escaped as %XX */
	bool base;     /* has a hook: hook, prio and policy are valid */
	uint32_t hook; /* NF_INET_FORWARD, ... */
	int32_t prio;
	uint32_t policy; /* NF_ACCEPT or NF_DROP */
};

struct nftd_set;     /* private: one set and its elements */
struct nftd_set_ref; /* private: a set's name and index */
struct nftd_rule;    /* private: one decoded rule */

struct nftd_table {
	int family; /* 4 or 6 */
	struct nftd_chain *chains;
	size_t n_chains;
	struct nftd_set *sets;
	size_t n_sets;
	struct nftd_set_ref *by_name; /* the sets sorted by name, for lookups */
	size_t n_by_name;	      /* sets it covers (rebuilt when sets were added) */
	struct nftd_rule *rules;
	size_t n_rules;
	unsigned undecoded; /* rules holding something we cannot read */
};

void nftd_init(struct nftd_table *t, int family);
void nftd_free(struct nftd_table *t); /* accepts an initialised, empty table */

/* Adds one object (copied; the caller keeps it). Sets come before the rules
 * that look them up: a lookup in a set not yet added is undecoded. */
void nftd_add_chain(struct nftd_table *t, const struct nftnl_chain *c);
void nftd_add_set(struct nftd_table *t, struct nftnl_set *s); /* with elements */
void nftd_add_rule(struct nftd_table *t, struct nftnl_rule *r);

/*
 * The table as iptables-save lines for reach_parse(): ":CHAIN" for every
 * chain, then every rule as "-A CHAIN ..." lines, one per action (log, mark,
 * verdict) and, for a set lookup, one per element. A base chain whose policy
 * is drop ends with "-A CHAIN -j DROP". Something undecoded becomes the
 * option "--nft-undecoded WHAT", which reach never matches (uncertain).
 */
void nftd_reach_text(const struct nftd_table *t, struct strbuf *out);

/* Chains, sets (elements sorted) and rules in one text that is equal for two
 * tables exactly when they hold the same rules, whatever the kernel added
 * (handles, ids, element order). One object a line. */
void nftd_canon(const struct nftd_table *t, struct strbuf *out);

/* The chain named name, or NULL. Borrowed from t. */
const struct nftd_chain *nftd_chain(const struct nftd_table *t, const char *name);

#endif
