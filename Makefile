# parley: build, install and package like a Linux tool.
#
#   make                      release build (the Swift runtime and Foundation linked in)
#   make install              into $(DESTDIR)$(PREFIX): binary, man page, completions, relay unit
#   make uninstall            removes what install put there
#   make deb                  dist/parley_VERSION_ARCH.deb, its library dependencies declared
#
# PREFIX defaults to /usr/local; DESTDIR stages an install in another root. PARLEY_BIN packages
# or installs a binary built elsewhere instead of building one (the test suite passes its own).

PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?= -c release --static-swift-stdlib
PARLEY_BIN ?=

BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
BASH_COMPLETIONS = $(PREFIX)/share/bash-completion/completions
FISH_COMPLETIONS = $(PREFIX)/share/fish/vendor_completions.d
# Debian's zsh searches vendor-completions under /usr and site-functions under /usr/local.
ZSH_COMPLETIONS = $(if $(filter /usr,$(PREFIX)),$(PREFIX)/share/zsh/vendor-completions,$(PREFIX)/share/zsh/site-functions)
SYSTEMD_UNITS = $(PREFIX)/lib/systemd/system

INSTALLED = $(BINDIR)/parley $(MANDIR)/parley.1.gz $(BASH_COMPLETIONS)/parley \
	$(ZSH_COMPLETIONS)/_parley $(FISH_COMPLETIONS)/parley.fish $(SYSTEMD_UNITS)/parley-relay.service

.PHONY: all build install uninstall deb clean-dist
all: build

# The binary to install: PARLEY_BIN when given, else the release build.
BIN = $(if $(PARLEY_BIN),$(PARLEY_BIN),$(shell $(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path 2>/dev/null)/parley)

build:
ifeq ($(PARLEY_BIN),)
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product parley
endif

install: build
	install -D -m 755 "$(BIN)" "$(DESTDIR)$(BINDIR)/parley"
	install -d "$(DESTDIR)$(MANDIR)"
	gzip -9 -n -c Man/parley.1 > "$(DESTDIR)$(MANDIR)/parley.1.gz"
	chmod 644 "$(DESTDIR)$(MANDIR)/parley.1.gz"
	install -D -m 644 Assets/completions/parley.bash "$(DESTDIR)$(BASH_COMPLETIONS)/parley"
	install -D -m 644 Assets/completions/parley.zsh "$(DESTDIR)$(ZSH_COMPLETIONS)/_parley"
	install -D -m 644 Assets/completions/parley.fish "$(DESTDIR)$(FISH_COMPLETIONS)/parley.fish"
	install -d "$(DESTDIR)$(SYSTEMD_UNITS)"
	sed 's|/usr/local/bin/parley|$(BINDIR)/parley|' Assets/systemd/parley-relay.service \
		> "$(DESTDIR)$(SYSTEMD_UNITS)/parley-relay.service"
	chmod 644 "$(DESTDIR)$(SYSTEMD_UNITS)/parley-relay.service"

uninstall:
	rm -f $(addprefix "$(DESTDIR),$(addsuffix ",$(INSTALLED)))

# A Debian package installing under /usr. Packaging/deb.sh stages the tree with `make install`,
# declares the shared libraries the binary needs (dpkg-shlibdeps) and builds it with dpkg-deb.
deb: build
	PARLEY_BIN="$(BIN)" SWIFT_BUILD_FLAGS="$(SWIFT_BUILD_FLAGS)" bash Packaging/deb.sh

clean-dist:
	rm -rf dist
