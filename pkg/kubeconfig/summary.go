package kubeconfig

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Auth kinds, as shown in the AUTH column of kcfg list.
const (
	AuthClientCert   = "client-cert"
	AuthToken        = "token"
	AuthTokenFile    = "token-file"
	AuthExec         = "exec"
	AuthAuthProvider = "auth-provider"
	AuthBasic        = "basic"
	AuthNone         = "none"
)

// ContextSummary is one context with what a listing shows of it.
type ContextSummary struct {
	Name      string `json:"name"`
	Current   bool   `json:"current"`
	Cluster   string `json:"cluster"`
	Server    string `json:"server"`
	User      string `json:"user"`
	Namespace string `json:"namespace"`
	// Auth is the user's authentication: client-cert, token, token-file,
	// exec:COMMAND, auth-provider:NAME, basic or none.
	Auth string `json:"auth"`
	// Expires is the client certificate's NotAfter, when there is one that parses.
	Expires *time.Time `json:"expires,omitempty"`
	// Expired is true when Expires is before the time given to Summaries.
	Expired bool `json:"expired"`
	// File is the file the context came from.
	File string `json:"file"`
}

// Summaries lists every context sorted by name, with expiry judged at now.
func (c *Config) Summaries(now time.Time) []ContextSummary {
	m := c.Merged
	out := make([]ContextSummary, 0, len(m.Contexts))
	for _, name := range sortedKeys(m.Contexts) {
		ctx := m.Contexts[name]
		s := ContextSummary{Name: name, Current: name == m.CurrentContext, Cluster: ctx.Cluster,
			User: ctx.AuthInfo, Namespace: ctx.Namespace, Auth: AuthNone, File: ctx.LocationOfOrigin}
		if cl, ok := m.Clusters[ctx.Cluster]; ok {
			s.Server = cl.Server
		}
		if u, ok := m.AuthInfos[ctx.AuthInfo]; ok {
			s.Auth = AuthKind(u)
			if cert := ClientCertificate(u); cert != nil {
				t := cert.NotAfter.UTC()
				s.Expires = &t
				s.Expired = now.After(t)
			}
		}
		out = append(out, s)
	}
	return out
}

// AuthKind names how a user authenticates, in the order client-go prefers.
func AuthKind(u *clientcmdapi.AuthInfo) string {
	switch {
	case u == nil:
		return AuthNone
	case u.Exec != nil:
		return AuthExec + ":" + path.Base(u.Exec.Command)
	case u.AuthProvider != nil:
		return AuthAuthProvider + ":" + u.AuthProvider.Name
	case len(u.ClientCertificateData) > 0 || u.ClientCertificate != "":
		return AuthClientCert
	case u.Token != "":
		return AuthToken
	case u.TokenFile != "":
		return AuthTokenFile
	case u.Username != "" || u.Password != "":
		return AuthBasic
	}
	return AuthNone
}

// ClientCertificate returns the first certificate of a user's client
// certificate (data, else file), or nil when there is none or it does not parse.
func ClientCertificate(u *clientcmdapi.AuthInfo) *x509.Certificate {
	data := u.ClientCertificateData
	if len(data) == 0 && u.ClientCertificate != "" {
		data, _ = os.ReadFile(u.ClientCertificate)
	}
	for len(data) > 0 {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil
		}
		if block.Type == "CERTIFICATE" {
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil
			}
			return cert
		}
	}
	return nil
}
