/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config: our own /etc/ufw-docker/ufw-docker.conf, INI parsed with inih into a
 * struct preset to the documented defaults; unknown keys and bad values fail. */
#ifndef UFWD_CONFIG_H
#define UFWD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#define UFWD_CONFIG_PATH "/etc/ufw-docker/ufw-docker.conf"

enum ufwd_backend { UFWD_BACKEND_AUTO, UFWD_BACKEND_IPTABLES, UFWD_BACKEND_NFTABLES };
enum ufwd_tristate { UFWD_AUTO, UFWD_YES, UFWD_NO };

struct ufwd_config {
	enum ufwd_backend backend; /* [general] backend = auto|iptables|nftables */
	enum ufwd_tristate ipv6;   /* [general] ipv6 = auto|yes|no (auto: ufw's IPV6) */
	/* [docker] internal_interfaces: connections arriving on these are
	 * container traffic (container to a published port), not filtered by
	 * ufw's incoming rules. iptables wildcard '+' allowed. */
	char **internal_ifaces;
	size_t n_internal_ifaces;
	char *log_prefix; /* [logging] prefix, default "UFW DOCKER" */
};

/* Sets every field to its documented default. */
void ufwd_config_defaults(struct ufwd_config *c);
/*
 * Loads path over the defaults. A missing file is not an error (defaults
 * stay). Returns 0, or -EINVAL/-errno after one message "path:line: ..." per
 * error (every bad line is reported). *c must hold defaults or be zeroed; it
 * is replaced only on success and is left untouched on failure.
 */
int ufwd_config_load(struct ufwd_config *c, const char *path, struct diag *d);
/* Same, from a string (tests and fuzzing); name is used in messages. */
int ufwd_config_load_string(struct ufwd_config *c, const char *text, const char *name,
			    struct diag *d);
void ufwd_config_free(struct ufwd_config *c); /* accepts a zeroed struct */

const char *ufwd_backend_name(enum ufwd_backend b);   /* "auto", "iptables", ... */
const char *ufwd_tristate_name(enum ufwd_tristate t); /* "auto", "yes", "no" */

#endif
