# SPDX-License-Identifier: GPL-3.0-or-later
# ufw-docker: build, test, fuzz and install.  `make V=1` shows the commands.

VERSION    ?= 0.1.0
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/lib/ufw-docker
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
COMPLDIR   ?= $(PREFIX)/share/bash-completion/completions
DESTDIR    ?=
PKG_CONFIG ?= pkg-config
CC         ?= cc
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 20
# Separate trees let several builds run side by side: make BUILD=/tmp/b BIN=/tmp/b/ufw-docker
BUILD      ?= build
BIN        ?= ufw-docker

LIBS_PC   := libnftnl libmnl inih
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PC))
PC_LIBS   := $(shell $(PKG_CONFIG) --libs $(LIBS_PC))
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka)

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -Wstrict-prototypes \
	    -Wmissing-prototypes -Wold-style-definition -Wformat=2 -Wshadow \
	    -Wno-format-nonliteral
CPPFLAGS += -D_GNU_SOURCE -DUFWD_VERSION='"$(VERSION)"' \
	    -DUFWD_LIBEXECDIR='"$(LIBEXECDIR)"' -Ibridge $(PC_CFLAGS)
LDLIBS   += $(PC_LIBS)

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=all

ifeq ($(V),1)
Q :=
else
Q := @
endif

SRCS      := $(sort $(wildcard bridge/*.c))
LIB_SRCS  := $(filter-out bridge/main.c,$(SRCS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
# Helpers every unit test binary links (tests/unit/helpers/).
HELPER_SRCS := $(sort $(wildcard tests/unit/helpers/*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))

OBJS      := $(SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
SAN_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/san/%.o)
HELPER_OBJS     := $(HELPER_SRCS:%.c=$(BUILD)/%.o)
SAN_HELPER_OBJS := $(HELPER_SRCS:%.c=$(BUILD)/san/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
SAN_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/san/tests/%)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: all check unit unit-san root-tests fuzz fuzz-smoke install clean \
	demo deb format leak-window bench

all: $(BIN)

$(BIN): $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/san/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC-SAN  $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) $(HELPER_OBJS)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(LIB_OBJS) $(HELPER_OBJS) \
		$(LDLIBS) $(CMOCKA_LIBS)

$(BUILD)/san/tests/%: tests/unit/%.c $(SAN_OBJS) $(SAN_HELPER_OBJS)
	@mkdir -p $(dir $@)
	@echo "  TEST-SAN $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -MMD -MP -o $@ $< \
		$(SAN_OBJS) $(SAN_HELPER_OBJS) $(LDLIBS) $(CMOCKA_LIBS)

# Unit tests run from the top of the tree (they read tests/data/).
unit: $(UNIT_BINS)
	$(Q)tests/run-unit.sh $(UNIT_BINS)

unit-san: $(SAN_BINS)
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run-unit.sh $(SAN_BINS)

# Tests with real ufw, iptables, nft and dockerd in namespaces (root).
root-tests: $(BIN)
	$(Q)UFWD=$(abspath $(BIN)) tests/run-root.sh

check: $(BIN) unit unit-san root-tests

# The full no-leak-window run (200 syncs, 20 ufw reloads, a dockerd restart
# under a tight connect loop; a few minutes): make check runs the short one.
leak-window: $(BIN)
	$(Q)UFWD=$(abspath $(BIN)) LW_FULL=1 tests/root/leak-window.sh

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -std=c11 -g -O1 -Wall -Wextra -Werror \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $< $(LIB_SRCS) $(LDLIBS)

fuzz: $(FUZZ_BINS)

# Each target for FUZZ_TIME seconds from its committed seed corpus.
fuzz-smoke: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ_BINS)

install: $(BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(SYSCONFDIR)/ufw-docker
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/ufw-docker
	install -m 0644 etc/ufw-docker.conf \
		$(DESTDIR)$(SYSCONFDIR)/ufw-docker/ufw-docker.conf
	sed 's|@SBINDIR@|$(SBINDIR)|g' hooks/after-init-hook \
		> $(DESTDIR)$(LIBEXECDIR)/after-init-hook
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/after-init-hook
	install -d $(DESTDIR)$(UNITDIR)
	for u in hooks/*.path hooks/*.service; do \
		sed 's|@SBINDIR@|$(SBINDIR)|g' $$u \
			> $(DESTDIR)$(UNITDIR)/$$(basename $$u); \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u); \
	done
	install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(COMPLDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g; s|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
		bridge/ufw-docker.8 > $(DESTDIR)$(MANDIR)/man8/ufw-docker.8
	chmod 0644 $(DESTDIR)$(MANDIR)/man8/ufw-docker.8
	install -m 0644 hooks/ufw-docker.bash-completion \
		$(DESTDIR)$(COMPLDIR)/ufw-docker

# The README's first command: a sandboxed demo (root; namespaces only).
demo: $(BIN)
	$(Q)UFWD=$(abspath $(BIN)) tests/demo.sh

# The benchmark of tests/bench/README.md (root; namespaces only; ~6 min).
bench: $(BIN)
	$(Q)UFWD=$(abspath $(BIN)) tests/bench/run.sh

# The Debian package, in $(BUILD)/deb/, checked by lintian (no error, no
# warning). Built from a copy of this tree's files (in git: tracked and
# untracked-not-ignored, as they are in the working tree) in $(BUILD)/deb/src,
# so dpkg-buildpackage's `debian/rules clean` never cleans this tree and its
# products (.deb, -dbgsym .deb, .buildinfo, .changes) never land in `..`.
DEB_DIR := $(BUILD)/deb
deb:
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	$(Q)if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z -co --exclude-standard | \
			tar --null -T - --ignore-failed-read --anchored \
				--exclude='$(BUILD)' -cf -; \
	else \
		tar --anchored --exclude=./.git --exclude=./build \
			--exclude='./$(BUILD)' -cf - .; \
	fi | tar -C $(DEB_DIR)/src -xf -
	# the package builds with its own defaults, not this make's BUILD=...
	cd $(DEB_DIR)/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u BIN \
		dpkg-buildpackage -us -uc -b
	$(Q)rm -rf $(DEB_DIR)/src
	lintian --fail-on error,warning $(DEB_DIR)/ufw-docker_*.deb
	@ls -1 $(DEB_DIR)/*.deb

format:
	clang-format -i bridge/*.c bridge/*.h tests/unit/*.c tests/fuzz/*.c

clean:
	rm -rf build ufw-docker

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)
