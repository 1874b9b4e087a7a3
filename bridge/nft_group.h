/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_group: what nft_build.c asks of the grouping of one chain's elements
 * into sets (nft_group.c); private to the two. */
#ifndef UFWD_NFT_GROUP_H
#define UFWD_NFT_GROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "nft_build.h"

/* What the elements of one set share: the rules made from it. */
struct nftb_shape {
	enum nftb_chain chain;
	enum ufw_action action;
	enum ufw_logtype log;
	char iif[UFW_IFNAMSIZ], oif[UFW_IFNAMSIZ];
	bool reset; /* reject with an explicit protocol: tcp gets a reset */
};

/* The grouping of one chain's elements; its sets go into t->sets. */
struct nftb_grouping;

struct nftb_grouping *nftb_grouping_new(struct nftb_table *t);
/* Places element e of shape sh (the next in ufw's order) in a set, or leaves
 * it out when an earlier element decides every packet it matches. */
void nftb_grouping_add(struct nftb_grouping *g, const struct nftb_shape *sh,
		       const struct nftb_elem *e);
/* Calls emit for each group in the order they were opened (its shape, its set
 * in t->sets), then frees g. */
void nftb_grouping_end(struct nftb_grouping *g,
		       void (*emit)(void *arg, const struct nftb_shape *sh, size_t set),
		       void *arg);

#endif
