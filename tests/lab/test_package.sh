#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The Debian package: a Release build packed with `cpack -G DEB`, checked for its contents
# and dependencies, then installed with `apt-get install ./tcpreq_*.deb` and used: the
# version, the man pages, the completion and the firewall templates where the README says,
# a scan of the lab target with the installed binary, and the same scan as `nobody` after
# the README's setcap. Then `apt-get remove`.
#
# The machine is shared: the install happens in a mount namespace of its own, with /usr,
# /etc and /var overlaid by directories of this test (overlayfs), so the system, its dpkg
# database and its locks never see the package.
# Usage: test_package.sh PATH/TO/tcpreq   (as root; the argument is not used: the package
# is built from this checkout, without sanitizers)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
top=$(cd "$here/../.." && pwd)

work=$(mktemp -d)
chmod 755 "$work"
cleanup() { lab_down; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build and pack
cmake -S "$top" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DTCPREQ_TESTS=OFF >"$work/build.log" 2>&1 &&
  cmake --build "$work/build" -j"$(nproc)" >>"$work/build.log" 2>&1 &&
  (cd "$work/build" && cpack -G DEB >>"$work/build.log" 2>&1)
assert_eq "cpack -G DEB: exit code" 0 "$?" || tail -n 20 "$work/build.log"
version=$(sed -n 's/^project(tcpreq VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
deb=$(ls "$work"/build/tcpreq_"$version"_*.deb 2>/dev/null)
if [ -f "$deb" ]; then pass "package: $(basename "$deb")"; else fail "no tcpreq_${version}_*.deb"; fi
contents=$(dpkg-deb --contents "$deb" | awk '{ print $6 }')
for f in ./usr/bin/tcpreq ./usr/share/man/man1/tcpreq.1.gz ./usr/share/man/man1/tcpreq-analyze.1.gz \
  ./usr/share/man/man1/tcpreq-summary.1.gz ./usr/share/bash-completion/completions/tcpreq \
  ./usr/share/tcpreq/firewall/tcpreq.nft ./usr/share/tcpreq/firewall/tcpreq-iptables.rules \
  ./usr/share/tcpreq/firewall/tcpreq-ip6tables.rules ./usr/share/doc/tcpreq/README.md; do
  if grep -qxF "$f" <<<"$contents"; then pass "package holds $f"; else fail "package lacks $f"; fi
done
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libpcap0.8 libuv1 libjansson4 libnet1 libssl3 libxml2; do
  assert_contains "Depends names $lib" "$depends" "$lib"
done

# --- the lab, for a scan with the installed binary
lab_up
lab_prober_firewall
lab_target_listen 80
mkdir -m 777 "$work/out"

# --- install, use, remove: inside a private mount namespace over overlays
cat >"$work/inside.sh" <<'INSIDE'
set -uo pipefail
. "$HERE/assert.sh"
for d in usr etc var; do
  mkdir -p "$WORK/overlay/$d/upper" "$WORK/overlay/$d/work"
  mount -t overlay overlay \
    -o "lowerdir=/$d,upperdir=$WORK/overlay/$d/upper,workdir=$WORK/overlay/$d/work" "/$d" ||
    { fail "overlay on /$d"; exit 1; }
done
cd "$(dirname "$DEB")"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "./$(basename "$DEB")" >"$WORK/apt-install.log" 2>&1
assert_eq "apt-get install ./$(basename "$DEB"): exit code" 0 "$?" || tail -n 20 "$WORK/apt-install.log"
assert_eq "dpkg knows it installed" "install ok installed" \
  "$(dpkg-query -W -f '${Status}' tcpreq 2>/dev/null)"
assert_eq "installed in /usr/bin" /usr/bin/tcpreq "$(command -v tcpreq)"
out=$(unshare -n tcpreq --version)
if [[ $out =~ ^tcpreq\ $VERSION\ \(git\ [^\ ]+\)$ ]]; then pass "--version: $out"
else fail "--version: '$out'"; fi
for page in tcpreq tcpreq-analyze tcpreq-summary; do
  assert_eq "man -w $page" "/usr/share/man/man1/$page.1.gz" "$(man -w "$page" 2>/dev/null)"
done
assert_contains "man tcpreq documents setcap" "$(MANWIDTH=100 man tcpreq 2>/dev/null)" \
  "setcap cap_net_raw,cap_net_admin+ep /usr/bin/tcpreq"
assert_contains "bash completion installed" \
  "$(cat /usr/share/bash-completion/completions/tcpreq)" "complete -F _tcpreq tcpreq"
ip netns exec "$LAB_PROBER_NS" nft -c -f /usr/share/tcpreq/firewall/tcpreq.nft
assert_eq "the firewall template loads (nft -c)" 0 "$?"

# a scan with the installed binary, as root
ip netns exec "$LAB_PROBER_NS" /usr/bin/tcpreq -q -B "$LAB_PROBER4" -B "$LAB_PROBER6" \
  -T OptionSupportTest -o "$WORK/out/root.jsonl" "$LAB_TARGET4:80" "[$LAB_TARGET6]:80"
assert_eq "installed tcpreq, as root: exit code" 0 "$?"
assert_eq "installed tcpreq, as root: every test PASS" "PASS" \
  "$(jq -r '.results[].status' "$WORK/out/root.jsonl" | sort -u | tr '\n' ' ' | sed 's/ $//')"
# as the README says: just the capabilities on the binary, and an unprivileged user
setcap cap_net_raw,cap_net_admin+ep /usr/bin/tcpreq
assert_eq "setcap on the installed binary" "cap_net_admin,cap_net_raw=ep" \
  "$(getcap /usr/bin/tcpreq | awk '{ print $2 }')"
ip netns exec "$LAB_PROBER_NS" setpriv --reuid=nobody --regid=nogroup --clear-groups \
  /usr/bin/tcpreq -q -B "$LAB_PROBER4" -T OptionSupportTest -o "$WORK/out/nobody.csv" "$LAB_TARGET4:80"
assert_eq "installed tcpreq, as nobody with file capabilities: exit code" 0 "$?"
assert_eq "as nobody: OptionSupportTest PASS" "PASS" \
  "$(awk -F, '$5 == "OptionSupportTest" { print $6 }' "$WORK/out/nobody.csv")"

DEBIAN_FRONTEND=noninteractive apt-get remove -y -q tcpreq >"$WORK/apt-remove.log" 2>&1
assert_eq "apt-get remove: exit code" 0 "$?"
if [ -e /usr/bin/tcpreq ]; then fail "removed: /usr/bin/tcpreq is still there"
else pass "removed: /usr/bin/tcpreq is gone"; fi
assert_done
INSIDE
system_before=$(dpkg-query -W -f '${Status}' tcpreq 2>&1; ls -l /usr/bin/tcpreq 2>&1)
HERE=$here WORK=$work DEB=$deb VERSION=$version LAB_PROBER_NS=$LAB_PROBER_NS \
  LAB_PROBER4=$LAB_PROBER4 LAB_PROBER6=$LAB_PROBER6 LAB_TARGET4=$LAB_TARGET4 \
  LAB_TARGET6=$LAB_TARGET6 unshare -m --propagation private bash "$work/inside.sh"
assert_eq "install, use and remove (in the overlay)" 0 "$?"
assert_eq "the system outside the overlay never saw the package" "$system_before" \
  "$(dpkg-query -W -f '${Status}' tcpreq 2>&1; ls -l /usr/bin/tcpreq 2>&1)"

assert_done
