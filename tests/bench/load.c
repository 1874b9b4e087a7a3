/* SPDX-License-Identifier: GPL-3.0-or-later */
/* load: the bench's load generator and its server.
 *
 *   load serve CPORT SPORT     CPORT: accept and close at once (connection
 *                              rate); SPORT: read and discard until EOF, then
 *                              close (throughput). One process, poll().
 *   load conn DST PORT SECS    connect, wait for the server's close (EOF),
 *                              close with an RST (SO_LINGER 0: no TIME_WAIT),
 *                              again, for SECS seconds. Prints
 *                              "conn OK FAILED SECONDS RATE/s".
 *   load bulk DST PORT SECS    one connection, 128 KiB writes for SECS
 *                              seconds, then shutdown and wait for the
 *                              server's EOF. Prints "bulk BYTES SECONDS MB/s".
 * IPv4 only; every blocking call has a timeout (1 s connect/read, bounded by
 * SECS overall). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXC 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int listener(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1024))
		die("bind/listen");
	return fd;
}

static _Noreturn void serve(int cport, int sport)
{
	struct pollfd p[2 + MAXC];
	static char buf[1 << 17];
	int n = 2;

	p[0] = (struct pollfd){.fd = listener(cport), .events = POLLIN};
	p[1] = (struct pollfd){.fd = listener(sport), .events = POLLIN};
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
			die("poll");
		if (p[0].revents & POLLIN) {
			int c = accept(p[0].fd, NULL, NULL);

			if (c >= 0)
				close(c);
		}
		if ((p[1].revents & POLLIN) && n < 2 + MAXC) {
			int c = accept(p[1].fd, NULL, NULL);

			if (c >= 0)
				p[n++] = (struct pollfd){.fd = c, .events = POLLIN};
		}
		for (int i = 2; i < n; i++) {
			if (!p[i].revents)
				continue;
			if (read(p[i].fd, buf, sizeof(buf)) <= 0) {
				close(p[i].fd);
				p[i--] = p[--n];
			}
		}
	}
}

static int dial(const char *dst, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 1};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (inet_pton(AF_INET, dst, &a.sin_addr) != 1) {
		fprintf(stderr, "load: bad address %s\n", dst);
		exit(2);
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int conn(const char *dst, int port, double secs)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	long ok = 0, failed = 0;
	double t0 = now(), t;
	char c;

	do {
		int fd = dial(dst, port);

		if (fd < 0) {
			failed++;
		} else {
			if (read(fd, &c, 1) == 0)
				ok++;
			else
				failed++;
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			close(fd);
		}
		t = now() - t0;
	} while (t < secs);
	printf("conn %ld %ld %.3f %.1f\n", ok, failed, t, (double)ok / t);
	return failed && !ok;
}

static int bulk(const char *dst, int port, double secs)
{
	static char buf[1 << 17];
	long long sent = 0;
	double t0 = now(), t;
	int fd = dial(dst, port);
	ssize_t w;

	if (fd < 0)
		die("connect");
	memset(buf, 'x', sizeof(buf));
	while (now() - t0 < secs) {
		w = write(fd, buf, sizeof(buf));
		if (w < 0 && errno != EINTR && errno != EAGAIN)
			die("write");
		if (w > 0)
			sent += w;
	}
	shutdown(fd, SHUT_WR);
	/* the server closes once it has read everything */
	for (int i = 0; i < 10 && read(fd, buf, sizeof(buf)) != 0; i++)
		;
	t = now() - t0;
	close(fd);
	printf("bulk %lld %.3f %.1f\n", sent, t, (double)sent / t / 1e6);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 4 && !strcmp(argv[1], "serve"))
		serve(atoi(argv[2]), atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "conn"))
		return conn(argv[2], atoi(argv[3]), atof(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "bulk"))
		return bulk(argv[2], atoi(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: load serve CPORT SPORT | conn|bulk DST PORT SECS\n");
	return 2;
}
