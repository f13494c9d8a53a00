package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kcfg-dev/kcfg/internal/cli"
	"github.com/kcfg-dev/kcfg/internal/iostreams"
)

const fixtureDir = "../../testdata/load"

func TestSeedGolden(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"list.txt", []string{"list"}, 0},
		{"list-wide.txt", []string{"ls", "-o", "wide"}, 0},
		{"list-name.txt", []string{"list", "-o", "name"}, 0},
		{"list.json", []string{"list", "-o", "json"}, 0},
		{"list.yaml", []string{"list", "-o", "yaml"}, 0},
		{"current.txt", []string{"current"}, 1},
		{"view.yaml", []string{"view"}, 0},
		{"view.json", []string{"view", "-o", "json"}, 0},
		{"view-minify.txt", []string{"view", "--minify"}, 1},
		{"view-minify-context.yaml", []string{"view", "--minify", "--context", "kubernetes-admin@forest"}, 0},
		{"view-flatten.yaml", []string{"view", "--flatten"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, append([]string{"--kubeconfig", seed}, tt.args...)...)
			if r.code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", r.code, tt.wantCode, r.err)
			}
			golden(t, "seed/"+tt.name, []byte(r.out+r.err))
		})
	}
}

// TestSeedFacts checks the facts of the seed kubeconfig directly, so that a
// careless -update cannot hide a regression.
func TestSeedFacts(t *testing.T) {
	r := run(t, nil, "--kubeconfig", seed, "list")
	if r.code != 0 {
		t.Fatalf("list: exit %d: %s", r.code, r.err)
	}
	row := strings.Fields(strings.Split(r.out, "\n")[1])
	want := []string{"kubernetes-admin@forest", "forest", "https://172.16.2.6:6443", "kubernetes-admin", "client-cert", "2023-12-07", "(expired)"}
	if strings.Join(row, " ") != strings.Join(want, " ") {
		t.Errorf("list row = %q, want %q", row, want)
	}

	r = run(t, nil, "--kubeconfig", seed, "current")
	if r.code != 1 || r.out != "" || !strings.Contains(r.err, "no current context is set") ||
		!strings.Contains(r.err, "kubernetes-admin@forest") {
		t.Errorf("current: exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
	}

	for _, args := range [][]string{{"view"}, {"view", "--flatten"}, {"view", "-o", "json"}, {"view", "--minify", "--context", "kubernetes-admin@forest"}} {
		r = run(t, nil, append([]string{"--kubeconfig", seed}, args...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.err)
		}
		if strings.Contains(r.out, "LS0t") || strings.Contains(r.out, "BEGIN") {
			t.Errorf("%v shows certificate or key data:\n%s", args, r.out)
		}
		if !strings.Contains(r.out, "DATA+OMITTED") || !strings.Contains(r.out, "REDACTED") {
			t.Errorf("%v: redaction markers missing:\n%s", args, r.out)
		}
	}
	r = run(t, nil, "--kubeconfig", seed, "view", "--raw")
	if r.code != 0 || !strings.Contains(r.out, "client-key-data: LS0t") {
		t.Errorf("view --raw should show the key data: exit %d\n%s", r.code, r.out)
	}
}

func TestBadInputExitsOne(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, file string
		wantMsg    []string
	}{
		{"not yaml", write("bad.yaml", "apiVersion: v1\nkind: Config\nclusters:\n\t- x\n"), []string{"bad.yaml:4", "not valid YAML or JSON"}},
		{"wrong kind", write("kind.yaml", "apiVersion: v1\nkind: Secret\n"), []string{"kind.yaml:2", "field kind", `kind is "Secret"`}},
		{"bad base64", write("b64.yaml", "apiVersion: v1\nkind: Config\nusers:\n- name: me\n  user:\n    client-certificate-data: '***'\n"),
			[]string{"b64.yaml:6", `user "me"`, "field user.client-certificate-data", "invalid base64"}},
		{"missing user", write("ref.yaml", "apiVersion: v1\nkind: Config\ncontexts:\n- name: c\n  context:\n    user: nobody\n"),
			[]string{"ref.yaml:6", `context "c"`, "field context.user", `user "nobody" is not defined`}},
		{"directory", dir, []string{dir, "cannot read file"}},
	}
	for _, tt := range tests {
		for _, args := range [][]string{{"list"}, {"current"}, {"view"}} {
			t.Run(tt.name+"/"+args[0], func(t *testing.T) {
				before, _ := os.ReadFile(tt.file)
				r := run(t, map[string]string{"KUBECONFIG": tt.file}, args...)
				if r.code != 1 {
					t.Errorf("exit %d, want 1", r.code)
				}
				if r.out != "" {
					t.Errorf("stdout %q, want nothing", r.out)
				}
				if n := strings.Count(r.err, "\n"); n != 1 {
					t.Errorf("want one error line, got %d: %q", n, r.err)
				}
				for _, m := range tt.wantMsg {
					if !strings.Contains(r.err, m) {
						t.Errorf("stderr %q does not contain %q", r.err, m)
					}
				}
				after, _ := os.ReadFile(tt.file)
				if string(before) != string(after) {
					t.Errorf("file changed")
				}
			})
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"list", "-o", "xml"}, {"list", "extra"}, {"view", "--bogus"}, {"nosuchverb"}} {
		r := run(t, nil, args...)
		if r.code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, r.code, cli.ExitUsage, r.err)
		}
	}
}

func TestListFlagsParseAlone(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	f := &cli.Factory{IO: io, Getenv: func(string) string { return "" }, Now: time.Now}
	var got *cli.ListOptions
	cmd := cli.NewCmdList(f, func(o *cli.ListOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"-o", "wide"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Output != "wide" {
		t.Errorf("options = %+v", got)
	}
}

func TestMultiFileListAndCurrent(t *testing.T) {
	env := map[string]string{"KUBECONFIG": filepath.Join(fixtureDir, "clash/a.yaml") + string(os.PathListSeparator) + filepath.Join(fixtureDir, "clash/b.yaml")}
	r := run(t, env, "current")
	if r.code != 0 || r.out != "only-b\n" {
		t.Errorf("current: exit %d out %q err %q", r.code, r.out, r.err)
	}
	r = run(t, env, "list", "-o", "name")
	if r.out != "only-a\nonly-b\nshared\n" {
		t.Errorf("list -o name = %q", r.out)
	}
	r = run(t, env, "list")
	golden(t, "clash/list.txt", []byte(r.out))
}

func TestCompletesContextNames(t *testing.T) {
	env := map[string]string{"KUBECONFIG": filepath.Join(fixtureDir, "clash/a.yaml") + string(os.PathListSeparator) + filepath.Join(fixtureDir, "clash/b.yaml")}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "use", "only"}, []string{"only-a", "only-b"}},
		{[]string{"__complete", "use", "only-a", ""}, nil},
		{[]string{"__complete", "delete", "only-a", ""}, []string{"only-b", "shared"}},
		{[]string{"__complete", "list", "--context", "sh"}, []string{"shared"}},
	}
	for _, tt := range tests {
		r := run(t, env, tt.args...)
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
			if line != "" && !strings.HasPrefix(line, ":") {
				got = append(got, line)
			}
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%v: completions %q, want %q", tt.args, got, tt.want)
		}
	}
}
