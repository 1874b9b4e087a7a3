/* SPDX-License-Identifier: GPL-3.0-or-later */
/* backend: which firewall backend sync and the hook drive (the config's, or
 * for auto the one Docker uses) and the live side of the nftables backend. */
#ifndef UFWD_BACKEND_H
#define UFWD_BACKEND_H

#include <stdbool.h>

#include "config.h"
#include "diag.h"
#include "nft_backend.h"
#include "rule.h"
#include "util.h"

/* Where sync and the hook record the nft text of the tables they applied:
 * with nftb_status, tells whether the kernel still holds exactly that. */
#define UFWD_NFT_STATE_PATH "/run/ufw-docker/nft"

/*
 * The backend for cfg: iptables or nftables as configured; auto: nftables
 * when Docker's "ip docker-bridges" table exists (Docker 29+ with
 * firewall-backend=nftables), else the backend our after.rules block was
 * written for (recorded) when Docker shows no iptables layout either
 * (dockerd not running), else iptables. Returns 0 or -errno (reported).
 */
int backend_pick(enum ufwd_backend cfg, enum ufwd_backend recorded,
		 enum ufwd_backend *out, struct diag *d);

/* The backend an after*.rules block body was written for: nftables when it
 * declares the companion chain, else iptables. */
enum ufwd_backend backend_of_block(const char *body);

/* Appends the after.rules (fam V4) or after6.rules block body of the
 * nftables backend: one "*filter ... COMMIT" holding the companion
 * (nftb_iptables_companion(), jumped to from ufw6-after-forward for V6). */
void backend_nft_block(enum ufw_family fam, struct strbuf *out);

/*
 * Builds into tx (reset first) one iptables-restore transaction for fam under
 * the nftables backend: no DOCKER-USER jump and no chain of the iptables
 * backend, and when want the companion chain with exactly one jump from
 * ufw-after-forward (without want: no companion either). tx stays empty when
 * the kernel is already so. Returns 0 or -EIO (reported).
 */
int backend_companion_tx(enum ufw_family fam, bool want, struct strbuf *tx,
			 struct diag *d);

/*
 * Appends to lines (inside a "*filter" transaction) what removes a live
 * companion of fam: its jumps from ufw-after-forward, then the chain. Nothing
 * when there is none. Returns 0 or -EIO (reported).
 */
int backend_companion_removal(enum ufw_family fam, struct strbuf *lines, struct diag *d);

/* Sets *yes when the kernel holds what nftb_apply(in) would install and the
 * record under root says it was applied from the same text. 0 or -errno. */
int backend_nft_in_sync(const char *root, const struct nftb_input *in, bool *yes,
			struct diag *d);

/* nftb_apply(in) in one batch, then records its text. 0 or -errno. */
int backend_nft_apply(const char *root, const struct nftb_input *in, struct diag *d);

/* Removes our tables when present and forgets the record: 1 when tables
 * were removed, 0 when there were none, -errno. */
int backend_nft_remove(const char *root, struct diag *d);

#endif
