/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reach: pure evaluation of filter-table rules (iptables-save text) for one
 * published port: who, from outside, gets through to the container. */
#ifndef UFWD_REACH_H
#define UFWD_REACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include "util.h"

/* An address prefix; IPv4 in the first 4 bytes (len <= 32). */
struct reach_pfx {
	uint8_t a[16];
	uint8_t len;
};

struct reach_rule; /* one parsed "-A CHAIN ..." line, private */

/* The rules of one table, family fixed, in file order. */
struct reach_ruleset {
	int family; /* 4 or 6 */
	struct reach_rule *v;
	size_t n, cap;
	char **chains;	   /* chains declared (":NAME ...") or appended to */
	bool *drop_policy; /* per chain: declared ":NAME DROP" (a built-in) */
	size_t n_chains;
	unsigned unknown; /* rules holding an option we do not understand */
};

/*
 * Reads every "-A CHAIN ..." and ":CHAIN" line of text (iptables-save or
 * iptables-restore syntax, one table). Lines holding matches we do not know
 * are kept but never match (counted in rs->unknown). Returns 0, or -EINVAL
 * when a line cannot be split into words (unterminated quote).
 */
int reach_parse(struct reach_ruleset *rs, int family, const char *text);
void reach_ruleset_free(struct reach_ruleset *rs); /* accepts a zeroed set */
bool reach_has_chain(const struct reach_ruleset *rs, const char *chain);

/* One published port: a DNAT Docker wrote, as reach needs it. */
struct reach_port {
	int family;	      /* 4 or 6 */
	uint8_t proto;	      /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	bool has_host_addr;   /* false: every local address */
	struct in6_addr host; /* the published address, v4 in the first 4 bytes */
	uint16_t host_port;
	struct in6_addr container; /* v4 in the first 4 bytes */
	uint16_t container_port;
	char out_if[16]; /* the container's bridge when known, else "" */
};

enum reach_verdict { REACH_OPEN, REACH_RESTRICTED, REACH_FILTERED, REACH_LOOPBACK };

/* Where evaluation starts and what falling off that chain means. A packet
 * passes when every stage of the list lets it through (nftables runs each
 * base chain on a hook in turn: an accept ends one, a drop ends all). */
struct reach_start {
	const struct reach_ruleset *rs; /* NULL: everything is accepted */
	const char *chain;		/* "DOCKER-USER" live, ours for ufw's */
	const struct reach_start *next; /* the next stage, or NULL */
};

struct reach_result {
	enum reach_verdict verdict;
	char **sources; /* who gets through, in ufw's words ("Anywhere",
			   "198.51.100.3", "10.0.0.0/8 on eth1") */
	size_t n_sources;
	char **denied; /* who gets through but ufw's rules would refuse */
	size_t n_denied;
	unsigned uncertain; /* rules we could not decide (unknown options,
			       source ports, -o without a known bridge) */
};

/*
 * Evaluates a NEW connection from outside to port p, for every source
 * address, original destination and in-interface that the rules tell apart
 * (in-interfaces matching skip_ifaces[], the internal ones, are left out).
 * live says what the kernel does, ufw what ufw's rules say (the rules sync
 * would generate; rs NULL when ufw is inactive: it denies nothing). A RETURN
 * from live.chain means Docker's rules accept. Fills *res (free with
 * reach_result_free). Pure; never fails.
 */
void reach_eval(const struct reach_start *live, const struct reach_start *ufw,
		const struct reach_port *p, const char *const *skip_ifaces, size_t n_skip,
		struct reach_result *res);
void reach_result_free(struct reach_result *res);

const char *reach_verdict_name(enum reach_verdict v); /* "open", ... */

/* Parses "1.2.3.4", "10.0.0.0/8", "::1/128", "1.2.3.0/255.255.255.0". */
bool reach_pfx_parse(const char *s, int family, struct reach_pfx *out);
/* "10.0.0.0/8"; a host prefix prints without /32 or /128. */
void reach_pfx_format(const struct reach_pfx *p, int family, struct strbuf *out);

#endif
