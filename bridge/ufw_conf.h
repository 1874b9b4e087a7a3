/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ufw_conf: reads /etc/default/ufw and /etc/ufw/ufw.conf the way ufw reads
 * them (Python's _get_defaults for policies/IPV6/LOGLEVEL, the shell for ENABLED). */
#ifndef UFWD_UFW_CONF_H
#define UFWD_UFW_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum ufw_policy { UFW_POLICY_ACCEPT, UFW_POLICY_DROP, UFW_POLICY_REJECT };
enum ufw_loglevel {
	UFW_LOGLEVEL_OFF,
	UFW_LOGLEVEL_LOW,
	UFW_LOGLEVEL_MEDIUM,
	UFW_LOGLEVEL_HIGH,
	UFW_LOGLEVEL_FULL,
};

struct ufw_state {
	bool ipv6;    /* IPV6=yes as ufw's Python reads it */
	bool enabled; /* ENABLED=yes|YES as ufw-init's shell reads it */
	enum ufw_policy input_policy;
	enum ufw_policy output_policy;
	enum ufw_policy forward_policy;
	enum ufw_loglevel loglevel; /* missing or invalid: low, as ufw does */
	bool manage_builtins;	    /* MANAGE_BUILTINS=yes (shell) */
};

/*
 * Loads ROOT/etc/default/ufw and ROOT/etc/ufw/ufw.conf (root may be NULL).
 * Returns 0, or -errno when a file cannot be read or a policy is missing or
 * invalid (one message naming the file, and the line where there is one).
 */
int ufw_state_load(struct ufw_state *st, const char *root, struct diag *d);

/* One file's text for ufw_state_parse; name is used in messages. */
struct ufw_conf_text {
	const char *name;
	const char *text; /* may hold NUL bytes; need not be NUL-terminated */
	size_t len;
};

/*
 * The parser behind ufw_state_load, on texts already read, in the order ufw
 * reads them (/etc/default/ufw, then /etc/ufw/ufw.conf; the last assignment
 * wins). kernel_ipv6 stands for "/proc/sys/net/ipv6 exists". Missing and
 * invalid policies are reported against files[0] unless a line says more.
 * Returns 0 or -EINVAL (one message); *st is only written on success.
 */
int ufw_state_parse(struct ufw_state *st, const struct ufw_conf_text *files, size_t n,
		    bool kernel_ipv6, struct diag *d);

const char *ufw_policy_name(enum ufw_policy p);	    /* "allow", "deny", "reject" */
const char *ufw_loglevel_name(enum ufw_loglevel l); /* "off", "low", ... */

#endif
