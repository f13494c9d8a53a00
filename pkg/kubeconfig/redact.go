package kubeconfig

import (
	"encoding/base64"
	"encoding/json"
	"sort"
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

// secretValues lists, as they may be written in a file, the values that
// Redact hides: base64 certificate and key data, tokens, passwords,
// auth-provider secrets and exec environment values.
func secretValues(cfg *clientcmdapi.Config) []string {
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		out = append(out, s)
		// The same value as a JSON (or double-quoted YAML) string holds it.
		if q, err := json.Marshal(s); err == nil && string(q[1:len(q)-1]) != s {
			out = append(out, string(q[1:len(q)-1]))
		}
	}
	addData := func(b []byte) {
		if len(b) > 0 {
			add(base64.StdEncoding.EncodeToString(b))
		}
	}
	for _, c := range cfg.Clusters {
		addData(c.CertificateAuthorityData)
	}
	for _, u := range cfg.AuthInfos {
		addData(u.ClientCertificateData)
		addData(u.ClientKeyData)
		add(u.Token)
		add(u.Password)
		if u.AuthProvider != nil {
			for k, v := range u.AuthProvider.Config {
				if isSecretKey(k) {
					add(v)
				}
			}
		}
		if u.Exec != nil {
			for _, e := range u.Exec.Env {
				add(e.Value)
			}
		}
	}
	// Longest first, so that a secret holding another is hidden whole.
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// redactLine replaces each whole occurrence of a secret in a line of a
// kubeconfig file with REDACTED. A match must stand alone as a value (not
// be part of a longer word), so that a short secret does not blank out
// unrelated text.
func redactLine(line string, secrets []string) string {
	for _, s := range secrets {
		var b strings.Builder
		rest := line
		for {
			i := strings.Index(rest, s)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			end := i + len(s)
			if (i > 0 && isValueByte(rest[i-1])) || (end < len(rest) && isValueByte(rest[end])) {
				b.WriteString(rest[:end])
				rest = rest[end:]
				continue
			}
			b.WriteString(rest[:i])
			b.WriteString(Redacted)
			rest = rest[end:]
		}
		line = b.String()
	}
	return line
}

// isValueByte reports whether c may continue a plain value (a word, a
// base64 text, a path), so that a match next to it is only part of one.
func isValueByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("+/=-_.@~%", c) >= 0 || c >= 0x80
}
