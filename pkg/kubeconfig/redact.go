package kubeconfig

import (
	"encoding/base64"
	"strings"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Placeholders written in place of secrets. The byte fields hold the base64
// decoding of the word, so that the serialised config shows the word itself,
// as kubectl config view does.
const (
	Redacted     = "REDACTED"
	DataOmitted  = "DATA+OMITTED"
	redactedKind = "redacted"
)

var (
	redactedBytes, _    = base64.StdEncoding.DecodeString(Redacted)
	dataOmittedBytes, _ = base64.StdEncoding.DecodeString(DataOmitted)
)

// secretConfigKeys are the auth-provider config keys whose values are
// secrets: anything naming a token, secret, password or key.
var secretConfigWords = []string{"token", "secret", "password", "key", "credential"}

// Redact replaces every secret in cfg, in place: what kubectl config view
// hides (certificate and key data, tokens) and more: passwords,
// auth-provider secrets and the values of exec plugin environment variables.
func Redact(cfg *clientcmdapi.Config) {
	for _, c := range cfg.Clusters {
		if len(c.CertificateAuthorityData) > 0 {
			c.CertificateAuthorityData = dataOmittedBytes
		}
	}
	for _, u := range cfg.AuthInfos {
		if len(u.ClientCertificateData) > 0 {
			u.ClientCertificateData = dataOmittedBytes
		}
		if len(u.ClientKeyData) > 0 {
			u.ClientKeyData = redactedBytes
		}
		if u.Token != "" {
			u.Token = Redacted
		}
		if u.Password != "" {
			u.Password = Redacted
		}
		if u.AuthProvider != nil {
			for k, v := range u.AuthProvider.Config {
				if v != "" && isSecretKey(k) {
					u.AuthProvider.Config[k] = Redacted
				}
			}
		}
		if u.Exec != nil {
			for i := range u.Exec.Env {
				if u.Exec.Env[i].Value != "" {
					u.Exec.Env[i].Value = Redacted
				}
			}
		}
	}
}

func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range secretConfigWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}
