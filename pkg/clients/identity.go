package clients

import (
	"context"
	"errors"
	"fmt"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// ErrNotServed means the API server does not serve an API that a call needs
// (for example SelfSubjectReview on servers older than 1.28).
var ErrNotServed = errors.New("API not served")

// Identity is who the API server says the client is.
type Identity struct {
	Username string   `json:"username"`
	UID      string   `json:"uid,omitempty"`
	Groups   []string `json:"groups,omitempty"`
}

// IdentitySource says how a check learnt about the client's identity.
type IdentitySource string

// How authentication was verified, best first.
const (
	// FromSelfSubjectReview: the server named the user and its groups.
	FromSelfSubjectReview IdentitySource = "SelfSubjectReview"
	// FromSelfSubjectAccessReview: SelfSubjectReview is not served; the
	// server accepted the credentials but the identity is unknown.
	FromSelfSubjectAccessReview IdentitySource = "SelfSubjectAccessReview"
	// FromVersionOnly: neither review is served; only GET /version was
	// made, which proves the credentials were not rejected.
	FromVersionOnly IdentitySource = "version-only"
)

// WhoAmI asks the API server who the client is, with a SelfSubjectReview
// (authentication.k8s.io/v1), as `kubectl auth whoami` does. A server that
// does not serve it yields an error wrapping ErrNotServed; a rejected
// request yields the API server's error (test it with apierrors.IsUnauthorized
// or IsForbidden).
func (s *Set) WhoAmI(ctx context.Context) (*Identity, error) {
	rc, err := s.restClient(authnv1.SchemeGroupVersion)
	if err != nil {
		return nil, err
	}
	out := &authnv1.SelfSubjectReview{}
	err = rc.Post().Resource("selfsubjectreviews").Body(&authnv1.SelfSubjectReview{}).Do(ctx).Into(out)
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("context %q: selfsubjectreviews.authentication.k8s.io/v1: %w", s.context, ErrNotServed)
	}
	if err != nil {
		return nil, err
	}
	u := out.Status.UserInfo
	return &Identity{Username: u.Username, UID: u.UID, Groups: u.Groups}, nil
}

// accessReview makes a SelfSubjectAccessReview for GET /version: it tells
// whether the server accepts the credentials, where SelfSubjectReview is
// not served.
func (s *Set) accessReview(ctx context.Context) error {
	rc, err := s.restClient(authzv1.SchemeGroupVersion)
	if err != nil {
		return err
	}
	in := &authzv1.SelfSubjectAccessReview{Spec: authzv1.SelfSubjectAccessReviewSpec{
		NonResourceAttributes: &authzv1.NonResourceAttributes{Path: "/version", Verb: "get"},
	}}
	err = rc.Post().Resource("selfsubjectaccessreviews").Body(in).Do(ctx).Into(&authzv1.SelfSubjectAccessReview{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("context %q: selfsubjectaccessreviews.authorization.k8s.io/v1: %w", s.context, ErrNotServed)
	}
	return err
}

// ServerVersion returns the server's version through discovery, and the
// round-trip time of the request.
func (s *Set) ServerVersion(ctx context.Context) (string, time.Duration, error) {
	d, err := s.Discovery()
	if err != nil {
		return "", 0, err
	}
	start := time.Now()
	v, err := discovery.ToCachedDiscoveryInterfaceWithContext(d).ServerVersionWithContext(ctx)
	rtt := time.Since(start)
	if err != nil {
		return "", rtt, err
	}
	return v.GitVersion, rtt, nil
}

// restClient returns a REST client for one API group version that shares
// the set's HTTP client. Only the few types it carries are registered, so
// kcfg never loads the typed clientset.
func (s *Set) restClient(gv schema.GroupVersion) (*rest.RESTClient, error) {
	hc, err := s.HTTPClient()
	if err != nil {
		return nil, err
	}
	scheme := runtime.NewScheme()
	if err := authnv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := authzv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	cfg := rest.CopyConfig(s.config)
	cfg.GroupVersion = &gv
	cfg.APIPath = "/apis"
	cfg.NegotiatedSerializer = serializer.NewCodecFactory(scheme).WithoutConversion()
	cfg.ContentType = runtime.ContentTypeJSON
	rc, err := rest.RESTClientForConfigAndClient(cfg, hc)
	if err != nil {
		return nil, fmt.Errorf("context %q: REST client for %s: %w", s.context, gv, err)
	}
	return rc, nil
}
