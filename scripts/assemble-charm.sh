#!/usr/bin/env bash
# Assembles one charm the way charmcraft would pack a compiled charm:
#   <out>/<name>/        unpacked charm: dispatch (the small forwarder, 0755), bin/<name> (the
#                        full charm binary, 0755, the only file in bin/), metadata.yaml,
#                        config.yaml, actions.yaml, manifest.yaml, version, lib/ (bundled
#                        shared libraries, found through the binaries' $ORIGIN/../lib rpath)
#   <out>/<name>.charm   the same as a zip whose entries keep their Unix modes.
# Usage: assemble-charm.sh <charm-source-dir> <dispatch-forwarder> <charm-binary> <out-dir> <version>
set -euo pipefail

src_dir=$1 forwarder=$2 binary=$3 out_dir=$4 version=$5
name=$(sed -n 's/^name:[[:space:]]*//p' "$src_dir/metadata.yaml" | head -n1)
[ -n "$name" ] || { echo "assemble-charm: no name in $src_dir/metadata.yaml" >&2; exit 1; }

charm_dir=$out_dir/$name
rm -rf "$charm_dir" "$out_dir/$name.charm"
mkdir -p "$charm_dir/lib" "$charm_dir/bin"

for file in metadata.yaml config.yaml actions.yaml; do
  [ -f "$src_dir/$file" ] && install -m 0644 "$src_dir/$file" "$charm_dir/$file"
done
install -m 0755 "$forwarder" "$charm_dir/dispatch"
install -m 0755 "$binary" "$charm_dir/bin/$name"
strip --strip-unneeded "$charm_dir/dispatch" "$charm_dir/bin/$name"
printf '%s\n' "$version" > "$charm_dir/version"
cat > "$charm_dir/manifest.yaml" <<MANIFEST
analysis:
  attributes:
  - name: language
    result: unknown
  - name: framework
    result: unknown
bases:
- name: ubuntu
  channel: '24.04'
  architectures:
  - amd64
MANIFEST

# Bundle every shared library the binaries load except the C library itself, which the target
# base provides (Ubuntu 24.04 has glibc 2.39; this build links against Debian 12's 2.36).
is_glibc() {
  case "$(basename "$1")" in
    libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*|libresolv.so.*|libutil.so.*|libnsl.so.*|libanl.so.*)
      return 0 ;;
  esac
  return 1
}
ldd "$forwarder" "$binary" | awk '/=> \// { print $3 }' | sort -u | while read -r lib; do
  is_glibc "$lib" || install -m 0644 "$lib" "$charm_dir/lib/$(basename "$lib")"
done

# Every library of both binaries, glibc aside, must resolve to the charm's own lib/.
bundled=$(readlink -f "$charm_dir/lib")
for executable in "$charm_dir/dispatch" "$charm_dir/bin/$name"; do
  ldd "$executable" | awk '/=>/ { print $3 }' | while read -r lib; do
    case "$(readlink -f "$lib" 2>/dev/null || echo "$lib")" in
      "$bundled"/*) ;;
      *) is_glibc "$lib" || { echo "assemble-charm: $executable loads $lib" >&2; exit 1; } ;;
    esac
  done
done

( cd "$charm_dir" && zip -q -X -r "../$name.charm" . )
echo "assembled $out_dir/$name.charm ($(du -sh "$charm_dir" | cut -f1) unpacked)"
