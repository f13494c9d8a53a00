package kubeconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixture copies testdata/edit/name into a fresh folder and returns its path.
func fixture(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "edit", name))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func editor(t *testing.T, paths ...string) *Editor {
	t.Helper()
	src := Source{ExplicitPath: paths[0]}
	if len(paths) > 1 {
		src = Source{EnvPath: strings.Join(paths, string(os.PathListSeparator))}
	}
	return &Editor{Source: src, State: &State{Dir: filepath.Join(t.TempDir(), "state")}, Lock: LockOptions{Timeout: 200 * time.Millisecond}}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// oneLineChanged reports whether after is before with exactly one line
// replaced, or exactly one line added.
func oneLineChanged(before, after []byte) bool {
	// The byte-order mark is a prefix of the file, not of its first line.
	before, after = bytes.TrimPrefix(before, []byte("\xef\xbb\xbf")), bytes.TrimPrefix(after, []byte("\xef\xbb\xbf"))
	a, b := splitLines(before), splitLines(after)
	switch len(b) - len(a) {
	case 0:
		diff := 0
		for i := range a {
			if a[i] != b[i] {
				diff++
			}
		}
		return diff == 1
	case 1:
		for i := range b {
			rest := append(append([]string(nil), b[:i]...), b[i+1:]...)
			if strings.Join(rest, "") == string(before) {
				return true
			}
		}
	}
	return false
}

func TestUseChangesOneLine(t *testing.T) {
	tests := []struct {
		file, to string
	}{
		{"commented.yaml", "prod"},
		{"commented.yaml", "yes"},
		{"json.json", "dev2"},
		{"bom-crlf.yaml", "b"},
		{"no-newline.yaml", "b"},
		{"anchors.yaml", "two"},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.to, func(t *testing.T) {
			p := fixture(t, tt.file)
			before := readFile(t, p)
			ed := editor(t, p)
			if _, err := ed.Use(t.Context(), tt.to); err != nil {
				t.Fatal(err)
			}
			after := readFile(t, p)
			if !oneLineChanged(before, after) {
				t.Fatalf("want exactly one line changed or added:\n%s", UnifiedDiff(tt.file, before, after, false))
			}
			cfg, err := ParseFile(p, after)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.CurrentContext != tt.to {
				t.Errorf("current-context = %q, want %q", cfg.CurrentContext, tt.to)
			}
			if bytes.HasPrefix(before, []byte("\xef\xbb\xbf")) != bytes.HasPrefix(after, []byte("\xef\xbb\xbf")) {
				t.Error("byte-order mark not kept")
			}
			if bytes.Contains(before, []byte("\r\n")) && bytes.Count(after, []byte("\n")) != bytes.Count(after, []byte("\r\n")) {
				t.Error("CRLF line endings not kept")
			}
			if strings.HasSuffix(tt.file, ".json") && !json.Valid(after) {
				t.Error("JSON file is no longer valid JSON")
			}
		})
	}
}

// TestEditDiffs compares the exact diff of each edit with a golden file.
func TestEditDiffs(t *testing.T) {
	tests := []struct {
		name, file string
		op         func(context.Context, *Editor) (*Result, error)
	}{
		{"use", "commented.yaml", func(c context.Context, e *Editor) (*Result, error) { return e.Use(c, "prod") }},
		{"ns-null", "commented.yaml", func(c context.Context, e *Editor) (*Result, error) { return e.SetNamespace(c, "kube-system", "") }},
		{"ns-weird", "commented.yaml", func(c context.Context, e *Editor) (*Result, error) { return e.SetNamespace(c, "1.30", "") }},
		{"delete", "commented.yaml", func(c context.Context, e *Editor) (*Result, error) {
			return e.Delete(c, []string{"dev"}, DeleteOptions{})
		}},
		{"delete-keep-orphans", "commented.yaml", func(c context.Context, e *Editor) (*Result, error) {
			return e.Delete(c, []string{"dev", "yes"}, DeleteOptions{KeepOrphans: true})
		}},
		{"rename", "commented.yaml", func(c context.Context, e *Editor) (*Result, error) { return e.Rename(c, "dev", "dev: ~ @home/ü", "") }},
		{"add", "commented.yaml", func(c context.Context, e *Editor) (*Result, error) {
			return e.Add(c, []string{filepath.Join("testdata", "edit", "json.json")}, AddOptions{})
		}},
		{"ns-json", "json.json", func(c context.Context, e *Editor) (*Result, error) {
			if _, err := e.Use(c, "dev"); err != nil {
				return nil, err
			}
			return e.SetNamespace(c, "null", "")
		}},
		{"delete-json", "json.json", func(c context.Context, e *Editor) (*Result, error) {
			return e.Delete(c, []string{"dev"}, DeleteOptions{})
		}},
		{"add-json", "json.json", func(c context.Context, e *Editor) (*Result, error) {
			return e.Add(c, []string{filepath.Join("testdata", "edit", "bom-crlf.yaml")}, AddOptions{})
		}},
		{"add-crlf", "bom-crlf.yaml", func(c context.Context, e *Editor) (*Result, error) {
			return e.Add(c, []string{filepath.Join("testdata", "edit", "no-newline.yaml")}, AddOptions{})
		}},
		{"ns-tagged", "no-newline.yaml", func(c context.Context, e *Editor) (*Result, error) {
			if _, err := e.Use(c, "b"); err != nil {
				return nil, err
			}
			return e.SetNamespace(c, "plain", "")
		}},
		{"ns-flow", "commented.yaml", func(c context.Context, e *Editor) (*Result, error) {
			if _, err := e.Use(c, "yes"); err != nil {
				return nil, err
			}
			return e.SetNamespace(c, "team-a", "")
		}},
		{"delete-anchors", "anchors.yaml", func(c context.Context, e *Editor) (*Result, error) {
			return e.Delete(c, []string{"two"}, DeleteOptions{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fixture(t, tt.file)
			before := readFile(t, p)
			if _, err := tt.op(t.Context(), editor(t, p)); err != nil {
				t.Fatal(err)
			}
			after := readFile(t, p)
			got := UnifiedDiff(tt.file, before, after, false)
			golden := filepath.Join("testdata", "edit", "golden", tt.name+".diff")
			if *update {
				_ = os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("diff differs from %s:\n%s", golden, got)
			}
			if _, err := ParseFile(p, after); err != nil {
				t.Errorf("result does not parse: %v", err)
			}
		})
	}
}

// TestValuesRoundTrip writes names YAML would misread and reads them back.
func TestValuesRoundTrip(t *testing.T) {
	values := []string{"null", "~", "yes", "No", "on", "1.30", "0x1F", "a: b", "a #b", "/x/y", "user@host", "with space",
		" lead", "trail ", "ü-ß-日本", "-dash", "*star", "&amp", "!bang", "'q'", `"dq"`, "", "multi\nline", "tab\there",
		"\u0085nel", "[x]", "{y}", "%p", "@at", "`tick", "=", "<<"}
	for _, file := range []string{"commented.yaml", "json.json", "bom-crlf.yaml"} {
		for _, v := range values {
			t.Run(file+"/"+v, func(t *testing.T) {
				p := fixture(t, file)
				ed := editor(t, p)
				from := map[string]string{"commented.yaml": "dev", "json.json": "dev", "bom-crlf.yaml": "a"}[file]
				if v == "yes" && file == "commented.yaml" {
					return // a context of that name exists
				}
				if v == "" {
					if _, err := ed.Rename(t.Context(), from, v, ""); err == nil {
						t.Log("empty name accepted")
					}
					return
				}
				if _, err := ed.Rename(t.Context(), from, v, ""); err != nil {
					t.Fatal(err)
				}
				if _, err := ed.Use(t.Context(), v); err != nil {
					t.Fatal(err)
				}
				if _, err := ed.SetNamespace(t.Context(), v, ""); err != nil {
					t.Fatal(err)
				}
				cfg, err := ParseFile(p, readFile(t, p))
				if err != nil {
					t.Fatal(err)
				}
				if cfg.CurrentContext != v || cfg.Contexts[v] == nil || cfg.Contexts[v].Namespace != v {
					t.Errorf("value %q did not round-trip: current %q", v, cfg.CurrentContext)
				}
				if file == "json.json" && !json.Valid(readFile(t, p)) {
					t.Error("not valid JSON")
				}
			})
		}
	}
}

func TestAnchoredStanzaRefused(t *testing.T) {
	p := fixture(t, "anchors.yaml")
	before := readFile(t, p)
	// context "one" is an anchor that "three" aliases: adding a namespace
	// to it would change "three" too, so the edit is refused.
	_, err := editor(t, p).SetNamespace(t.Context(), "x", "")
	if !errors.Is(err, ErrUnsupportedLayout) {
		t.Fatalf("err = %v, want ErrUnsupportedLayout", err)
	}
	// The error names the entry the edit would have changed as well.
	var e *Error
	if !errors.As(err, &e) || e.Kind != "context" || e.Name != "three" {
		t.Errorf("err = %v, want it to name context \"three\"", err)
	}
	if !bytes.Equal(before, readFile(t, p)) {
		t.Error("file changed")
	}
}

// A YAML file written in flow style (not JSON: unquoted keys) is edited as
// YAML; only a file that is JSON must stay valid JSON.
func TestFlowYAMLFileEdited(t *testing.T) {
	const flowYAML = "{apiVersion: v1, kind: Config, clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}],\n contexts: [{name: a, context: {cluster: c}}, {name: b, context: {cluster: c}}]}\n"
	p := putFile(t, filepath.Join(t.TempDir(), "config"), flowYAML)
	ed := editor(t, p)
	if _, err := ed.Use(t.Context(), "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.SetNamespace(t.Context(), "n s", ""); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseFile(p, readFile(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "b" || cfg.Contexts["b"].Namespace != "n s" || len(cfg.Contexts) != 2 {
		t.Errorf("after use and ns: current %q, contexts %+v", cfg.CurrentContext, cfg.Contexts)
	}
}
