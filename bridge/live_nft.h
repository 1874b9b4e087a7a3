/* SPDX-License-Identifier: GPL-3.0-or-later */
/* live_nft: our live nf_tables table of one family (read back and decoded)
 * as reach stages: each of its base chains on the forward hook, in turn. */
#ifndef UFWD_LIVE_NFT_H
#define UFWD_LIVE_NFT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "reach.h"

struct live_nft {
	bool present;		    /* the table exists */
	struct reach_ruleset rs;    /* its rules as reach reads them */
	struct reach_start *stages; /* linked in priority order */
	char **chains;		    /* the stages' chain names */
	size_t n;
	unsigned undecoded; /* rules holding something nft_decode cannot read */
};

/* Reads our table of family (4 or 6) into *ln (zeroed here; free it with
 * live_nft_free whatever the result). Returns 0, also when there is no table
 * (then present is false and there are no stages), or -errno (reported). */
int live_nft_load(struct live_nft *ln, int family, struct diag *d);
void live_nft_free(struct live_nft *ln);

/* The first stage, the last one followed by then (the stage after our
 * table's, or NULL); then itself when our table filters nothing that is
 * forwarded. Borrowed from ln. */
const struct reach_start *live_nft_stages(struct live_nft *ln,
					  const struct reach_start *then);

#endif
