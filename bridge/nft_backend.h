/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_backend: installs, checks and removes our nf_tables tables (nft_build)
 * for Docker's nftables firewall backend, each change one atomic batch. */
#ifndef UFWD_NFT_BACKEND_H
#define UFWD_NFT_BACKEND_H

#include <stdbool.h>

#include "config.h"
#include "diag.h"
#include "nft_build.h"
#include "nft_decode.h"
#include "rule.h"
#include "ufw_conf.h"
#include "util.h"

/* What to install: ufw's rules and state, our config, and whether the
 * IPv6 table is wanted (else it is removed). */
struct nftb_input {
	const struct ufw_ruleset *rs;
	const struct ufw_state *st;
	const struct ufwd_config *cfg;
	bool ipv6;
};

/*
 * Builds both tables (ip, and ip6 when in->ipv6) and, unless text is
 * non-NULL (then only their nft text is appended to it: a dry run), replaces
 * the live ones in ONE batch (the ip6 table is deleted when !in->ipv6), so
 * there is no instant without rules. Then reads them back and compares them
 * (nft_decode's canonical text) with what was built. Returns 0, or -errno
 * after one error; on failure nothing changed.
 */
int nftb_apply(const struct nftb_input *in, struct strbuf *text, struct diag *d);

/* Deletes our tables of both families in one batch (absent ones are fine). */
int nftb_remove(struct diag *d);

/* Sets *yes when a table of ours (ip or ip6) exists. 0 or -errno. */
int nftb_present(bool *yes, struct diag *d);

/* The same for the table of one family only. */
int nftb_present_family(enum ufw_family fam, bool *yes, struct diag *d);

/* What nftb_push sends for t (nft_push's objects), decoded into *dt
 * (initialised here) as a read-back is: the side a read-back is compared to. */
void nftb_expected(const struct nftb_table *t, struct nftd_table *dt);

/* Reads our live table of fam into *t (initialised here; the caller frees it
 * with nftd_free whatever the result), all of one ruleset generation.
 * Returns 0, -ENOENT (no such table; no message) or -errno (reported). */
int nftb_read(enum ufw_family fam, struct nftd_table *t, struct diag *d);

/*
 * Compares the live tables with what nftb_apply would install: 0 equal,
 * 1 missing or different (one warning says what), -errno on error.
 */
int nftb_status(const struct nftb_input *in, struct diag *d);

#endif
