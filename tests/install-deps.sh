#!/usr/bin/env bash
# Installs what tcpreq needs to build, test and run its namespace lab (Debian 12, as root).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (apt-get, network namespaces)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# zmap, nmap: the input test produces real ZMap CSV and Nmap XML in the lab. curl: the analyze test's HTTP client.
# clang: the lab's checksum-fixing middlebox is a tc BPF program (tests/lab/bpf/) built with
# clang -target bpf at test time. It needs only clang and the kernel UAPI headers
# (linux-libc-dev, via libc6-dev); tc from iproute2 loads it (iproute2 links libbpf1), so
# neither libbpf-dev nor llvm is needed. openssl also runs the lab's TLS server.
# time: GNU time (/usr/bin/time -v) measures CPU and peak RSS in bench/scale.sh.
# liblwip-dev, runsc: TCP stacks other than Linux as lab targets (tests/lab/stacks.sh):
# lwIP is linked into a small server built at test time, runsc runs gVisor's netstack.
# chromium: test_summary.sh renders the summary's SVG chart once in a real browser.
# slurmctld, slurmd, slurm-client, munge: test_scaleout.sh runs the shards as a Slurm array
# job. python3-yaml: the Kubernetes manifest check. scdoc: the man pages (man/*.scd).
# libclang-rt-14-dev: libFuzzer and clang's sanitizer runtimes for tests/fuzz (clang does not
# pull it in without recommends); llvm: llvm-profdata and llvm-cov for bench/fuzz.sh's
# per-file coverage. strace: test_integrity.sh sees the output's fsync. valgrind:
# bench/valgrind.sh.
apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config \
  libnet1-dev libpcap-dev libuv1-dev libjansson-dev libcmocka-dev libssl-dev libxml2-dev \
  iproute2 nftables iptables ethtool procps python3 jq tcpdump tshark openssl clang zmap nmap curl time \
  liblwip-dev runsc chromium slurmctld slurmd slurm-client munge python3-yaml scdoc \
  libclang-rt-14-dev llvm strace valgrind >/dev/null
