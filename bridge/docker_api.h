/* SPDX-License-Identifier: GPL-3.0-or-later */
/* docker_api: container names from Docker's API socket (GET /containers/json
 * over AF_UNIX, HTTP/1.0), by container address. Optional: any failure leaves
 * the map empty, silently; nothing else depends on it. */
#ifndef UFWD_DOCKER_API_H
#define UFWD_DOCKER_API_H

#include <stddef.h>

#include <netinet/in.h>

#define DOCKER_API_SOCKET     "/run/docker.sock"
#define DOCKER_API_TIMEOUT_MS 1000

/* One container address (IPv4 in the first 4 bytes) and the name it has. */
struct docker_name {
	int family; /* 4 or 6 */
	struct in6_addr addr;
	char *name; /* without Docker's leading '/' */
};

struct docker_names {
	struct docker_name *v;
	size_t n;
};

/* The socket: $DOCKER_HOST when it is "unix://PATH", DOCKER_API_SOCKET when
 * DOCKER_HOST is unset, NULL when it names something else (tcp://...).
 * Borrowed from the environment or static. */
const char *docker_api_socket(void);

/*
 * Asks the API at sock for /containers/json, within timeout_ms in all, and
 * adds to out every address of every container with its first name.
 * Returns 0, or -errno (-ETIMEDOUT, -ECONNREFUSED, -EPROTO on a reply that
 * is not "200" with a body): then out is left empty. Never reports.
 */
int docker_api_query(const char *sock, int timeout_ms, struct docker_names *out);

/* Pure: adds the (address, name) pairs of a /containers/json body to out.
 * What it cannot read is skipped. */
void docker_api_parse(const char *json, size_t len, struct docker_names *out);

/* The name of the container at addr, or NULL. Borrowed from n. */
const char *docker_names_find(const struct docker_names *n, int family,
			      const struct in6_addr *addr);
void docker_names_free(struct docker_names *n);

#endif
