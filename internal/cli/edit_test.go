package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kcfg-dev/kcfg/internal/iostreams"
)

const editFixture = `# kept comment
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1", certificate-authority: ca.crt}
users:
- name: u
  user: {token: secret-token}
contexts:
- name: dev
  context: {cluster: c, user: u}
- name: prod
  context:
    cluster: c
    user: u
current-context: dev
`

type env struct {
	dir, config string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "config")
	if err := os.WriteFile(p, []byte(editFixture), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), []byte("CA"), 0o600); err != nil {
		t.Fatal(err)
	}
	return &env{dir: dir, config: p}
}

func (e *env) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	vars := map[string]string{"KUBECONFIG": e.config, "HOME": e.dir, "XDG_STATE_HOME": filepath.Join(e.dir, "state")}
	f := &Factory{IO: io, Getenv: func(k string) string { return vars[k] }, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}
	code := Run(context.Background(), f, args)
	return code, strings.ReplaceAll(out.String(), e.dir, "DIR"), strings.ReplaceAll(errOut.String(), e.dir, "DIR")
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	Golden(t, filepath.Join("testdata", name+".golden"), []byte(got))
}

func TestEditCommands(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		changed bool
	}{
		{"use-dry-run", []string{"use", "prod", "--dry-run"}, 0, false},
		{"use", []string{"use", "prod"}, 0, true},
		{"use-no-arg", []string{"use"}, 2, false},
		{"use-unknown", []string{"use", "prd"}, 1, false},
		{"ns-dry-run", []string{"ns", "kube-system", "--dry-run"}, 0, false},
		{"ns", []string{"ns", "kube-system"}, 0, true},
		{"delete-dry-run", []string{"delete", "dev", "--dry-run"}, 0, false},
		{"delete", []string{"delete", "prod"}, 0, true},
		{"delete-current", []string{"delete", "dev"}, 0, true},
		{"delete-unknown", []string{"delete", "dev", "nope"}, 1, false},
		{"rename", []string{"rename", "dev", "dev: home"}, 0, true},
		{"rename-clash", []string{"rename", "dev", "prod"}, 1, false},
		{"rename-empty", []string{"rename", "dev", ""}, 2, false},
		{"add-missing", []string{"add", "/nonexistent.yaml"}, 1, false},
		{"add-bad-policy", []string{"add", "x", "--on-conflict", "merge"}, 2, false},
		{"export-over-input", []string{"export", "dev", "-f", "CONFIG"}, 1, false},
		{"undo-nothing", []string{"undo"}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			for i, a := range tt.args {
				if a == "CONFIG" {
					tt.args[i] = e.config
				}
			}
			code, out, errOut := e.run(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, errOut)
			}
			golden(t, "edit-"+tt.name, "stdout:\n"+out+"stderr:\n"+errOut)
			if strings.Contains(out+errOut, "secret-token") {
				t.Errorf("the output shows the user's token:\n%s%s", out, errOut)
			}
			after, _ := os.ReadFile(e.config)
			if changed := !bytes.Equal(after, []byte(editFixture)); changed != tt.changed {
				t.Errorf("file changed = %v, want %v", changed, tt.changed)
			}
			if _, err := os.Stat(e.config + ".lock"); err == nil {
				t.Error("lock left behind")
			}
		})
	}
}

func TestUseThenUndo(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{{"use", "prod"}, {"use", "-"}, {"undo"}, {"undo"}} {
		if code, _, errOut := e.run(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	after, _ := os.ReadFile(e.config)
	if string(after) != editFixture {
		t.Errorf("two undos did not restore the file:\n%s", after)
	}
}

func TestExportCommand(t *testing.T) {
	e := newEnv(t)
	out := filepath.Join(t.TempDir(), "prod.yaml")
	if code, _, errOut := e.run(t, "export", "prod", "-f", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("export file: %v %v", fi, err)
	}
	data, _ := os.ReadFile(out)
	if !strings.Contains(string(data), "certificate-authority-data: Q0E=") || !strings.Contains(string(data), "current-context: prod") ||
		strings.Contains(string(data), "name: dev") {
		t.Errorf("export:\n%s", data)
	}
	code, stdout, _ := e.run(t, "export", "dev")
	if code != 0 || !strings.Contains(stdout, "name: dev") {
		t.Errorf("export to stdout: %d %s", code, stdout)
	}
}
