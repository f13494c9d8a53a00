package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kcfg-dev/kcfg/internal/iostreams"
	"github.com/kcfg-dev/kcfg/pkg/clients"
)

func TestCheckFlags(t *testing.T) {
	tests := []struct {
		args     []string
		want     CheckOptions
		wantCode int
	}{
		{args: nil, want: CheckOptions{Parallel: 16, Timeout: 5 * time.Second, Output: "table"}},
		{args: []string{"--all"}, want: CheckOptions{All: true, Parallel: 16, Timeout: 5 * time.Second, Output: "table"}},
		{args: []string{"a", "b", "--timeout", "2s", "--parallel", "3", "-o", "json"},
			want: CheckOptions{Names: []string{"a", "b"}, Parallel: 3, Timeout: 2 * time.Second, Output: "json"}},
		{args: []string{"a", "--all"}, wantCode: ExitUsage},
		{args: []string{"--timeout", "0s"}, wantCode: ExitUsage},
		{args: []string{"--parallel", "0"}, wantCode: ExitUsage},
		{args: []string{"-o", "name"}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := parseOnly(NewCmdCheck, tt.args)
			if tt.wantCode != 0 {
				wantExitCode(t, err, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.All != tt.want.All || got.Parallel != tt.want.Parallel || got.Timeout != tt.want.Timeout ||
				got.Output != tt.want.Output || strings.Join(got.Names, ",") != strings.Join(tt.want.Names, ",") {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// refusingKubeconfig writes a kubeconfig whose contexts point at closed
// ports on 127.0.0.1, so that a check fails fast without leaving the host.
func refusingKubeconfig(t *testing.T, current string, names ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Config\ncurrent-context: \"" + current + "\"\nclusters:\n")
	for _, n := range names {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		b.WriteString("- name: " + n + "\n  cluster:\n    server: https://" + addr + "\n")
	}
	b.WriteString("users:\n- name: u\n  user:\n    token: not-a-secret\ncontexts:\n")
	for _, n := range names {
		b.WriteString("- name: " + n + "\n  context:\n    cluster: " + n + "\n    user: u\n")
	}
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

type checkRun struct {
	code        int
	out, errOut string
}

func runCheckCLI(t *testing.T, errTTY bool, kubeconfig string, args ...string) checkRun {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	io.ErrTTY = errTTY
	env := map[string]string{"KUBECONFIG": kubeconfig, "HOME": t.TempDir()}
	f := &Factory{IO: io, Getenv: func(k string) string { return env[k] }, Now: time.Now}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	code := Run(ctx, f, args)
	return checkRun{code: code, out: out.String(), errOut: errOut.String()}
}

func TestCheckWhichContexts(t *testing.T) {
	path := refusingKubeconfig(t, "b", "a", "b", "c")
	noCurrent := refusingKubeconfig(t, "", "a")
	tests := []struct {
		name       string
		kubeconfig string
		args       []string
		want       []string // contexts checked, in order
		wantErr    string   // part of stderr when nothing is checked
	}{
		{name: "current", kubeconfig: path, args: []string{"check"}, want: []string{"b"}},
		{name: "--context", kubeconfig: path, args: []string{"--context", "c", "check"}, want: []string{"c"}},
		{name: "names", kubeconfig: path, args: []string{"check", "c", "a"}, want: []string{"c", "a"}},
		{name: "all", kubeconfig: path, args: []string{"check", "--all"}, want: []string{"a", "b", "c"}},
		{name: "unknown name", kubeconfig: path, args: []string{"check", "a", "nope"}, wantErr: `context "nope"`},
		{name: "unknown --context", kubeconfig: path, args: []string{"--context", "nope", "check"}, wantErr: `context "nope"`},
		{name: "no current context", kubeconfig: noCurrent, args: []string{"check"}, wantErr: "no current context is set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := os.ReadFile(tt.kubeconfig)
			if err != nil {
				t.Fatal(err)
			}
			res := runCheckCLI(t, false, tt.kubeconfig, append(tt.args, "-o", "json")...)
			if res.code != ExitFailure {
				t.Fatalf("exit %d, want 1 (every context fails or none exists)\n%s", res.code, res.errOut)
			}
			if tt.wantErr != "" {
				if res.out != "" || !strings.Contains(res.errOut, tt.wantErr) {
					t.Errorf("stdout %q, stderr %q; want no output and an error with %q", res.out, res.errOut, tt.wantErr)
				}
			} else {
				var rs []clients.Result
				if err := json.Unmarshal([]byte(res.out), &rs); err != nil {
					t.Fatalf("%v\n%s", err, res.out)
				}
				var got []string
				for _, r := range rs {
					got = append(got, r.Context)
					if r.Status != clients.StatusUnreachable || r.Reason != clients.ReasonConnectionRefused {
						t.Errorf("%s: %s %s, want unreachable connection-refused", r.Context, r.Status, r.Reason)
					}
				}
				if strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Errorf("checked %v, want %v", got, tt.want)
				}
				if res.errOut != "" {
					t.Errorf("stderr %q, want nothing when not a terminal", res.errOut)
				}
			}
			after, _ := os.ReadFile(tt.kubeconfig)
			if !bytes.Equal(before, after) {
				t.Error("the kubeconfig changed")
			}
		})
	}
}

func TestCheckProgressOnTerminal(t *testing.T) {
	path := refusingKubeconfig(t, "a", "a", "b")
	res := runCheckCLI(t, true, path, "check", "--all", "--parallel", "1")
	if res.code != ExitFailure {
		t.Fatalf("exit %d", res.code)
	}
	for _, want := range []string{"\r\x1b[Kchecked 1/2 contexts, 1 failed (last: ", "\r\x1b[Kchecked 2/2 contexts, 2 failed (last: "} {
		if !strings.Contains(res.errOut, want) {
			t.Errorf("stderr %q lacks %q", res.errOut, want)
		}
	}
	if !strings.HasSuffix(res.errOut, "\r\x1b[K") {
		t.Errorf("stderr %q does not end by clearing the progress line", res.errOut)
	}
	if strings.Contains(res.out, "\r") || !strings.Contains(res.out, "connection-refused") {
		t.Errorf("stdout %q: want the table alone", res.out)
	}
}

func TestPrintCheck(t *testing.T) {
	results := []clients.Result{
		{Context: "prod", Server: "https://10.0.0.1:6443", Status: clients.StatusOK, ServerVersion: "v1.37.2",
			Identity:       &clients.Identity{Username: "alice", Groups: []string{"dev", "system:authenticated"}},
			IdentitySource: clients.FromSelfSubjectReview, Address: "10.0.0.1:6443",
			Timings: clients.Timings{Connect: 1200 * time.Microsecond, TLS: 4 * time.Millisecond, Latency: 2500 * time.Microsecond, Total: 31 * time.Millisecond}},
		{Context: "old", Server: "https://10.0.0.2:6443", Status: clients.StatusOK, ServerVersion: "v1.26.0",
			IdentitySource: clients.FromSelfSubjectAccessReview, Notes: []string{"SelfSubjectReview is not served"},
			Timings: clients.Timings{Latency: 42 * time.Millisecond, Total: 90 * time.Millisecond}},
		{Context: "lab", Server: "https://10.0.0.3:6443", Status: clients.StatusTLSError, Reason: clients.ReasonUnknownAuthority,
			Phase: clients.PhaseTLS, Message: `server certificate "CN=lab" is signed by an unknown authority "CN=lab-ca"`,
			Timings: clients.Timings{Total: 5 * time.Millisecond}},
	}
	tests := []struct {
		name  string
		wide  bool
		color bool
		want  string
	}{
		{name: "table", want: `CONTEXT   STATUS      SERVER                  IDENTITY   VERSION   LATENCY   DETAIL
prod      ok          https://10.0.0.1:6443   alice      v1.37.2   2.5ms     
old       ok          https://10.0.0.2:6443              v1.26.0   42ms      SelfSubjectReview is not served
lab       tls-error   https://10.0.0.3:6443                                  unknown-authority: server certificate "CN=lab" is signed by an unknown authority "CN=lab-ca"
`},
		{name: "wide", wide: true, want: `CONTEXT   STATUS      SERVER                  IDENTITY   VERSION   LATENCY   GROUPS                     ADDRESS         CONNECT   TLS     TOTAL   DETAIL
prod      ok          https://10.0.0.1:6443   alice      v1.37.2   2.5ms     dev,system:authenticated   10.0.0.1:6443   1.2ms     4.0ms   31ms    
old       ok          https://10.0.0.2:6443              v1.26.0   42ms                                                                   90ms    SelfSubjectReview is not served
lab       tls-error   https://10.0.0.3:6443                                                                                               5.0ms   unknown-authority: server certificate "CN=lab" is signed by an unknown authority "CN=lab-ca"
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := printCheck(&b, results, tt.wide, tt.color); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
	t.Run("color", func(t *testing.T) {
		var b bytes.Buffer
		if err := printCheck(&b, results, false, true); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "\x1b[32mok\x1b[0m") || !strings.Contains(b.String(), "\x1b[31mtls-error\x1b[0m") {
			t.Errorf("no colours in %q", b.String())
		}
	})
}
