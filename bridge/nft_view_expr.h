/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_view_expr: what nft_view.c asks of one dumped rule's expressions;
 * private to nft_view.c and nft_view_expr.c. */
#ifndef UFWD_NFT_VIEW_EXPR_H
#define UFWD_NFT_VIEW_EXPR_H

#include "nft_view.h"

struct nftnl_rule;

/* Fills *vr from r, a rule of FORWARD or DOCKER-USER: handle, comment,
 * verdict and target, whether it is unconditional. */
void nv_filter_rule(struct nft_view_rule *vr, const struct nftnl_rule *r);
/* Appends r to v->dnats when it is a DNAT rule (decoded, or why not). */
void nv_dnat_rule(struct nft_view *v, const struct nftnl_rule *r);
/* Frees what one entry of v->dnats owns. */
void nv_dnat_free(struct nft_view_dnat *n);

#endif
