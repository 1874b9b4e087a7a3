/* SPDX-License-Identifier: GPL-3.0-or-later */
/* live: reads the running firewall for status and check (our chains, FORWARD,
 * DOCKER-USER, Docker's DNATs), through netlink for iptables-nft and through
 * iptables-legacy-save for legacy, and judges it against ufw's rules. */
#ifndef UFWD_LIVE_H
#define UFWD_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include "config.h"
#include "diag.h"
#include "reach.h"
#include "rule.h"
#include "ufw_conf.h"
#include "util.h"

enum live_variant { LIVE_NONE, LIVE_NFT, LIVE_LEGACY };

/* A DNAT rule of Docker's: one published port (or range). */
struct live_dnat {
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	bool has_host;
	struct in6_addr host; /* v4 in the first 4 bytes */
	uint16_t port_min, port_max;
	struct in6_addr to; /* the container */
	uint16_t to_port;   /* 0: the host port is kept */
	char iif[16];	    /* "" when any */
	bool iif_neg;
};

/* One family's live state (live_family.c). */
struct live_family {
	int family;			/* 4 or 6 */
	enum live_variant ufw_variant;	/* what `iptables` is: ufw's tools */
	bool docker_nft, docker_legacy; /* Docker's chains found there */
	bool docker_nftables;		/* Docker's nftables backend tables */
	const char *source;		/* how we read it, for status */
	char *filter_text;		/* iptables-save -t filter, ufw's variant */
	bool has_docker_user;
	bool forward_first_docker_user; /* FORWARD's first rule jumps there */
	bool docker_user_first_ours;	/* DOCKER-USER's first rule jumps to us */
	unsigned jumps_to_ours;		/* DOCKER-USER rules jumping to us */
	struct live_dnat *dnats;
	size_t n_dnats;
};

int live_load(struct live_family *lf, int family, struct diag *d);
void live_free(struct live_family *lf);
const char *live_variant_name(enum live_variant v); /* "iptables-nft", ... */
/* Where Docker's rules are: "iptables-nft", "nftables", "none", ... */
const char *live_docker_backend(const struct live_family *lf);

/* A finding of status/check. */
struct live_problem {
	char *kind; /* "drift", "jump", "forward", "variant", "leak", "docker-user" */
	int family; /* 4, 6, or 0 for both */
	char *message;
	char *fix; /* a command line, or NULL */
};

struct live_port {
	int family;
	struct reach_port port;
	char *container; /* name from Docker's API, or NULL */
	struct reach_result r;
};

/* Everything status and check report (live.c). */
struct live_survey {
	struct ufw_state st;
	struct ufwd_config cfg;
	struct ufw_ruleset rs;
	struct live_family fam[2];
	size_t n_fam;
	bool in_sync[2]; /* live chains equal what sync would write now */
	bool sync_known[2];
	struct live_problem *problems;
	size_t n_problems;
	struct live_port *ports;
	size_t n_ports;
	enum ufwd_backend backend; /* in force: iptables or nftables */
	/* Our nf_tables tables (ip/ip6 ufw-docker) against what sync would
	 * install: "in sync", "missing", "different", "none" (none wanted,
	 * none there), "left over" (there, none wanted); NULL: not checked. */
	const char *nft_tables;
	int nft_family;	    /* missing or different: the family (4 or 6) found first */
	bool nft_absent[2]; /* our table of IPv4 [0] / IPv6 [1] is not loaded */
	bool docker_names;  /* Docker's API answered (names looked up) */
};

/* Reads ufw's files (under root), our config, the live state of both
 * families and judges them. Returns 0 or -errno (reported). */
int live_survey(struct live_survey *s, const char *root, const char *config_path,
		struct diag *d);
void live_survey_free(struct live_survey *s);

/* Output (live_report.c). JSON arrays for --json: "problems":[...] and
 * "ports":[...] members. */
void live_problems_json(const struct live_survey *s, struct strbuf *out);
void live_ports_json(const struct live_survey *s, struct strbuf *out);
/* "0.0.0.0" / "::" when any, else the address; "tcp", "udp", "sctp". */
void live_port_host(const struct live_port *lp, struct strbuf *out);
void live_port_container(const struct live_port *lp, struct strbuf *out);
const char *live_proto_name(uint8_t proto);
/* "\nProblems:\n" and one line per problem with its fix; nothing if none. */
void live_problems_text(const struct live_survey *s, struct strbuf *out);

#endif
