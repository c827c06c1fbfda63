#!/usr/bin/env python3
"""The Kubernetes Indexed Job manifest (deploy/kubernetes/) is what the README says: valid
YAML, an Indexed Job whose completions, parallelism and --shard count agree, on host
networking with only the capabilities tcpreq needs, each pod sending from its node's address,
appending to its own shard's file with --resume, and every tcpreq option it uses one that
`tcpreq --help` lists.

    check_k8s_manifest.py MANIFEST TCPREQ"""
import re
import subprocess
import sys

import yaml

manifest, tcpreq = sys.argv[1], sys.argv[2]
failures = []


def check(what, ok):
    print(("ok - " if ok else "not ok - ") + what)
    if not ok:
        failures.append(what)


with open(manifest) as f:
    job = yaml.safe_load(f)
spec = job["spec"]
pod = spec["template"]["spec"]
container = pod["containers"][0]
script = " ".join(container["args"])
check("a batch/v1 Job", job["apiVersion"] == "batch/v1" and job["kind"] == "Job")
check("completion mode Indexed", spec["completionMode"] == "Indexed")
shard = re.search(r'--shard "\$JOB_COMPLETION_INDEX/(\d+)"', script)
check("--shard I/N with I = JOB_COMPLETION_INDEX", shard is not None)
n = int(shard.group(1)) if shard else -1
check("N = completions = parallelism", spec["completions"] == n and spec["parallelism"] == n)
check("host networking", pod["hostNetwork"] is True)
caps = container["securityContext"]["capabilities"]
check("every capability dropped, then NET_RAW, NET_ADMIN, SETUID, SETGID added",
      caps["drop"] == ["ALL"] and sorted(caps["add"]) == ["NET_ADMIN", "NET_RAW", "SETGID", "SETUID"])
env = {e["name"]: e for e in container.get("env", [])}
check("-B the node's address (status.hostIP)",
      '-B "$HOST_IP"' in script and env["HOST_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.hostIP")
anti = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
check("one pod per node (no two workers share a source address)",
      anti["topologyKey"] == "kubernetes.io/hostname")
check("each pod resumes and writes its own shard's file",
      '--resume "/data/shard-$JOB_COMPLETION_INDEX.jsonl"' in script
      and '-o "/data/shard-$JOB_COMPLETION_INDEX.jsonl"' in script)
helptext = subprocess.run([tcpreq, "--help"], capture_output=True, text=True, check=True).stdout
for opt in sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])\b", script.split("exec ", 1)[1]))):
    check(f"tcpreq knows {opt}", re.search(r"(^|[ ,])" + re.escape(opt) + r"\b", helptext, re.M) is not None)
print(f"# {len(failures)} failed")
sys.exit(1 if failures else 0)
