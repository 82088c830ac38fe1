#!/usr/bin/env bash
# A local Kubernetes control plane for kdflow's tests: etcd, kube-apiserver, kube-controller-manager
# and kubectl of one pinned release, built from the Go module proxy (no release download site needed).
#
#   k8s/control-plane.sh install      build the binaries once into the cache (a second run takes seconds)
#   k8s/control-plane.sh up DIR       start them on loopback; state, logs and DIR/kubeconfig under DIR
#   k8s/control-plane.sh down DIR     stop what `up DIR` started
#   k8s/control-plane.sh env          print KDFLOW_K8S_BIN=<dir with the binaries> for the tests
#
# Environment: KDFLOW_K8S_CACHE (default ~/.cache/kdflow/k8s), KDFLOW_K8S_VERSION (default below).
# No kube-scheduler is started: the test harness binds pods itself (Binding subresource). No kubelet
# either: the harness plays it for the pods it binds.
#
# The API server writes an audit log, DIR/logs/audit.log (JSON lines, metadata only), of every
# request made by a service account outside kube-system: in these tests that is only an operator
# run as its chart's ServiceAccount, so a test can list the (verb, resource) pairs it used. The
# OwnerReferencesPermissionEnforcement admission plugin is on, as on OpenShift: setting
# blockOwnerDeletion on a child needs "update" on the owner's finalizers subresource.
set -euo pipefail

K8S_VERSION=${KDFLOW_K8S_VERSION:-v1.34.4}
# etcd release that k8s.io/kubernetes ${K8S_VERSION} requires in its go.mod.
ETCD_VERSION=${KDFLOW_ETCD_VERSION:-v3.6.4}
CACHE_ROOT=${KDFLOW_K8S_CACHE:-$HOME/.cache/kdflow/k8s}
BIN_DIR=$CACHE_ROOT/$K8S_VERSION/bin
BINARIES=(etcd kube-apiserver kube-controller-manager kubectl)
# CRDs of the GitOps tools whose manifests gitops/ holds (Argo CD Application, Flux GitRepository
# and Kustomization), so the tests can apply those manifests too: module@version path-in-module.
GITOPS_CRD_DIR=$CACHE_ROOT/gitops-crds
GITOPS_CRDS=(
  "github.com/argoproj/argo-cd/v3@v3.0.0 manifests/crds/application-crd.yaml"
  "github.com/fluxcd/source-controller@v1.9.6 config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml"
  "github.com/fluxcd/kustomize-controller@v1.9.6 config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml"
)

log() { echo "control-plane: $*" >&2; }
die() { log "$*"; exit 1; }

installed() {
  local b
  for b in "${BINARIES[@]}"; do [[ -x $BIN_DIR/$b ]] || return 1; done
  [[ -f $GITOPS_CRD_DIR/.complete ]]
}

# Copies the GitOps tools' CRDs out of their Go modules (downloaded through the module proxy).
install_gitops_crds() {
  [[ -f $GITOPS_CRD_DIR/.complete ]] && return 0
  local work=$1 entry module file dir
  mkdir -p "$GITOPS_CRD_DIR" "$work/crds"
  for entry in "${GITOPS_CRDS[@]}"; do
    read -r module file <<<"$entry"
    dir=$(cd "$work/crds" && GOFLAGS=-mod=mod go mod download -json "$module" \
      | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [[ -f $dir/$file ]] || die "no $file in $module (Go module proxy)"
    install -m 0644 "$dir/$file" "$GITOPS_CRD_DIR/$(basename "$file")"
  done
  touch "$GITOPS_CRD_DIR/.complete"
}

# Staging modules (k8s.io/api, k8s.io/apiserver, ...) are published as v0.<minor>.<patch>.
staging_version() { echo "v0.${K8S_VERSION#v1.}"; }

cmd_install() {
  if installed; then
    log "binaries of $K8S_VERSION already in $BIN_DIR"
    return 0
  fi
  # A login shell may not have Go's default install location on its PATH.
  if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null || die "go not found: install Go >= 1.24 (it builds the control plane from the module proxy)"
  local work staging major minor
  work=$(mktemp -d "${TMPDIR:-/tmp}/kdflow-k8s-build.XXXXXX")
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" EXIT
  staging=$(staging_version)
  major=${K8S_VERSION#v}; major=${major%%.*}
  minor=${K8S_VERSION#v*.}; minor=${minor%%.*}
  export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
  local start=$SECONDS
  install_gitops_crds "$work"
  local b missing=false
  for b in "${BINARIES[@]}"; do [[ -x $BIN_DIR/$b ]] || missing=true; done
  if [[ $missing == false ]]; then
    log "binaries of $K8S_VERSION already in $BIN_DIR"
    return 0
  fi

  log "building etcd $ETCD_VERSION"
  mkdir -p "$work/etcd" "$work/bin"
  cat >"$work/etcd/go.mod" <<EOF
module kdflow.local/etcdbuild

go 1.24.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
EOF
  (cd "$work/etcd" && go build -trimpath -ldflags "-s -w" -o "$work/bin/etcd" go.etcd.io/etcd/server/v3)

  log "building kube-apiserver, kube-controller-manager, kubectl $K8S_VERSION"
  mkdir -p "$work/k8s"
  local k8s_mod
  k8s_mod=$(cd "$work/k8s" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" \
    | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [[ -f $k8s_mod ]] || die "could not download k8s.io/kubernetes@$K8S_VERSION from the Go module proxy"
  {
    echo "module kdflow.local/k8sbuild"
    echo
    echo "go 1.24.0"
    echo
    echo "godebug default=go1.24"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    # k8s.io/kubernetes replaces every staging module by ./staging/src/...; a consumer pins each to
    # its published v0.x release instead.
    sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/.*#\t\1 => \1 '"$staging"'#p' "$k8s_mod"
    echo ")"
  } >"$work/k8s/go.mod"
  local version_pkg=k8s.io/component-base/version
  local ldflags="-s -w -X $version_pkg.gitVersion=$K8S_VERSION -X $version_pkg.gitMajor=$major"
  ldflags+=" -X $version_pkg.gitMinor=$minor -X $version_pkg.gitTreeState=clean"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitMajor=$major -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  (cd "$work/k8s" && go build -trimpath -ldflags "$ldflags" -o "$work/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kubectl)

  mkdir -p "$BIN_DIR"
  local b
  for b in "${BINARIES[@]}"; do
    mv "$work/bin/$b" "$BIN_DIR/$b.tmp" && mv "$BIN_DIR/$b.tmp" "$BIN_DIR/$b"
  done
  log "built $K8S_VERSION into $BIN_DIR in $((SECONDS - start)) s"
}

# A port nothing listens on (probing with bash's /dev/tcp: no extra tools needed).
free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# Signs a client or serving certificate with the cluster CA.
issue_cert() {
  local pki=$1 name=$2 subject=$3 extensions=$4
  openssl req -new -newkey rsa:2048 -nodes -keyout "$pki/$name.key" -subj "$subject" \
    -out "$pki/$name.csr" 2>/dev/null
  printf '%s\n' "$extensions" >"$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 30 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
}

write_kubeconfig() {
  local file=$1 server=$2 pki=$3 user=$4
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kdflow-test
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 <"$pki/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$pki/$user.crt")
    client-key-data: $(base64 -w0 <"$pki/$user.key")
contexts:
- name: kdflow-test
  context:
    cluster: kdflow-test
    user: $user
current-context: kdflow-test
EOF
}

start_process() {
  local dir=$1 name=$2
  shift 2
  setsid "$@" >"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/pids/$name"
}

# Waits until the API server answers /readyz; fails early when a component died.
await_ready() {
  local dir=$1 timeout=${KDFLOW_K8S_START_TIMEOUT:-180}
  local deadline=$((SECONDS + timeout)) pid_file name
  until "$BIN_DIR/kubectl" --kubeconfig "$dir/kubeconfig" get --raw /readyz >/dev/null 2>&1; do
    for pid_file in "$dir"/pids/*; do
      name=$(basename "$pid_file")
      if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        tail -20 "$dir/logs/$name.log" >&2 || true
        die "$name exited while starting (log: $dir/logs/$name.log)"
      fi
    done
    ((SECONDS < deadline)) || die "API server not ready after $timeout s (logs: $dir/logs)"
    sleep 0.5
  done
}

cmd_up() {
  local dir=${1:?usage: up DIR}
  if ! installed; then
    log "binaries of $K8S_VERSION missing in $BIN_DIR: run k8s/control-plane.sh install"
    exit 3
  fi
  command -v openssl >/dev/null || die "openssl not found: install it (apt-get install -y openssl)"
  mkdir -p "$dir"/{pki,etcd,logs,pids}
  dir=$(cd "$dir" && pwd)
  local pki=$dir/pki etcd_port etcd_peer_port api_port
  etcd_port=$(free_port)
  etcd_peer_port=$(free_port)
  api_port=$(free_port)

  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=kdflow-test-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  issue_cert "$pki" apiserver "/CN=kube-apiserver" \
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth"
  # The admin is in system:masters; the controller manager's user is bound by the bootstrap RBAC.
  issue_cert "$pki" admin "/O=system:masters/CN=kdflow-admin" "extendedKeyUsage=clientAuth"
  issue_cert "$pki" controller-manager "/CN=system:kube-controller-manager" \
    "extendedKeyUsage=clientAuth"
  openssl genrsa -out "$pki/service-account.key" 2048 2>/dev/null
  openssl rsa -in "$pki/service-account.key" -pubout -out "$pki/service-account.pub" 2>/dev/null

  # Rules match in order: controllers (kube-system service accounts) and people are not logged.
  cat >"$dir/audit-policy.yaml" <<EOF
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    userGroups: ["system:serviceaccounts:kube-system"]
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
  - level: None
EOF

  # --unsafe-no-fsync: throwaway test data; fsync on a loaded shared disk dominates latency.
  start_process "$dir" etcd "$BIN_DIR/etcd" \
    --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "default=http://127.0.0.1:$etcd_peer_port" \
    --unsafe-no-fsync

  local server=https://127.0.0.1:$api_port
  start_process "$dir" kube-apiserver "$BIN_DIR/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 \
    --advertise-address 127.0.0.1 \
    --secure-port "$api_port" \
    --cert-dir "$pki" \
    --tls-cert-file "$pki/apiserver.crt" \
    --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$pki/service-account.pub" \
    --service-account-signing-key-file "$pki/service-account.key" \
    --service-cluster-ip-range 10.0.0.0/24 \
    --allow-privileged=true \
    --enable-admission-plugins OwnerReferencesPermissionEnforcement \
    --audit-policy-file "$dir/audit-policy.yaml" \
    --audit-log-path "$dir/logs/audit.log" \
    --audit-log-format json \
    --audit-log-mode blocking

  write_kubeconfig "$dir/kubeconfig" "$server" "$pki" admin
  write_kubeconfig "$dir/controller-manager.kubeconfig" "$server" "$pki" controller-manager
  await_ready "$dir"

  # Each controller runs under its own service account, as in a real cluster, so the bootstrap
  # RBAC roles apply. The node lifecycle controller is off: no kubelet posts heartbeats here, and
  # it would taint the test harness's node unreachable and evict its pods.
  start_process "$dir" kube-controller-manager "$BIN_DIR/kube-controller-manager" \
    --kubeconfig "$dir/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$dir/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$dir/controller-manager.kubeconfig" \
    --use-service-account-credentials=true \
    --service-account-private-key-file "$pki/service-account.key" \
    --root-ca-file "$pki/ca.crt" \
    --controllers "*,-node-lifecycle-controller" \
    --bind-address 127.0.0.1 \
    --secure-port "$(free_port)" \
    --leader-elect=false

  if [[ -n ${KDFLOW_K8S_OWNER_PID:-} ]]; then
    # Stops everything when the owning process (a test JVM) ends, however it ends.
    local self
    self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; "$2" down "$3"' \
      _ "$KDFLOW_K8S_OWNER_PID" "$self" "$dir" >/dev/null 2>&1 </dev/null &
  fi
  log "up: KUBECONFIG=$dir/kubeconfig (logs: $dir/logs)"
  echo "$dir/kubeconfig"
}

cmd_down() {
  local dir=${1:?usage: down DIR} name pid_file pid
  for name in kube-controller-manager kube-apiserver etcd; do
    pid_file=$dir/pids/$name
    [[ -f $pid_file ]] || continue
    pid=$(cat "$pid_file")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pid_file"
  done
  rm -rf "$dir/etcd"
}

cmd_env() {
  installed || die "binaries missing: run k8s/control-plane.sh install"
  echo "KDFLOW_K8S_BIN=$BIN_DIR"
  echo "KDFLOW_GITOPS_CRDS=$GITOPS_CRD_DIR"
}

main() {
  local cmd=${1:-}
  shift || true
  case $cmd in
    install) cmd_install "$@" ;;
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    env) cmd_env "$@" ;;
    *) die "usage: $0 install|up DIR|down DIR|env" ;;
  esac
}

main "$@"
