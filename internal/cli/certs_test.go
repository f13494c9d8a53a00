package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kcfg-dev/kcfg/internal/cli"
	"github.com/kcfg-dev/kcfg/internal/iostreams"
	"github.com/kcfg-dev/kcfg/pkg/certs"
)

func TestCertsSeedGolden(t *testing.T) {
	dir, path := seedCopy(t)
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"certs-seed.txt", []string{"certs", "--kubeconfig", path}},
		{"certs-seed-wide.txt", []string{"certs", "--kubeconfig", path, "-o", "wide"}},
		{"certs-seed.json", []string{"certs", "--kubeconfig", path, "-o", "json"}},
		{"certs-seed.txt", []string{"certs", "--kubeconfig", path, "kubernetes-admin@forest"}},
	} {
		t.Run(strings.Join(tc.args[3:], " "), func(t *testing.T) {
			r := run(t, nil, tc.args...)
			if r.code != 0 || r.err != "" {
				t.Fatalf("exit %d: %s", r.code, r.err)
			}
			golden(t, tc.golden, []byte(strings.ReplaceAll(r.out, dir, "TESTDIR")))
		})
	}
}

// TestCertsSeedFacts checks the seed's certificates as data.
func TestCertsSeedFacts(t *testing.T) {
	_, path := seedCopy(t)
	r := run(t, nil, "certs", "--kubeconfig", path, "-o", "json")
	var list []certs.Certificate
	if err := json.Unmarshal([]byte(r.out), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d certificates, want 2", len(list))
	}
	ca, client := list[0], list[1]
	if ca.Role != "ca" || ca.Subject != "CN=kubernetes" || !ca.NotAfter.Equal(time.Date(2032, 12, 4, 1, 40, 27, 0, time.UTC)) || ca.Expired {
		t.Errorf("CA = %+v", ca)
	}
	if client.Role != "client" || !client.Expired || !client.NotAfter.Equal(time.Date(2023, 12, 7, 1, 40, 30, 0, time.UTC)) ||
		client.KeyMatch == nil || !*client.KeyMatch || len(client.Chain) != 1 || !client.Chain[0].Verified {
		t.Errorf("client = %+v", client)
	}
}

func TestCertsSelection(t *testing.T) {
	path := cleanConfig(t, func(c *clientcmdapi.Config) {
		c.Clusters["other"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:7443", CertificateAuthorityData: c.Clusters["c"].CertificateAuthorityData}
		c.AuthInfos["token"] = &clientcmdapi.AuthInfo{Token: "secret"}
		c.Contexts["other"] = &clientcmdapi.Context{Cluster: "other", AuthInfo: "token"}
	})
	tests := []struct {
		name    string
		args    []string
		code    int
		entries []string
		stderr  string
	}{
		{"all", []string{"certs"}, 0, []string{"cluster/c", "cluster/other", "user/u"}, ""},
		{"by name", []string{"certs", "other"}, 0, []string{"cluster/other"}, ""},
		{"by --context", []string{"certs", "--context", "ctx"}, 0, []string{"cluster/c", "user/u"}, ""},
		{"unknown name", []string{"certs", "nope"}, 1, nil, `context "nope"`},
		{"unknown output", []string{"certs", "-o", "name"}, 2, nil, "unknown output format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.code == 0 {
				args = append(args, "-o", "json")
			}
			r := run(t, map[string]string{"KUBECONFIG": path}, args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.err)
			}
			if !strings.Contains(r.err, tt.stderr) {
				t.Errorf("stderr %q does not contain %q", r.err, tt.stderr)
			}
			if tt.code != 0 {
				return
			}
			var list []certs.Certificate
			if err := json.Unmarshal([]byte(r.out), &list); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range list {
				got = append(got, c.Kind+"/"+c.Name)
			}
			if strings.Join(got, " ") != strings.Join(tt.entries, " ") {
				t.Errorf("entries = %v, want %v", got, tt.entries)
			}
		})
	}
	t.Run("yaml", func(t *testing.T) {
		r := run(t, map[string]string{"KUBECONFIG": path}, "certs", "ctx", "-o", "yaml")
		if r.code != 0 || !strings.Contains(r.out, "subject: CN=alice") {
			t.Errorf("exit %d:\n%s%s", r.code, r.out, r.err)
		}
	})
}

func TestCertsFlags(t *testing.T) {
	var got *cli.CertsOptions
	ios, _, _, _ := iostreams.Test()
	cmd := cli.NewCmdCerts(&cli.Factory{IO: ios}, func(o *cli.CertsOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"a", "b", "-o", "wide"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || strings.Join(got.Names, ",") != "a,b" || got.Output != "wide" {
		t.Errorf("options = %+v", got)
	}
}

// A key that cannot be parsed is shown as an error, not as a key that
// does not match.
func TestCertsUnusableKey(t *testing.T) {
	path := cleanConfig(t, func(c *clientcmdapi.Config) { c.AuthInfos["u"].ClientKeyData = []byte("not a key") })
	r := run(t, map[string]string{"KUBECONFIG": path}, "certs")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	var row string
	for _, line := range strings.Split(r.out, "\n") {
		if strings.HasPrefix(line, "user/u ") {
			row = line
		}
	}
	if !strings.Contains(row, " error ") || strings.Contains(row, " NO ") {
		t.Errorf("KEY MATCH of an unparsable key, want error:\n%s", r.out)
	}
}
