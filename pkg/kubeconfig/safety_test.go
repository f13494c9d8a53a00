package kubeconfig

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// snapshot records every file in dirs, to prove they are byte-identical later.
func snapshot(t *testing.T, dirs ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, d := range dirs {
		_ = filepath.Walk(d, func(p string, info os.FileInfo, err error) error {
			if err == nil && info.Mode().IsRegular() {
				out[p], _ = os.ReadFile(p)
			}
			return nil
		})
	}
	return out
}

func sameSnapshot(t *testing.T, before map[string][]byte, dirs ...string) {
	t.Helper()
	after := snapshot(t, dirs...)
	if len(after) != len(before) {
		t.Errorf("files before %d, after %d", len(before), len(after))
	}
	for p, b := range before {
		if !bytes.Equal(b, after[p]) {
			t.Errorf("%s changed", p)
		}
	}
}

func TestBadInputLeavesFilesIdentical(t *testing.T) {
	notKubeconfig := filepath.Join(t.TempDir(), "list.yaml")
	_ = os.WriteFile(notKubeconfig, []byte("- just\n- a list\n"), 0o600)
	clash := filepath.Join(t.TempDir(), "clash.yaml")
	_ = os.WriteFile(clash, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster: {server: https://127.0.0.1:9}\n"), 0o600)
	tests := []struct {
		name string
		run  func(*Editor) error
		want error
	}{
		{"unknown context", func(e *Editor) error { _, err := e.Use(t.Context(), "prdo"); return err }, ErrContextNotFound},
		{"unknown delete", func(e *Editor) error {
			_, err := e.Delete(t.Context(), []string{"dev", "nope"}, DeleteOptions{})
			return err
		}, ErrContextNotFound},
		{"rename clash", func(e *Editor) error { _, err := e.Rename(t.Context(), "dev", "prod", ""); return err }, ErrNameClash},
		{"add not a kubeconfig", func(e *Editor) error {
			_, err := e.Add(t.Context(), []string{notKubeconfig}, AddOptions{})
			return err
		}, ErrNotKubeconfig},
		{"add missing file", func(e *Editor) error {
			_, err := e.Add(t.Context(), []string{"/nonexistent/x.yaml"}, AddOptions{})
			return err
		}, ErrMissingFile},
		{"add clash fail", func(e *Editor) error {
			_, err := e.Add(t.Context(), []string{clash}, AddOptions{OnConflict: ConflictFail})
			return err
		}, ErrNameClash},
		{"in wrong file", func(e *Editor) error { _, err := e.SetNamespace(t.Context(), "x", clash); return err }, ErrNotInFile},
		{"export over input", func(e *Editor) error {
			_, _, err := e.Export(t.Context(), []string{"dev"}, ExportOptions{File: e.Source.ExplicitPath})
			return err
		}, ErrSameFile},
		{"use previous without memory", func(e *Editor) error { _, err := e.Use(t.Context(), Previous); return err }, ErrNoPrevious},
		{"undo without backup", func(e *Editor) error { _, err := e.Undo(t.Context()); return err }, ErrNothingToUndo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fixture(t, "commented.yaml")
			ed := editor(t, p)
			before := snapshot(t, filepath.Dir(p), filepath.Dir(clash))
			err := tt.run(ed)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			sameSnapshot(t, before, filepath.Dir(p), filepath.Dir(clash))
		})
	}
}

func TestUnknownContextSuggests(t *testing.T) {
	p := fixture(t, "commented.yaml")
	_, err := editor(t, p).Use(t.Context(), "prdo")
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Detail, `"prod"`) {
		t.Fatalf("err = %v, want a suggestion of prod", err)
	}
}

func TestReadOnlyFileRefused(t *testing.T) {
	p := fixture(t, "commented.yaml")
	if err := os.Chmod(p, 0o444); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, p)
	_, err := editor(t, p).Use(t.Context(), "prod")
	if !errors.Is(err, ErrReadOnly) {
		t.Fatalf("err = %v, want ErrReadOnly", err)
	}
	if !bytes.Equal(before, readFile(t, p)) {
		t.Error("file changed")
	}
	if _, err := os.Stat(p + ".lock"); err == nil {
		t.Error("lock left behind")
	}
}

func TestWriteKeepsModeAndSymlink(t *testing.T) {
	dir := t.TempDir()
	target := fixture(t, "commented.yaml")
	if err := os.Chmod(target, 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := editor(t, link).Use(t.Context(), "prod"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("link replaced: %v %v", fi.Mode(), err)
	}
	st, _ := os.Stat(target)
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode = %o, want 640", st.Mode().Perm())
	}
	if cfg, _ := ParseFile(target, readFile(t, target)); cfg.CurrentContext != "prod" {
		t.Errorf("target not written: current %q", cfg.CurrentContext)
	}
	entries, _ := os.ReadDir(filepath.Dir(target))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".kcfg-") || strings.HasSuffix(e.Name(), ".lock") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestLockHeldByOther(t *testing.T) {
	p := fixture(t, "commented.yaml")
	before := readFile(t, p)
	// client-go's lock: an empty file, just created.
	if err := os.WriteFile(p+".lock", nil, 0); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := editor(t, p).Use(t.Context(), "prod")
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Error("did not wait for the lock")
	}
	if !bytes.Equal(before, readFile(t, p)) {
		t.Error("file changed")
	}
	if _, err := os.Stat(p + ".lock"); err != nil {
		t.Error("someone else's lock was removed")
	}
}

func TestLockReleasedInTime(t *testing.T) {
	p := fixture(t, "commented.yaml")
	if err := os.WriteFile(p+".lock", nil, 0); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		_ = os.Remove(p + ".lock")
	}()
	ed := editor(t, p)
	ed.Lock.Timeout = 5 * time.Second
	if _, err := ed.Use(t.Context(), "prod"); err != nil {
		t.Fatal(err)
	}
}

func TestStaleLock(t *testing.T) {
	t.Run("owner gone", func(t *testing.T) {
		p := fixture(t, "commented.yaml")
		cmd := exec.Command("true")
		if err := cmd.Run(); err != nil {
			t.Skip("no true command")
		}
		dead := cmd.Process.Pid
		_ = os.WriteFile(p+".lock", []byte(fmt.Sprintf("kcfg pid=%d host=%s\n", dead, hostname())), 0o600)
		ed := editor(t, p)
		ed.Lock.Timeout = time.Minute
		start := time.Now()
		_, err := ed.Use(t.Context(), "prod")
		if !errors.Is(err, ErrStaleLock) || !strings.Contains(err.Error(), "rm ") {
			t.Fatalf("err = %v, want ErrStaleLock saying how to clear it", err)
		}
		if time.Since(start) > 10*time.Second {
			t.Error("waited for a dead owner")
		}
		if _, err := os.Stat(p + ".lock"); err != nil {
			t.Error("stale lock removed silently")
		}
	})
	t.Run("old ownerless lock", func(t *testing.T) {
		p := fixture(t, "commented.yaml")
		_ = os.WriteFile(p+".lock", nil, 0o600)
		old := time.Now().Add(-time.Hour)
		_ = os.Chtimes(p+".lock", old, old)
		_, err := editor(t, p).Use(t.Context(), "prod")
		if !errors.Is(err, ErrStaleLock) {
			t.Fatalf("err = %v, want ErrStaleLock", err)
		}
		if _, err := os.Stat(p + ".lock"); err != nil {
			t.Error("stale lock removed silently")
		}
	})
}

func TestUndo(t *testing.T) {
	p := fixture(t, "commented.yaml")
	orig := readFile(t, p)
	ed := editor(t, p)
	if _, err := ed.Use(t.Context(), "prod"); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Delete(t.Context(), []string{"yes"}, DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Undo(t.Context()); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := ParseFile(p, readFile(t, p)); cfg.Contexts["yes"] == nil || cfg.CurrentContext != "prod" {
		t.Fatal("first undo did not restore the state before delete")
	}
	if _, err := ed.Undo(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(orig, readFile(t, p)) {
		t.Fatal("undo did not restore the original bytes")
	}
	if _, err := ed.Undo(t.Context()); !errors.Is(err, ErrNothingToUndo) {
		t.Fatalf("err = %v, want ErrNothingToUndo", err)
	}

	// A file changed by someone else since is not overwritten.
	if _, err := ed.Use(t.Context(), "prod"); err != nil {
		t.Fatal(err)
	}
	changed := append(readFile(t, p), []byte("# edited by hand\n")...)
	_ = os.WriteFile(p, changed, 0o600)
	if _, err := ed.Undo(t.Context()); !errors.Is(err, ErrChangedSince) {
		t.Fatalf("err = %v, want ErrChangedSince", err)
	}
	if !bytes.Equal(changed, readFile(t, p)) {
		t.Error("hand edit lost")
	}
}

func TestBackupsBounded(t *testing.T) {
	p := fixture(t, "commented.yaml")
	ed := editor(t, p)
	ed.State.MaxBackups = 3
	for i := range 6 {
		to := []string{"prod", "dev"}[i%2]
		if _, err := ed.Use(t.Context(), to); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(ed.State.entries()); n != 3 {
		t.Errorf("backups kept = %d, want 3", n)
	}
	if fi, err := os.Stat(ed.State.journalDir()); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("backup folder mode: %v %v", fi, err)
	}
}

func TestUsePreviousAndStateDir(t *testing.T) {
	if got := StateDir(func(k string) string {
		return map[string]string{"HOME": "/home/u"}[k]
	}); got != "/home/u/.local/state/kcfg" {
		t.Errorf("StateDir = %s", got)
	}
	if got := StateDir(func(k string) string {
		return map[string]string{"HOME": "/home/u", "XDG_STATE_HOME": "/s"}[k]
	}); got != "/s/kcfg" {
		t.Errorf("StateDir = %s", got)
	}
	p := fixture(t, "commented.yaml")
	ed := editor(t, p)
	for _, step := range []struct{ arg, want string }{{"prod", "prod"}, {"yes", "yes"}, {Previous, "prod"}, {Previous, "yes"}} {
		if _, err := ed.Use(t.Context(), step.arg); err != nil {
			t.Fatal(err)
		}
		if cfg, _ := ParseFile(p, readFile(t, p)); cfg.CurrentContext != step.want {
			t.Fatalf("use %s: current %q, want %q", step.arg, cfg.CurrentContext, step.want)
		}
	}
	if _, err := ed.Rename(t.Context(), "prod", "production", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Use(t.Context(), Previous); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := ParseFile(p, readFile(t, p)); cfg.CurrentContext != "production" {
		t.Fatalf("previous context not renamed: current %q", cfg.CurrentContext)
	}
	if _, err := ed.SetNamespace(t.Context(), "a", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.SetNamespace(t.Context(), "b", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.SetNamespace(t.Context(), Previous, ""); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := ParseFile(p, readFile(t, p)); cfg.Contexts["production"].Namespace != "a" {
		t.Fatalf("ns -: namespace %q, want a", cfg.Contexts["production"].Namespace)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	p := fixture(t, "commented.yaml")
	ed := editor(t, p)
	ed.DryRun = true
	before := snapshot(t, filepath.Dir(p))
	res, err := ed.Delete(t.Context(), []string{"dev"}, DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || !strings.Contains(UnifiedDiff(p, res.Changes[0].Before, res.Changes[0].After, false), "-- name: dev") {
		t.Errorf("dry run did not report the change: %+v", res.Changes)
	}
	sameSnapshot(t, before, filepath.Dir(p))
	if _, err := os.Stat(ed.State.Dir); err == nil {
		t.Error("dry run wrote state")
	}
}
