package kubeconfig

import (
	"errors"
	"path/filepath"
	"testing"
)

// Deleting the current context clears current-context in the file that set
// it; the report names that file and, where a later file of KUBECONFIG sets
// current-context too, the context that is current now.
func TestDeleteCurrentContextReport(t *testing.T) {
	const a = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\ncontexts:\n- name: x\n  context: {cluster: c}\n- name: w\n  context: {cluster: c}\ncurrent-context: x\n"
	const b = "apiVersion: v1\nkind: Config\ncontexts:\n- name: z\n  context: {cluster: c}\ncurrent-context: z\n"
	tests := []struct {
		name     string
		files    []string
		wantFile int
		wantNow  string
	}{
		{"one file", []string{a}, 0, ""},
		{"later file sets another", []string{a, b}, 0, "z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var paths []string
			for i, s := range tt.files {
				paths = append(paths, putFile(t, filepath.Join(dir, string(rune('a'+i))+".yaml"), s))
			}
			ed := editor(t, paths...)
			ed.Source = Source{EnvPath: joinPaths(paths)} // KUBECONFIG, even for one file
			res, err := ed.Delete(t.Context(), []string{"x"}, DeleteOptions{KeepOrphans: true})
			if err != nil {
				t.Fatal(err)
			}
			var got *Action
			for i := range res.Actions {
				if res.Actions[i].Kind == "current-context" {
					got = &res.Actions[i]
				}
			}
			if got == nil {
				t.Fatalf("no current-context action: %+v", res.Actions)
			}
			want := Action{Verb: "unset", Kind: "current-context", Name: "x", File: paths[tt.wantFile], To: tt.wantNow}
			if *got != want {
				t.Errorf("action %+v, want %+v", *got, want)
			}
			cfg, err := Load(Source{EnvPath: joinPaths(paths)})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Merged.CurrentContext != tt.wantNow {
				t.Errorf("current context now %q, want %q", cfg.Merged.CurrentContext, tt.wantNow)
			}
		})
	}
}

// A context cannot be renamed to the empty name (kubectl refuses it too):
// current-context "" means none, so such a context could never be used.
func TestRenameToEmptyNameRefused(t *testing.T) {
	p := putFile(t, filepath.Join(t.TempDir(), "config"), "apiVersion: v1\nkind: Config\ncontexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n")
	before := readFile(t, p)
	_, err := editor(t, p).Rename(t.Context(), "x", "", "")
	if !errors.Is(err, ErrEmptyName) {
		t.Fatalf("error %v, want ErrEmptyName", err)
	}
	if string(readFile(t, p)) != string(before) {
		t.Error("file changed")
	}
}

// A name given twice is deleted once: the second must not reach the
// context of that name in a later file, which the user did not mean.
func TestDeleteNameTwiceDeletesOnce(t *testing.T) {
	dir := t.TempDir()
	a := putFile(t, filepath.Join(dir, "a.yaml"), "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\ncontexts:\n- name: x\n  context: {cluster: c}\n- name: o\n  context: {cluster: c}\ncurrent-context: o\n")
	b := putFile(t, filepath.Join(dir, "b.yaml"), "apiVersion: v1\nkind: Config\ncontexts:\n- name: x\n  context: {cluster: c, namespace: b}\n")
	bBefore := readFile(t, b)
	if _, err := editor(t, a, b).Delete(t.Context(), []string{"x", "x"}, DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if string(readFile(t, b)) != string(bBefore) {
		t.Errorf("the shadowed context in b.yaml was deleted too:\n%s", readFile(t, b))
	}
	cfg, _ := ParseFile(a, readFile(t, a))
	if _, ok := cfg.Contexts["x"]; ok {
		t.Error("x still in a.yaml")
	}
}
