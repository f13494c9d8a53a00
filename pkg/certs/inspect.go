package certs

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"maps"
	"slices"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// Roles of a certificate in a kubeconfig.
const (
	RoleCA     = "ca"
	RoleClient = "client"
)

// Certificate is one certificate of a kubeconfig and what kcfg certs shows
// of it. When the value cannot be read or parsed, Error says why and the
// certificate fields are empty.
type Certificate struct {
	// Kind is cluster (for a CA) or user (for a client certificate).
	Kind string `json:"kind"`
	// Name is the cluster's or user's name.
	Name string `json:"name"`
	// Role is ca or client.
	Role string `json:"role"`
	// Contexts are the contexts that use the cluster or user.
	Contexts []string `json:"contexts"`
	// File is the kubeconfig file that defines the entry.
	File string `json:"file"`
	// Field is the kubeconfig field holding the certificate.
	Field string `json:"field"`
	// Path is the certificate file, when the field names one.
	Path string `json:"path,omitempty"`
	// Index is the certificate's position in its PEM bundle, from 0.
	Index int `json:"index"`

	Subject    string    `json:"subject,omitempty"`
	Issuer     string    `json:"issuer,omitempty"`
	SelfSigned bool      `json:"selfSigned"`
	IsCA       bool      `json:"isCA"`
	SANs       []string  `json:"sans"`
	Serial     string    `json:"serial,omitempty"`
	NotBefore  time.Time `json:"notBefore"`
	NotAfter   time.Time `json:"notAfter"`
	// DaysLeft is whole days until NotAfter, negative once expired.
	DaysLeft int  `json:"daysLeft"`
	Expired  bool `json:"expired"`
	// NotYetValid is true when NotBefore is still to come.
	NotYetValid bool `json:"notYetValid"`
	// KeyType and KeyBits describe the public key: RSA 2048, ECDSA 256, Ed25519 256.
	KeyType string `json:"keyType,omitempty"`
	KeyBits int    `json:"keyBits,omitempty"`
	// Groups are the subject's organizations: the groups Kubernetes gives a
	// client certificate's user.
	Groups []string `json:"groups,omitempty"`

	// KeyMatch, for the first client certificate of a user, tells whether
	// the user's private key belongs to it; nil when there is no key to
	// compare, or it cannot be read or parsed. KeyError says why it does
	// not match or cannot be compared.
	KeyMatch *bool  `json:"keyMatch,omitempty"`
	KeyError string `json:"keyError,omitempty"`
	// Chain, for the first client certificate of a user, has one check per
	// context whose cluster has a CA.
	Chain []ChainCheck `json:"chain,omitempty"`

	Error string `json:"error,omitempty"`
}

// ChainCheck is the verification of a client certificate against the CA
// of one context's cluster.
type ChainCheck struct {
	Context  string `json:"context"`
	Cluster  string `json:"cluster"`
	Verified bool   `json:"verified"`
	Error    string `json:"error,omitempty"`
}

// Inspect lists the CA and client certificates of cfg: of every cluster and
// user when names is empty, else of the clusters and users the named
// contexts use. Clusters come first, then users, each sorted by name. cfg
// has its paths resolved, as kubeconfig.Load returns it. An unknown context
// name is an error wrapping kubeconfig.ErrContextNotFound.
func Inspect(cfg *clientcmdapi.Config, names []string, now time.Time) ([]Certificate, error) {
	contexts := slices.Compact(slices.Sorted(slices.Values(names)))
	if len(contexts) == 0 {
		contexts = sortedKeys(cfg.Contexts)
	}
	clusterContexts, userContexts := map[string][]string{}, map[string][]string{}
	for _, name := range contexts {
		ctx, ok := cfg.Contexts[name]
		if !ok {
			return nil, fmt.Errorf("context %q: %w", name, kubeconfig.ErrContextNotFound)
		}
		clusterContexts[ctx.Cluster] = append(clusterContexts[ctx.Cluster], name)
		userContexts[ctx.AuthInfo] = append(userContexts[ctx.AuthInfo], name)
	}
	var out []Certificate
	for _, name := range sortedKeys(cfg.Clusters) {
		if len(names) > 0 && clusterContexts[name] == nil {
			continue
		}
		c := cfg.Clusters[name]
		base := Certificate{Kind: kubeconfig.KindCluster, Name: name, Role: RoleCA,
			Contexts: orEmpty(clusterContexts[name]), File: c.LocationOfOrigin}
		out = append(out, describeAll(base, CA(c), now)...)
	}
	for _, name := range sortedKeys(cfg.AuthInfos) {
		if len(names) > 0 && userContexts[name] == nil {
			continue
		}
		u := cfg.AuthInfos[name]
		base := Certificate{Kind: kubeconfig.KindUser, Name: name, Role: RoleClient,
			Contexts: orEmpty(userContexts[name]), File: u.LocationOfOrigin}
		list := describeAll(base, ClientCertificate(u), now)
		if len(list) == 0 || list[0].Error != "" {
			out = append(out, list...)
			continue
		}
		chain, _ := ParseCertificates(ClientCertificate(u).Data)
		leaf := &list[0]
		if key := ClientKey(u); key.Set() {
			signer, err := parseKey(key)
			if err == nil {
				err = KeyMatches(chain[0], signer)
				match := err == nil
				leaf.KeyMatch = &match
			}
			if err != nil {
				leaf.KeyError = err.Error()
			}
		}
		for _, ctxName := range userContexts[name] {
			clusterName := cfg.Contexts[ctxName].Cluster
			cl, ok := cfg.Clusters[clusterName]
			if !ok {
				continue
			}
			ca := CA(cl)
			if !ca.Set() {
				continue
			}
			check := ChainCheck{Context: ctxName, Cluster: clusterName}
			roots, err := parseCA(ca)
			if err == nil {
				err = VerifyChain(chain, roots, now)
			}
			check.Verified = err == nil
			if err != nil {
				check.Error = err.Error()
			}
			leaf.Chain = append(leaf.Chain, check)
		}
		out = append(out, list...)
	}
	return out, nil
}

// describeAll describes every certificate of p, or returns one entry with
// the error when p cannot be read or parsed; nothing when p is unset.
func describeAll(base Certificate, p PEM, now time.Time) []Certificate {
	if !p.Set() {
		return nil
	}
	base.Field, base.Path = p.Field, p.Path
	list, err := parseCA(p)
	if err != nil {
		base.Error = err.Error()
		return []Certificate{base}
	}
	out := make([]Certificate, 0, len(list))
	for i, c := range list {
		d := Describe(c, now)
		d.Kind, d.Name, d.Role, d.Contexts, d.File, d.Field, d.Path, d.Index =
			base.Kind, base.Name, base.Role, base.Contexts, base.File, base.Field, base.Path, i
		out = append(out, d)
	}
	return out
}

// parseCA parses the certificates of p, naming the field or file in errors.
func parseCA(p PEM) ([]*x509.Certificate, error) {
	if p.Err != nil {
		return nil, fmt.Errorf("%s: %w", p.Field, p.Err)
	}
	list, err := ParseCertificates(p.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Field, err)
	}
	return list, nil
}

func parseKey(p PEM) (crypto.Signer, error) {
	if p.Err != nil {
		return nil, fmt.Errorf("%s: %w", p.Field, p.Err)
	}
	k, err := ParsePrivateKey(p.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Field, err)
	}
	return k, nil
}

// Describe returns what Certificate shows of c, judged at now; the
// kubeconfig-related fields are left empty.
func Describe(c *x509.Certificate, now time.Time) Certificate {
	kt, kb := KeyInfo(c.PublicKey)
	return Certificate{
		Subject:     c.Subject.String(),
		Issuer:      c.Issuer.String(),
		SelfSigned:  c.CheckSignatureFrom(c) == nil && c.Subject.String() == c.Issuer.String(),
		IsCA:        c.IsCA,
		SANs:        SANs(c),
		Serial:      Serial(c.SerialNumber),
		NotBefore:   c.NotBefore.UTC(),
		NotAfter:    c.NotAfter.UTC(),
		DaysLeft:    DaysLeft(c.NotAfter, now),
		Expired:     now.After(c.NotAfter),
		NotYetValid: now.Before(c.NotBefore),
		KeyType:     kt,
		KeyBits:     kb,
		Groups:      slices.Clone(c.Subject.Organization),
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
