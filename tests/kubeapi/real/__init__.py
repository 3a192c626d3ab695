"""A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) built from
the Go module proxy at the versions pinned in go.mod, for the tests marked `real_apiserver`."""
