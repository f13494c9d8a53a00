package clients

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/client-go/rest"
	certutil "k8s.io/client-go/util/cert"
)

// ServiceAccountDir is where Kubernetes mounts a pod's service account:
// token, ca.crt and namespace.
const ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// InClusterContext is the context name of the in-cluster client stack, and
// the label its events carry.
const InClusterContext = "in-cluster"

// InClusterConfig builds the rest.Config of a pod's service account as
// client-go's rest.InClusterConfig does, with the environment read through
// getenv and the service account read from dir (ServiceAccountDir in a pod):
// the server is https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT,
// the bearer token is dir/token (re-read as the kubelet rotates it) and the
// CA is dir/ca.crt. Without those variables the error wraps
// rest.ErrNotInCluster. Unlike rest.InClusterConfig, a ca.crt that exists
// but holds no certificate is an error, not a logged fallback to the
// system's roots; a missing ca.crt uses the system's roots, as it does.
func InClusterConfig(getenv func(string) string, dir string) (*rest.Config, error) {
	host, port := getenv("KUBERNETES_SERVICE_HOST"), getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, fmt.Errorf("context %q: %w", InClusterContext, rest.ErrNotInCluster)
	}
	tokenFile, caFile := filepath.Join(dir, "token"), filepath.Join(dir, "ca.crt")
	token, err := os.ReadFile(tokenFile)
	if err != nil {
		return nil, fmt.Errorf("context %q: service account token: %w", InClusterContext, err)
	}
	cfg := &rest.Config{
		Host:            "https://" + net.JoinHostPort(host, port),
		BearerToken:     string(token),
		BearerTokenFile: tokenFile,
	}
	pem, err := os.ReadFile(caFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return cfg, nil
	case err != nil:
		return nil, fmt.Errorf("context %q: service account CA: %w", InClusterContext, err)
	}
	if _, err := certutil.NewPoolFromBytes(pem); err != nil {
		return nil, fmt.Errorf("context %q: service account CA %s: %w", InClusterContext, caFile, err)
	}
	cfg.CAFile = caFile
	return cfg, nil
}

// InCluster returns the client stack of a pod's service account, named
// InClusterContext; see InClusterConfig.
func InCluster(getenv func(string) string, dir string) (*Set, error) {
	cfg, err := InClusterConfig(getenv, dir)
	if err != nil {
		return nil, err
	}
	return &Set{context: InClusterContext, config: cfg}, nil
}

// InClusterNamespace is the namespace a pod runs in, found as client-go's
// in-cluster client config finds it: $POD_NAMESPACE, else dir/namespace,
// else "default".
func InClusterNamespace(getenv func(string) string, dir string) string {
	if ns := getenv("POD_NAMESPACE"); ns != "" {
		return ns
	}
	if data, err := os.ReadFile(filepath.Join(dir, "namespace")); err == nil {
		if ns := strings.TrimSpace(string(data)); ns != "" {
			return ns
		}
	}
	return "default"
}
