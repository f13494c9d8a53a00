// Package clients turns kubeconfig contexts into working client-go clients:
// one rest.Config and one shared HTTP client per context, and from them,
// built lazily and once, the dynamic client, cached discovery and a RESTMapper.
package clients

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	kcfgconfig "github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// RESTConfig builds the rest.Config of one context of a merged kubeconfig
// through clientcmd: client certificates, tokens, token files, exec plugins,
// auth-provider, proxy-url, tls-server-name, CA data or file, insecure.
// The config passed in is not changed.
func RESTConfig(cfg *clientcmdapi.Config, context string) (*rest.Config, error) {
	kctx, ok := cfg.Contexts[context]
	if !ok {
		return nil, fmt.Errorf("context %q: not found", context)
	}
	// clientcmd reports a missing cluster as "no configuration has been
	// provided, try setting KUBERNETES_MASTER" and uses no credentials for
	// a missing user.
	if err := usable(cfg, context, kctx); err != nil {
		return nil, err
	}
	cc := clientcmd.NewNonInteractiveClientConfig(*cfg.DeepCopy(), context, &clientcmd.ConfigOverrides{}, nil)
	rc, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("context %q: %w", context, err)
	}
	return rc, nil
}

// ErrNoServer is wrapped by the error for a cluster without a server.
var ErrNoServer = errors.New("no server is set")

// usable tells whether the context names a cluster that is defined and has
// a server, and a user that is defined (or none).
func usable(cfg *clientcmdapi.Config, name string, kctx *clientcmdapi.Context) error {
	cl, ok := cfg.Clusters[kctx.Cluster]
	switch {
	case kctx.Cluster == "":
		return entryError(kctx.LocationOfOrigin, "context", name, "context.cluster", kcfgconfig.ErrMissingReference,
			"the context names no cluster")
	case !ok:
		return entryError(kctx.LocationOfOrigin, "context", name, "context.cluster", kcfgconfig.ErrMissingReference,
			fmt.Sprintf("cluster %q is not defined in any loaded file", kctx.Cluster))
	case kctx.AuthInfo != "" && cfg.AuthInfos[kctx.AuthInfo] == nil:
		return entryError(kctx.LocationOfOrigin, "context", name, "context.user", kcfgconfig.ErrMissingReference,
			fmt.Sprintf("user %q is not defined in any loaded file", kctx.AuthInfo))
	case cl.Server == "":
		return fmt.Errorf("context %q: %w", name,
			entryError(cl.LocationOfOrigin, "cluster", kctx.Cluster, "cluster.server", ErrNoServer, ""))
	}
	return nil
}

// entryError is a *kubeconfig.Error when the file is known.
func entryError(file, kind, name, field string, err error, detail string) error {
	if file != "" {
		return &kcfgconfig.Error{File: file, Kind: kind, Name: name, Field: field, Err: err, Detail: detail}
	}
	if detail != "" {
		return fmt.Errorf("%s %q: field %s: %w: %s", kind, name, field, err, detail)
	}
	return fmt.Errorf("%s %q: field %s: %w", kind, name, field, err)
}

// Set is the client stack of one context. Its methods are safe for
// concurrent use; each client is built on first use and then reused.
type Set struct {
	context string
	config  *rest.Config

	once       sync.Once
	httpClient *http.Client
	err        error

	dynOnce sync.Once
	dyn     *dynamic.DynamicClient
	dynErr  error

	discOnce sync.Once
	disc     discovery.CachedDiscoveryInterface
	mapper   meta.ResettableRESTMapper
	discErr  error
}

// New returns the client stack for config; config is copied, never changed.
func New(context string, config *rest.Config) *Set {
	return &Set{context: context, config: rest.CopyConfig(config)}
}

// ForContext builds the client stack of a context of a merged kubeconfig.
func ForContext(cfg *clientcmdapi.Config, context string) (*Set, error) {
	rc, err := RESTConfig(cfg, context)
	if err != nil {
		return nil, err
	}
	return &Set{context: context, config: rc}, nil
}

// Context is the name of the context the set was built for.
func (s *Set) Context() string { return s.context }

// Config returns a copy of the context's rest.Config.
func (s *Set) Config() *rest.Config { return rest.CopyConfig(s.config) }

// HTTPClient is the one HTTP client every client of this context shares.
func (s *Set) HTTPClient() (*http.Client, error) {
	s.once.Do(func() {
		s.httpClient, s.err = rest.HTTPClientFor(s.config)
		if s.err != nil {
			s.err = fmt.Errorf("context %q: building HTTP client: %w", s.context, s.err)
		}
	})
	return s.httpClient, s.err
}

// Dynamic returns the dynamic client.
func (s *Set) Dynamic() (*dynamic.DynamicClient, error) {
	s.dynOnce.Do(func() {
		hc, err := s.HTTPClient()
		if err != nil {
			s.dynErr = err
			return
		}
		s.dyn, s.dynErr = dynamic.NewForConfigAndClient(s.config, hc)
	})
	return s.dyn, s.dynErr
}

// Discovery returns a memory-cached discovery client.
func (s *Set) Discovery() (discovery.CachedDiscoveryInterface, error) {
	s.initDiscovery()
	return s.disc, s.discErr
}

// RESTMapper returns a RESTMapper backed by the cached discovery; Reset it
// to see resources (custom resources included) added since.
func (s *Set) RESTMapper() (meta.ResettableRESTMapper, error) {
	s.initDiscovery()
	return s.mapper, s.discErr
}

func (s *Set) initDiscovery() {
	s.discOnce.Do(func() {
		hc, err := s.HTTPClient()
		if err != nil {
			s.discErr = err
			return
		}
		d, err := discovery.NewDiscoveryClientForConfigAndClient(s.config, hc)
		if err != nil {
			s.discErr = fmt.Errorf("context %q: discovery: %w", s.context, err)
			return
		}
		s.disc = memory.NewMemCacheClient(d)
		s.mapper = restmapper.NewDeferredDiscoveryRESTMapper(s.disc)
	})
}
