#!/usr/bin/env bash
# Builds dist/parley_VERSION_ARCH.deb from PARLEY_BIN (called by `make deb`, which builds it).
# The tree is staged with `make install PREFIX=/usr`; the shared libraries the binary needs are
# declared with dpkg-shlibdeps; the Swift runtime must be linked in (`--static-swift-stdlib`)
# unless PARLEY_DEB_TOOLCHAIN_RUNTIME=1 says the package is for machines that have the
# toolchain (the test suite packages its own debug build that way). PARLEY_DEB_COMPRESSION
# picks dpkg-deb's compressor (xz by default), PARLEY_DEB_DIR the directory written (dist).
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${PARLEY_BIN:?PARLEY_BIN names the binary to package}"
[ -x "$bin" ] || { echo "deb: no executable at $bin" >&2; exit 1; }
for tool in dpkg-deb dpkg-shlibdeps readelf strip gzip; do
  command -v "$tool" >/dev/null || { echo "deb: $tool is missing (bash .ci/deps installs it)" >&2; exit 1; }
done

runtime=$(readelf -d "$bin" | grep -o 'libswiftCore\.so\|libFoundation\.so' | sort -u | tr '\n' ' ' || true)
if [ -n "$runtime" ] && [ "${PARLEY_DEB_TOOLCHAIN_RUNTIME:-0}" != 1 ]; then
  echo "deb: $bin needs the Swift toolchain's ${runtime}at run time; build it with --static-swift-stdlib" >&2
  exit 1
fi

version=$("$bin" --version | awk '{ print $2; exit }')
[[ "$version" =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || { echo "deb: '$bin --version' gave no version" >&2; exit 1; }
arch=$(dpkg --print-architecture)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage="$work/root"
make --no-print-directory install PREFIX=/usr DESTDIR="$stage" PARLEY_BIN="$bin" >/dev/null
# Shipped stripped, as Debian binaries are (the static release build: 77 MB, most of it ICU data).
strip --strip-unneeded "$stage/usr/bin/parley"
install -d "$stage/usr/share/doc/parley"
gzip -9 -n -c README.md > "$stage/usr/share/doc/parley/README.md.gz"

# dpkg-shlibdeps reads the package's name from a debian/control and resolves $ORIGIN against
# a DEBIAN directory in the tree.
mkdir -p "$work/src/debian" "$stage/DEBIAN"
printf 'Source: parley\n\nPackage: parley\nArchitecture: any\n' > "$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O --warnings=0 -e"$stage/usr/bin/parley" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "deb: dpkg-shlibdeps found no library dependencies" >&2; exit 1; }

size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<EOF
Package: parley
Version: $version
Architecture: $arch
Maintainer: parley maintainers <maintainers@users.noreply.b-seed-846e2bb4.example>
Installed-Size: $size
Depends: $depends
Section: net
Priority: optional
Description: decentralized, end-to-end encrypted chat, voice and files for the terminal
 parley finds peers on the local network, opens direct Noise-encrypted TCP sessions to them
 for text, Opus voice calls and files, and can fall back to a blind relay server
 (parley relay, with a systemd unit) that it can also compare itself against.
EOF

# The relay's unit runs as the system user parley-relay; created once, kept on removal.
cat > "$stage/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  getent passwd parley-relay >/dev/null ||
    useradd --system --user-group --home-dir /var/lib/parley-relay --no-create-home \
      --shell /usr/sbin/nologin parley-relay
  if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
fi
EOF
cat > "$stage/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
EOF
chmod 755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/postrm"

dir="${PARLEY_DEB_DIR:-dist}"
mkdir -p "$dir"
out="$dir/parley_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Z"${PARLEY_DEB_COMPRESSION:-xz}" --build "$stage" "$out" >/dev/null
echo "$out"
