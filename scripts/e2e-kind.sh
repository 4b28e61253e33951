#!/usr/bin/env bash
# `make e2e-kind` (issue #12): the whole story on a real, disposable Kubernetes cluster, for
# machines with kind, Docker and Helm:
#
#   [kind control-plane: agent = planet root] ---- docker network "kind" ---- [kind worker: agent]
#        pod e2e-a (zt0 on ZTNetwork e2e)  <---------- ping over ZeroTier ---------->  pod e2e-b
#
#   1. a two-node kind cluster, the ztkube image (make image) and busybox loaded into it
#   2. a private planet whose one root is the control-plane node's agent (its identity made
#      here and placed in the node's /var/lib/ztkube), so nothing talks to public roots
#   3. helm install of charts/ztkube with that planet and the image, waiting for the rollouts
#   4. a managed ZTNetwork, two annotated pods pinned to different nodes, a ping between them
#   5. teardown (also on failure): the kind cluster and the temp dir
#
# Without kind, docker or helm (as on the development machines) it prints that it is skipped
# and why, and exits 0; in every other case a failed step exits non-zero.
# Env: E2E_KEEP=1 keeps the cluster for a look; E2E_TIMEOUT (default 300s) bounds each wait.
set -euo pipefail

missing=()
for tool in kind docker helm kubectl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if ((${#missing[@]} > 0)); then
  list=${missing[0]}
  for tool in "${missing[@]:1}"; do list+=", $tool"; done
  echo "e2e-kind: skipped: $list not found (it needs kind, docker, helm and kubectl)"
  exit 0
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
cluster="ztkube-e2e-$$"
ns=ztkube-system
timeout=${E2E_TIMEOUT:-300s}
image=ztkube:e2e
pod_image=busybox:1.36
work=$(mktemp -d "${TMPDIR:-/tmp}/ztkube-e2e-kind-XXXXXX")
kc="$work/kubeconfig"

say() { printf '\ne2e-kind: %s\n' "$*"; }
k() { kubectl --kubeconfig "$kc" "$@"; }
cleanup() {
  local code=$?
  if [[ $code -ne 0 ]]; then
    say "failed (exit $code); the cluster's view:"
    k get nodes,ztnodes,ztnetworks -o wide 2>/dev/null || true
    k -n "$ns" get pods -o wide 2>/dev/null || true
    k -n "$ns" logs -l app.kubernetes.io/component=agent --tail=50 --prefix 2>/dev/null || true
  fi
  if [[ "${E2E_KEEP:-}" == 1 ]]; then
    say "kept cluster $cluster (kubeconfig $kc); remove it with: kind delete cluster --name $cluster"
  else
    kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
    rm -rf "$work"
  fi
  exit $code
}
trap cleanup EXIT

say "building the image $image"
make -C "$repo" build >/dev/null
DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock} node "$repo/scripts/image.mjs" "$image"
docker pull -q "$pod_image" >/dev/null

say "creating kind cluster $cluster (control-plane + worker)"
cat >"$work/kind.yaml" <<'EOF'
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
  - role: worker
EOF
kind create cluster --name "$cluster" --config "$work/kind.yaml" --kubeconfig "$kc" --wait "$timeout"
kind load docker-image "$image" "$pod_image" --name "$cluster"
cp_node="$cluster-control-plane"
worker_node="$cluster-worker"

say "a private planet: its root is the agent on $cp_node"
cp_ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$cp_node")
"$repo/bin/zerotier-idtool" generate "$work/identity.secret" "$work/identity.public" >/dev/null
chmod 600 "$work/identity.secret"
docker exec "$cp_node" mkdir -p /var/lib/ztkube
docker cp "$work/identity.secret" "$cp_node:/var/lib/ztkube/identity.secret"
docker cp "$work/identity.public" "$cp_node:/var/lib/ztkube/identity.public"
docker exec "$cp_node" chmod 600 /var/lib/ztkube/identity.secret
printf '{"id":"%s","roots":[{"identity":"%s","stableEndpoints":["%s/9993"]}]}\n' \
  "$(printf '%016x' $((RANDOM * 65536 + RANDOM + 1)))" "$(cat "$work/identity.public")" "$cp_ip" >"$work/planet.json"
"$repo/bin/ztkube" planet create "$work/planet.json" "$work/planet" >/dev/null

say "helm install"
helm --kubeconfig "$kc" install ztkube "$repo/charts/ztkube" --namespace "$ns" --create-namespace \
  --set image.repository="${image%%:*}" --set image.tag="${image##*:}" --set image.pullPolicy=Never \
  --set planet.mode=custom --set planet.custom="$(base64 -w0 "$work/planet")" --wait --timeout "$timeout"
k -n "$ns" rollout status ds/ztkube-agent --timeout "$timeout"
k -n "$ns" rollout status deploy/ztkube-operator --timeout "$timeout"

say "a managed ZTNetwork"
k apply -f - <<'EOF'
apiVersion: ztkube.io/v1alpha1
kind: ZTNetwork
metadata:
  name: e2e
spec:
  managed:
    name: e2e-lan
    ipv4Pools: [{start: 10.147.17.10, end: 10.147.17.250}]
    routes: [{target: 10.147.17.0/24}]
  attach:
    mode: bridge
    podRanges: [10.148.0.0/16]
EOF
k wait --for=condition=Ready ztnetwork/e2e --timeout "$timeout"

say "two annotated pods on different nodes"
for pair in "e2e-a:$cp_node" "e2e-b:$worker_node"; do
  name=${pair%%:*} node=${pair##*:}
  k apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $name
  annotations:
    ztkube.io/networks: e2e
spec:
  nodeName: $node
  tolerations: [{operator: Exists}]
  containers:
    - name: box
      image: $pod_image
      imagePullPolicy: Never
      command: [sleep, "3600"]
EOF
done
k wait --for=condition=Ready pod/e2e-a pod/e2e-b --timeout "$timeout"

b_ip=$(k exec e2e-b -- ip -4 -o addr show dev zt0 | awk '{print $4}' | cut -d/ -f1)
[[ -n "$b_ip" ]] || { echo "e2e-kind: pod e2e-b has no IPv4 address on zt0" >&2; exit 1; }
say "ping from e2e-a ($cp_node) to e2e-b ($worker_node) at $b_ip over ZeroTier"
for attempt in 1 2 3 4 5 6; do
  if k exec e2e-a -- ping -c 3 -W 5 "$b_ip"; then
    say "passed: two pods on different nodes ping each other over ZeroTier"
    exit 0
  fi
  sleep 5
done
echo "e2e-kind: e2e-a cannot ping e2e-b at $b_ip" >&2
exit 1
