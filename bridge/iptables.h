/* SPDX-License-Identifier: GPL-3.0-or-later */
/* iptables: runs iptables / iptables-restore (the variant ufw uses: whatever
 * `iptables` is in PATH) for one family, reads chains, detects a variant
 * mismatch with Docker, and builds the DOCKER-USER jump fix-up. */
#ifndef UFWD_IPTABLES_H
#define UFWD_IPTABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "rule.h"
#include "util.h"

#define IPT_DOCKER_USER "DOCKER-USER"

/* The default tools (ufw's), or an explicit backend of iptables 1.8. */
enum ipt_variant { IPT_DEFAULT, IPT_NFT, IPT_LEGACY };

/*
 * Runs argv (argv[0] looked up in PATH) with in (may be NULL) on its stdin,
 * collecting stdout into out and stderr into err (either may be NULL to
 * discard). Returns the exit status (0-255; 128+N when killed by signal N), or
 * -errno when it could not be started (no message: the caller reports).
 */
int run_cmd(const char *const *argv, const char *in, size_t inlen, struct strbuf *out,
	    struct strbuf *err);

/* "iptables", "ip6tables-nft", "iptables-legacy-restore", ... */
const char *ipt_cmd(enum ufw_family fam, enum ipt_variant v, bool restore);

/*
 * `iptables -S chain` with the given variant: returns 1 and the listing in out
 * when the chain exists, 0 when it does not (or the tool is missing), -EIO
 * after a message when the tool failed otherwise.
 */
int ipt_list_chain(enum ufw_family fam, enum ipt_variant v, const char *chain,
		   struct strbuf *out, struct diag *d);

/* The jump from DOCKER-USER to our entry chain, as it is in the kernel. */
struct ipt_jump {
	bool docker_user;    /* DOCKER-USER exists */
	unsigned count;	     /* rules "-A DOCKER-USER -j ufw-docker-forward" */
	bool first;	     /* one of them is DOCKER-USER's first rule */
	bool docker;	     /* Docker runs on this family (its DOCKER chain exists) */
	unsigned fwd_docker; /* Docker's "-A FORWARD -j DOCKER-USER" rules */
	unsigned fwd_ours;   /* ours, added where Docker added none (below) */
};

/*
 * Docker 20.10 with --ip6tables creates DOCKER-USER for IPv6 but never jumps
 * to it from FORWARD: then we add that jump ourselves, tagged with this
 * comment, and take it out again once Docker has its own (or on removal).
 */
#define IPT_FWD_COMMENT "ufw-docker-forward-jump"

/* Reads the jump state with ufw's variant. Returns 0 or -EIO (reported). */
int ipt_jump_state(enum ufw_family fam, struct ipt_jump *j, struct diag *d);

/* True when the jump is exactly as wanted: want: one, first; else none. */
bool ipt_jump_ok(const struct ipt_jump *j, bool want);

/*
 * Appends to tx (inside a "*filter" transaction) the lines that make the jump
 * as wanted: create DOCKER-USER if missing (want only), delete every existing
 * jump, then insert one at position 1 (want only).
 */
void ipt_jump_fixup(const struct ipt_jump *j, bool want, struct strbuf *tx);

/*
 * Refuses (-EXDEV, one message naming both tools) when ufw's variant has no
 * DOCKER-USER but the other variant has one: Docker runs on the other backend
 * and our rules would never see its traffic. Returns 0 otherwise.
 */
int ipt_check_variant(enum ufw_family fam, struct diag *d);

/* Loads tx with `iptables-restore -w -n` (ufw's variant), atomically.
 * Returns 0, or -EIO after a message quoting the tool's error. */
int ipt_restore(enum ufw_family fam, const char *tx, struct diag *d);

/* Names of the chains whose name starts with prefix, from `iptables -S`
 * (ufw's variant), in listing order, one per line in out. Returns 0 or -EIO. */
int ipt_chains_with_prefix(enum ufw_family fam, const char *prefix, struct strbuf *out,
			   struct diag *d);

/* Where sync records, per family (%d: 4 or 6), the block it applied and
 * the kernel's listing of our chains right after, to tell later whether the
 * live rules still match without applying them again. Under /run: a reboot
 * forgets it, and the next sync applies again. */
#define UFWD_LIVE_STATE_FMT "/run/ufw-docker/live-v%d"

/* ROOT/UFWD_LIVE_STATE_FMT for fam; caller frees. */
char *ipt_state_path(const char *root, enum ufw_family fam);

/*
 * The live state for block (an xlate_block text): block, a "--- live" line,
 * then `iptables -S` of every chain block declares (ufw's variant), into out
 * (reset first). Returns 0 or -EIO (reported).
 */
int ipt_live_state(enum ufw_family fam, const char *block, struct strbuf *out,
		   struct diag *d);

/* Whether a live state looks like its block was loaded: every declared
 * chain exists and they hold as many rules as the block has "-A" lines. */
bool ipt_state_plausible(const char *state);

/* Writes text to a live state file at path (this family's, or the nftables
 * backend's), creating its directory when missing. Returns 0 or -errno
 * (reported). */
int ipt_state_write(const char *path, const struct strbuf *text, struct diag *d);

/* Writes the live state for block to ipt_state_path. Returns 0 or -errno. */
int ipt_record_state(const char *root, enum ufw_family fam, const char *block,
		     struct diag *d);

/*
 * Builds into tx (reset first) one "*filter ... COMMIT" transaction: the
 * chains and rules of block (an xlate_block text, or NULL for none) followed
 * by the jump fix-up for j and want, so both take effect in one commit.
 * Returns 0, or -EINVAL when block does not end with "COMMIT\n".
 */
int ipt_build_tx(const char *block, const struct ipt_jump *j, bool want,
		 struct strbuf *tx);

/*
 * Builds into tx (reset first) the transaction that removes every jump to our
 * entry chain and, when chains is true, flushes and deletes every chain named
 * UFWD_CHAIN_PREFIX* (ufw's variant), after deleting the rules of
 * ufw-after-forward that jump to them. tx stays empty when there is nothing
 * to remove or the family's tool is missing. Returns 0 or -EIO (reported).
 */
int ipt_removal_tx(enum ufw_family fam, bool chains, struct strbuf *tx, struct diag *d);

#endif
