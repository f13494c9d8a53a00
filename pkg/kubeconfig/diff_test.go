package kubeconfig

import (
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"
)

// A dry run prints the diff; it must show no secret the files hold, whether
// on a changed line or on a context line, in YAML or JSON.
func TestRedactedDiffHidesSecrets(t *testing.T) {
	key := base64.StdEncoding.EncodeToString([]byte("-----BEGIN PRIVATE KEY-----\nKEYBYTES\n"))
	yamlBefore := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user:
    token: tok-SECRET-1
    client-key-data: ` + key + `
- name: p
  user: {username: admin, password: "pw SECRET 2"}
- name: e
  user:
    auth-provider:
      name: oidc
      config: {client-id: kcfg, id-token: idtok-SECRET-3, refresh-token: "ref-SECRET-4"}
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: get-token
      env:
      - name: API_KEY
        value: env-SECRET-5
contexts:
- name: a
  context: {cluster: c, user: u}
current-context: a
`
	yamlAfter := strings.Replace(yamlBefore, "current-context: a", "current-context: b", 1)
	yamlAfter = strings.Replace(yamlAfter, "tok-SECRET-1", "tok-SECRET-6", 1)
	yamlAfter = strings.Replace(yamlAfter, "command: get-token", "command: get-token-2", 1)
	jsonBefore := `{"apiVersion": "v1", "kind": "Config",
 "users": [{"name": "u", "user": {"token": "tok-SECRET-7"}}],
 "contexts": [{"name": "a", "context": {"cluster": "c", "user": "u"}}]}
`
	jsonAfter := strings.Replace(jsonBefore, `"user": "u"}}`, `"user": "u", "namespace": "n"}}`, 1)
	tests := []struct {
		name          string
		before, after string
		created       bool
		secrets       []string
		keep          []string
	}{
		{"yaml", yamlBefore, yamlAfter, false,
			[]string{"tok-SECRET-1", "tok-SECRET-6", key, "SECRET 2", "idtok-SECRET-3", "ref-SECRET-4", "env-SECRET-5"},
			[]string{"-    token: REDACTED", "+    token: REDACTED", "+current-context: b", "client-id: kcfg", "name: API_KEY", "value: REDACTED"}},
		{"yaml-created", "", yamlBefore, true,
			[]string{"tok-SECRET-1", key, "SECRET 2", "env-SECRET-5"},
			[]string{"+    token: REDACTED"}},
		{"json", jsonBefore, jsonAfter, false,
			[]string{"tok-SECRET-7"},
			[]string{`"token": "REDACTED"`, `"namespace": "n"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := FileChange{Path: filepath.Join("dir", "config"), Before: []byte(tt.before), After: []byte(tt.after), Created: tt.created}
			got := c.RedactedDiff()
			for _, s := range tt.secrets {
				if strings.Contains(got, s) {
					t.Errorf("diff shows secret %q:\n%s", s, got)
				}
			}
			for _, s := range tt.keep {
				if !strings.Contains(got, s) {
					t.Errorf("diff lacks %q:\n%s", s, got)
				}
			}
			if !strings.HasPrefix(got, "--- ") {
				t.Errorf("not a unified diff:\n%s", got)
			}
		})
	}
}
