# Certificates and kubeconfigs for the local control plane. Sourced by up.sh.
# Everything is made once and kept in the state dir, so clients keep trusting the cluster
# across restarts; delete the pki folder (or run down.sh --purge) to start over.
# shellcheck disable=SC2034 # K8S_SERVICE_CIDR is used by up.sh

K8S_SERVICE_CIDR="10.96.0.0/16"
K8S_SERVICE_IP="10.96.0.1" # first address of the service range: the "kubernetes" Service

# new_key <path>: an ECDSA P-256 key (fast to make; the apiserver and Go clients accept it).
k8s_new_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
  chmod 600 "$1"
}

# Signs <name>.crt for <name>.key with the cluster CA.
# k8s_issue <dir> <name> <subject> <extendedKeyUsage> [subjectAltName]
k8s_issue() {
  local dir="$1" name="$2" subject="$3" eku="$4" san="${5:-}" ext
  [[ -s "$dir/$name.crt" && -s "$dir/$name.key" ]] && return 0
  ext="$(mktemp)"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [[ -n "$san" ]] && echo "subjectAltName=$san"
  } >"$ext"
  k8s_new_key "$dir/$name.key.tmp"
  openssl req -new -key "$dir/$name.key.tmp" -subj "$subject" 2>/dev/null |
    openssl x509 -req -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
      -days 3650 -extfile "$ext" -out "$dir/$name.crt.tmp" 2>/dev/null
  rm -f "$ext"
  mv "$dir/$name.key.tmp" "$dir/$name.key"
  mv "$dir/$name.crt.tmp" "$dir/$name.crt"
}

k8s_ensure_pki() {
  local dir="$1"
  command -v openssl >/dev/null || k8s_die "openssl is not on PATH (apt-get install openssl)"
  mkdir -p "$dir" && chmod 700 "$dir"
  if [[ ! -s "$dir/ca.crt" || ! -s "$dir/ca.key" ]]; then
    k8s_log "creating certificate authority in $dir"
    k8s_new_key "$dir/ca.key"
    openssl req -x509 -new -key "$dir/ca.key" -subj "/CN=aar-local-kubernetes-ca" -days 3650 \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      -out "$dir/ca.crt" 2>/dev/null
    # Leaf certificates of an older CA would not verify; make them again.
    rm -f "$dir"/{apiserver,admin,kube-controller-manager,kube-scheduler,kwok,front-proxy-client}.{crt,key}
  fi
  k8s_issue "$dir" apiserver "/CN=kube-apiserver" serverAuth \
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$K8S_SERVICE_IP"
  # Tests act as cluster-admin through the system:masters group.
  k8s_issue "$dir" admin "/O=system:masters/CN=aar-admin" clientAuth
  # The controller-manager and scheduler use the users that RBAC's bootstrap roles expect.
  k8s_issue "$dir" kube-controller-manager "/CN=system:kube-controller-manager" clientAuth
  k8s_issue "$dir" kube-scheduler "/CN=system:kube-scheduler" clientAuth
  k8s_issue "$dir" kwok "/O=system:masters/CN=aar-kwok" clientAuth
  # The apiserver's identity towards aggregated API servers; it also gives the delegated
  # authentication of the controller-manager and scheduler the request-header CA they look up.
  k8s_issue "$dir" front-proxy-client "/CN=front-proxy-client" clientAuth
  if [[ ! -s "$dir/sa.key" || ! -s "$dir/sa.pub" ]]; then
    k8s_new_key "$dir/sa.key.tmp"
    openssl pkey -in "$dir/sa.key.tmp" -pubout -out "$dir/sa.pub" 2>/dev/null
    mv "$dir/sa.key.tmp" "$dir/sa.key"
  fi
}

# k8s_write_kubeconfig <path> <pki dir> <client cert name> <server url> [insecure]
# "insecure" skips server verification: for probing the self-signed health endpoints of
# the controller-manager and scheduler, never for the apiserver.
k8s_write_kubeconfig() (
  local out="$1" dir="$2" user="$3" server="$4" trust
  if [[ "${5:-}" == insecure ]]; then
    trust="insecure-skip-tls-verify: true"
  else
    trust="certificate-authority-data: $(base64 -w0 <"$dir/ca.crt")"
  fi
  umask 077
  cat >"$out.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: aar-local
  cluster:
    server: $server
    $trust
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$dir/$user.crt")
    client-key-data: $(base64 -w0 <"$dir/$user.key")
contexts:
- name: aar-local
  context:
    cluster: aar-local
    user: $user
current-context: aar-local
EOF
  mv "$out.tmp" "$out"
)
