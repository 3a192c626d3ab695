#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kube-controller-manager at the versions pinned in
# go.mod beside this script, from the Go module proxy, into
# ${K8SMETA_CACHE:-~/.cache/k8smeta}/<component>-<version>/<component>.
# A component already in the cache is not rebuilt, so only the first run on a
# machine pays. Each build records its wall time and peak memory in build.txt
# next to the binary. Prints the cache directory of each component.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${K8SMETA_CACHE:-$HOME/.cache/k8smeta}
jobs=${K8SMETA_BUILD_JOBS:-2}

version_of() { awk -v m="$1" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$here/go.mod"; }
k8s_version=$(version_of k8s.io/kubernetes)
etcd_version=$(version_of go.etcd.io/etcd/server/v3)

command -v go >/dev/null || { echo "build.sh: go is not installed" >&2; exit 2; }
mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9  # one build at a time on a machine (make test and a pytest session may race)

# The version strings the binaries report, as a release build sets them.
minor=${k8s_version#v1.}; minor=${minor%%.*}
vpkg=k8s.io/component-base/version
k8s_ldflags="-s -w -X $vpkg.gitVersion=$k8s_version -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean"

build() {  # name version package ldflags
    local name=$1 version=$2 pkg=$3 ldflags=$4
    local dir="$cache/$name-$version"
    if [[ -x "$dir/$name" ]]; then echo "$dir"; return; fi
    local tmp; tmp=$(mktemp -d "$cache/.$name.XXXXXX"); chmod 755 "$tmp"
    local start; start=$(date +%s)
    (
        cd "$here"
        GOFLAGS="-trimpath -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local \
            /usr/bin/time -f "peak_rss_kib=%M user_s=%U sys_s=%S" -o "$tmp/time.txt" \
            nice -n 10 go build -p "$jobs" -ldflags "$ldflags" -o "$tmp/$name" "$pkg" >&2
    )
    {
        echo "component=$name version=$version package=$pkg"
        echo "go=$(go env GOVERSION) jobs=$jobs cpus=$(nproc) wall_s=$(( $(date +%s) - start ))"
        cat "$tmp/time.txt"
    } > "$tmp/build.txt"
    rm -f "$tmp/time.txt"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    echo "build.sh: built $name $version: $(tr '\n' ' ' < "$dir/build.txt")" >&2
    echo "$dir"
}

build etcd "$etcd_version" go.etcd.io/etcd/server/v3 "-s -w"
build kube-apiserver "$k8s_version" k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
build kube-controller-manager "$k8s_version" k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
