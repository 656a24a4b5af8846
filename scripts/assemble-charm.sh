#!/usr/bin/env bash
# Assembles one charm the way charmcraft would pack a compiled charm:
#   <out>/<name>/        unpacked charm: dispatch (the small forwarder, 0755), bin/<name> (the
#                        full charm binary, 0755, the only file in bin/), metadata.yaml,
#                        config.yaml, actions.yaml, manifest.yaml, version, lib/ (bundled
#                        shared libraries, found through the binaries' $ORIGIN/../lib rpath)
#   <out>/<name>.charm   the same as a zip whose entries keep their Unix modes.
#                        and the database engine plugins the binary loads on first use
# Usage: assemble-charm.sh <charm-source-dir> <dispatch-forwarder> <charm-binary> <out-dir> <version>
#                          [<engine plugin>...]
set -euo pipefail

src_dir=$1 forwarder=$2 binary=$3 out_dir=$4 version=$5
shift 5
plugins=("$@")
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
for plugin in "${plugins[@]}"; do
  install -m 0644 "$plugin" "$charm_dir/lib/$(basename "$plugin")"
  strip --strip-unneeded "$charm_dir/lib/$(basename "$plugin")"
done
printf '%s\n' "$version" > "$charm_dir/version"

# manifest.yaml names the bases the charm runs on, as charmcraft writes it: the platforms that
# charmcraft.yaml declares (`<distribution>@<series>:<architecture>` keys) for the architecture
# built here. tests/packaging checks that the binaries below run on each of them.
arch=$(dpkg --print-architecture)
bases=$(sed -n '/^platforms:/,/^[^ #]/ s/^  \([a-z]*\)@\([0-9.]*\):\([a-z0-9]*\):.*$/\1 \2 \3/p' \
          "$src_dir/charmcraft.yaml")
{
  printf 'analysis:\n  attributes:\n'
  printf '  - name: language\n    result: unknown\n  - name: framework\n    result: unknown\n'
  printf 'bases:\n'
  while read -r distribution series platform_arch; do
    [ "$platform_arch" = "$arch" ] || continue
    printf -- "- name: %s\n  channel: '%s'\n  architectures:\n  - %s\n" \
      "$distribution" "$series" "$arch"
  done <<<"$bases"
} > "$charm_dir/manifest.yaml"
grep -q '^- name:' "$charm_dir/manifest.yaml" ||
  { echo "assemble-charm: $src_dir/charmcraft.yaml declares no platform for $arch" >&2; exit 1; }

# Bundle every shared library the binaries load except the C library itself, which the target
# base provides (at least the glibc version this build links against: see docs/packaging.md).
is_glibc() {
  case "$(basename "$1")" in
    libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*|libresolv.so.*|libutil.so.*|libnsl.so.*|libanl.so.*)
      return 0 ;;
  esac
  return 1
}
# ldd of a static executable (the forwarder, when the toolchain links it statically) fails:
# only dynamically linked files are asked.
is_dynamic() { readelf -d "$1" 2>/dev/null | grep -q '(NEEDED)'; }
dynamic=()
for file in "$forwarder" "$binary" "${plugins[@]}"; do is_dynamic "$file" && dynamic+=("$file"); done
ldd "${dynamic[@]}" | awk '/=> \// { print $3 }' | sort -u | while read -r lib; do
  is_glibc "$lib" || install -m 0644 "$lib" "$charm_dir/lib/$(basename "$lib")"
done

# Every library of both binaries, glibc aside, must resolve to the charm's own lib/.
bundled=$(readlink -f "$charm_dir/lib")
loaded=("$charm_dir/dispatch" "$charm_dir/bin/$name")
for plugin in "${plugins[@]}"; do loaded+=("$charm_dir/lib/$(basename "$plugin")"); done
for executable in "${loaded[@]}"; do
  is_dynamic "$executable" || continue
  ldd "$executable" | awk '/=>/ { print $3 }' | while read -r lib; do
    case "$(readlink -f "$lib" 2>/dev/null || echo "$lib")" in
      "$bundled"/*) ;;
      *) is_glibc "$lib" || { echo "assemble-charm: $executable loads $lib" >&2; exit 1; } ;;
    esac
  done
done

( cd "$charm_dir" && zip -q -X -r "../$name.charm" . )
echo "assembled $out_dir/$name.charm ($(du -sh "$charm_dir" | cut -f1) unpacked)"
