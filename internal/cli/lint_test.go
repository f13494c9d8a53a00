package cli_test

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kcfg-dev/kcfg/internal/cli"
	"github.com/kcfg-dev/kcfg/internal/iostreams"
	"github.com/kcfg-dev/kcfg/internal/testcert"
	"github.com/kcfg-dev/kcfg/pkg/lint"
)

const seed = "../../testdata/seed-kubeconfig.yaml"

// seedCopy copies the seed kubeconfig, mode 0600, into a fresh folder and
// returns the folder and the path.
func seedCopy(t *testing.T) (dir, path string) {
	dir = t.TempDir()
	return dir, copyFile(t, seed, dir, "seed-kubeconfig.yaml", 0o600)
}

func TestLintSeedGolden(t *testing.T) {
	dir, path := seedCopy(t)
	for _, tc := range []struct {
		golden string
		args   []string
		env    map[string]string
	}{
		{"lint-seed.txt", []string{"lint", path}, nil},
		{"lint-seed.json", []string{"lint", path, "-o", "json"}, nil},
		// Without FILE, the loaded kubeconfig is checked.
		{"lint-seed.txt", []string{"lint", "--kubeconfig", path}, nil},
		{"lint-seed.txt", []string{"lint"}, map[string]string{"KUBECONFIG": path + string(os.PathListSeparator) + filepath.Join(dir, "absent")}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := run(t, tc.env, tc.args...)
			if r.code != cli.ExitFailure {
				t.Errorf("exit %d, want 1 (the expired certificate is an error); stderr %s", r.code, r.err)
			}
			if r.err != "" {
				t.Errorf("stderr: %s", r.err)
			}
			golden(t, tc.golden, []byte(strings.ReplaceAll(r.out, dir, "TESTDIR")))
		})
	}
}

func TestLintSeedJSON(t *testing.T) {
	_, path := seedCopy(t)
	r := run(t, nil, "lint", path, "-o", "json")
	var report lint.Report
	if err := json.Unmarshal([]byte(r.out), &report); err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, f := range report.Findings {
		rules = append(rules, string(f.Severity)+" "+f.Rule)
	}
	want := []string{"warning current-context-unset", "error client-cert-expired", "info system-masters"}
	if !slices.Equal(rules, want) {
		t.Errorf("findings = %v, want %v", rules, want)
	}
	if report.Mode != "lint" || report.Summary != (lint.Summary{Errors: 1, Warnings: 1, Infos: 1}) {
		t.Errorf("mode %s, summary %+v", report.Mode, report.Summary)
	}
}

func TestLintUntrustedGolden(t *testing.T) {
	root := t.TempDir()
	path := copyFile(t, "../../testdata/untrusted-kubeconfig.yaml", filepath.Join(root, "inbox"), "untrusted-kubeconfig.yaml", 0o600)
	before, _ := os.ReadFile(path)
	for _, tc := range []struct{ golden, output string }{
		{"lint-untrusted.txt", "table"},
		{"lint-untrusted.json", "json"},
	} {
		t.Run(tc.output, func(t *testing.T) {
			r := run(t, nil, "lint", "--untrusted", path, "-o", tc.output)
			if r.code != cli.ExitFailure {
				t.Errorf("exit %d, want 1", r.code)
			}
			if strings.Contains(r.out, "not-a-real-token") || strings.Contains(r.out, "not-a-real-secret") {
				t.Error("the audit shows a secret")
			}
			golden(t, tc.golden, []byte(strings.ReplaceAll(r.out, root, "TESTDIR")))
		})
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the audited file changed")
	}
}

// cleanConfig writes a kubeconfig without findings, changed by edit, and
// returns its path.
func cleanConfig(t *testing.T, edit func(*clientcmdapi.Config)) string {
	t.Helper()
	ca := testcert.NewCA(t, "ca", fixedNow.AddDate(-1, 0, 0), fixedNow.AddDate(5, 0, 0))
	client := ca.Issue(t, testcert.Options{CommonName: "alice", NotBefore: fixedNow.AddDate(-1, 0, 0), NotAfter: fixedNow.AddDate(1, 0, 0)})
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["c"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:6443", CertificateAuthorityData: ca.PEM}
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{ClientCertificateData: client.PEM, ClientKeyData: client.Key.PEM}
	cfg.Contexts["ctx"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u"}
	cfg.CurrentContext = "ctx"
	if edit != nil {
		edit(cfg)
	}
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLintExitCodes(t *testing.T) {
	clean := cleanConfig(t, nil)
	warnOnly := cleanConfig(t, func(c *clientcmdapi.Config) { c.CurrentContext = "" })
	expiring := cleanConfig(t, nil)
	withExec := cleanConfig(t, func(c *clientcmdapi.Config) {
		c.AuthInfos["u"] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "cred",
			APIVersion: "client.authentication.k8s.io/v1", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}
	})
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		code    int
		stdout  string
		stderr  string
		noStdio bool
	}{
		{name: "no findings", args: []string{"lint", clean}, code: 0, stdout: "no findings in 1 file"},
		{name: "warnings pass", args: []string{"lint", warnOnly}, code: 0, stdout: "0 errors, 1 warning, 0 infos in 1 file"},
		{name: "warnings fail under strict", args: []string{"lint", "--strict", warnOnly}, code: 1, stdout: "current-context-unset"},
		{name: "expiry window", args: []string{"lint", "--expiry-window", "9000h", expiring}, code: 0, stdout: "client-cert-expiring"},
		{name: "expiry window under strict", args: []string{"lint", "--strict", "--expiry-window", "9000h", expiring}, code: 1, stdout: "client-cert-expiring"},
		{name: "a missing file is a finding", args: []string{"lint", clean, "/nonexistent/kcfg/config"}, code: 1, stdout: "file-unreadable"},
		{name: "untrusted clean file", args: []string{"lint", "--untrusted", clean}, code: 0, stdout: "no findings"},
		{name: "untrusted file with exec", args: []string{"lint", "--untrusted", withExec}, code: 1, stdout: "untrusted-exec"},
		{name: "untrusted needs a file", args: []string{"lint", "--untrusted"}, code: 2, stderr: "--untrusted needs the FILE"},
		{name: "unknown output", args: []string{"lint", "-o", "yaml", clean}, code: 2, stderr: "unknown output format"},
		{name: "bad window", args: []string{"lint", "--expiry-window", "soon", clean}, code: 2, stderr: "expiry-window"},
		{name: "negative window", args: []string{"lint", "--expiry-window", "-1h", clean}, code: 2, stderr: "negative"},
		{name: "no kubeconfig at all", args: []string{"lint"}, code: 1, stderr: "no kubeconfig file to check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.env, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\nstdout %s\nstderr %s", r.code, tt.code, r.out, r.err)
			}
			if !strings.Contains(r.out, tt.stdout) {
				t.Errorf("stdout %q does not contain %q", r.out, tt.stdout)
			}
			if !strings.Contains(r.err, tt.stderr) {
				t.Errorf("stderr %q does not contain %q", r.err, tt.stderr)
			}
		})
	}
}

// TestLintLeavesFilesAlone: lint, the audit and certs never write, whatever
// the input.
func TestLintLeavesFilesAlone(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"bad":  "users:\n- name: u\n  user:\n    client-key-data: '%%%'\n",
		"junk": "clusters: [\n",
	}
	var paths []string
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	_, seedPath := seedCopy(t)
	paths = append(paths, seedPath)
	before := map[string][]byte{}
	for _, p := range paths {
		before[p], _ = os.ReadFile(p)
	}
	for _, args := range [][]string{
		append([]string{"lint"}, paths...),
		append([]string{"lint", "--untrusted"}, paths...),
		append([]string{"lint", "-o", "json"}, paths...),
		{"certs", "--kubeconfig", seedPath},
		{"certs", "--kubeconfig", paths[0]},
	} {
		r := run(t, nil, args...)
		if r.code != cli.ExitFailure && args[0] == "lint" {
			t.Errorf("%v: exit %d, want 1", args, r.code)
		}
	}
	for _, p := range paths {
		after, _ := os.ReadFile(p)
		info, _ := os.Stat(p)
		if !bytes.Equal(before[p], after) {
			t.Errorf("%s changed", p)
		}
		if p != seedPath && info.Mode().Perm() != 0o644 {
			t.Errorf("%s mode changed to %o", p, info.Mode().Perm())
		}
	}
}

func TestLintFlags(t *testing.T) {
	tests := []struct {
		args []string
		want cli.LintOptions
	}{
		{nil, cli.LintOptions{Output: "table", ExpiryWindow: 720 * time.Hour}},
		{[]string{"a", "b", "--strict", "-o", "json"}, cli.LintOptions{Files: []string{"a", "b"}, Strict: true, Output: "json", ExpiryWindow: 720 * time.Hour}},
		{[]string{"--untrusted", "x", "--expiry-window", "48h"}, cli.LintOptions{Files: []string{"x"}, Untrusted: true, Output: "table", ExpiryWindow: 48 * time.Hour}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got *cli.LintOptions
			ios, _, _, _ := iostreams.Test()
			cmd := cli.NewCmdLint(&cli.Factory{IO: ios}, func(o *cli.LintOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("run was not called")
			}
			if !slices.Equal(got.Files, tt.want.Files) || got.Untrusted != tt.want.Untrusted || got.Strict != tt.want.Strict ||
				got.Output != tt.want.Output || got.ExpiryWindow != tt.want.ExpiryWindow {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestLintColor(t *testing.T) {
	_, path := seedCopy(t)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want bool
	}{
		{"terminal", []string{"lint", path}, nil, true},
		{"--no-color", []string{"lint", "--no-color", path}, nil, false},
		{"NO_COLOR", []string{"lint", path}, map[string]string{"NO_COLOR": "1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			ios.Color = true
			f := &cli.Factory{IO: ios, Now: func() time.Time { return fixedNow }, Getenv: func(k string) string { return tc.env[k] }}
			cli.Run(t.Context(), f, tc.args)
			if got := strings.Contains(out.String(), "\x1b[31merror"); got != tc.want {
				t.Errorf("coloured = %v, want %v:\n%s", got, tc.want, out)
			}
		})
	}
}

// TestLintNeverConnects points a kubeconfig's server and proxy at listeners
// on 127.0.0.1 and checks that lint, the audit and certs leave them alone.
func TestLintNeverConnects(t *testing.T) {
	var accepted atomic.Int32
	listen := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				accepted.Add(1)
				c.Close()
			}
		}()
		return ln.Addr().String()
	}
	server, proxy := listen(), listen()
	path := cleanConfig(t, func(c *clientcmdapi.Config) {
		c.Clusters["c"].Server = "https://" + server
		c.Clusters["c"].ProxyURL = "http://" + proxy
		c.Clusters["plain"] = &clientcmdapi.Cluster{Server: "http://" + server}
		c.Contexts["plain"] = &clientcmdapi.Context{Cluster: "plain", AuthInfo: "u"}
	})
	for _, args := range [][]string{
		{"lint", path},
		{"lint", "--untrusted", path},
		{"certs", "--kubeconfig", path},
	} {
		if r := run(t, nil, args...); r.err != "" {
			t.Errorf("%v: %s", args, r.err)
		}
	}
	// A connection would have been accepted by now; give the accept loop a
	// moment to count one that raced with the commands.
	time.Sleep(50 * time.Millisecond)
	if n := accepted.Load(); n != 0 {
		t.Errorf("%d connections were opened", n)
	}
}
