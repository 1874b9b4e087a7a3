/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_view: a read-only model of the live nf_tables state that matters to us:
 * table filter's chains, FORWARD and DOCKER-USER rules, Docker's DNATs. */
#ifndef UFWD_NFT_VIEW_H
#define UFWD_NFT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include "diag.h"

enum nft_view_verdict {
	NFT_VIEW_NONE, /* no verdict: falls through (e.g. counter only) */
	NFT_VIEW_ACCEPT,
	NFT_VIEW_DROP,
	NFT_VIEW_RETURN,
	NFT_VIEW_JUMP, /* target names the chain */
	NFT_VIEW_GOTO, /* target names the chain */
	NFT_VIEW_CONTINUE,
	NFT_VIEW_XT_TARGET, /* an xt compat target: target names it (REJECT, LOG) */
	NFT_VIEW_OTHER,	    /* some other verdict (queue, stolen) */
};

/* One rule of FORWARD or DOCKER-USER, in kernel order. */
struct nft_view_rule {
	uint64_t handle;
	enum nft_view_verdict verdict;
	char *target;	    /* chain or xt target name, else NULL */
	char *comment;	    /* iptables' -m comment / nft comment, else NULL */
	bool unconditional; /* nothing but counters besides the verdict */
};

struct nft_view_chain {
	char *name;
	uint64_t handle;
	bool base;	  /* has a hook; hooknum, prio and policy are valid */
	uint32_t hooknum; /* NF_INET_FORWARD, ... */
	int32_t prio;
	uint32_t policy;   /* NF_ACCEPT or NF_DROP */
	bool rules_loaded; /* rules below were read (FORWARD, DOCKER-USER) */
	struct nft_view_rule *rules;
	size_t n_rules;
};

/* One DNAT rule Docker (or anyone) wrote, in table nat (iptables) or
 * docker-bridges (Docker's nftables backend). */
struct nft_view_dnat {
	char *table;
	char *chain;
	uint64_t handle;
	bool decoded; /* false: why says what could not be read; the rest
			 below is unreliable and must not be used */
	char *why;
	char *xt_name;		       /* "DNAT" when written as an xt compat target */
	uint8_t l4proto;	       /* IPPROTO_TCP/UDP, 0 when any */
	uint16_t dport_min, dport_max; /* host port(s) matched, 0 when any */
	char iifname[16];	       /* "" when any */
	bool iif_neg;		       /* iifname != iifname */
	bool has_daddr;		       /* host address matched */
	struct in6_addr daddr;	       /* v4 as the first 4 bytes */
	bool has_to_addr;
	struct in6_addr to_addr; /* container address, v4 in the first 4 bytes */
	uint16_t to_port_min, to_port_max; /* container port(s), 0 when kept */
};

struct nft_view {
	int family;		 /* NFPROTO_IPV4 or NFPROTO_IPV6 */
	uint32_t genid;		 /* low 16 bits of the generation it was read at */
	bool has_filter;	 /* table filter exists in nf_tables: iptables-nft */
	bool has_nat;		 /* table nat exists in nf_tables */
	bool has_docker_bridges; /* Docker's nftables backend table exists */
	struct nft_view_chain *chains; /* table filter's chains, kernel order */
	size_t n_chains;
	struct nft_view_dnat *dnats;
	size_t n_dnats;
};

/* Reads the live state for family (NFPROTO_IPV4 or NFPROTO_IPV6) into *v,
 * which the caller owns and must nft_view_free() afterwards, whatever the
 * result. Returns 0 (also when nothing exists: then has_filter is false and
 * nft_view_kind() says "not nf_tables": iptables-legacy or no firewall, read
 * iptables-legacy-save instead), or -errno with one error reported. The
 * view is consistent: reads that raced a ruleset change are redone. */
int nft_view_load(struct nft_view *v, int family, struct diag *d);
void nft_view_free(struct nft_view *v);

/* "iptables-nft", "nftables (Docker backend)", both joined with " + ", or
 * "not nf_tables". Static string. */
const char *nft_view_kind(const struct nft_view *v);
/* The chain of table filter named name, or NULL. Borrowed from v. */
const struct nft_view_chain *nft_view_chain(const struct nft_view *v, const char *name);
/* Where the first FORWARD rule jumps to: the chain name when that rule is an
 * unconditional jump/goto, else NULL. Docker's contract is "DOCKER-USER". */
const char *nft_view_forward_first_jump(const struct nft_view *v);
/* Static name of a verdict: "accept", "jump", "xt-target", ... */
const char *nft_view_verdict_name(enum nft_view_verdict vd);

#endif
