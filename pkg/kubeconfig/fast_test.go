package kubeconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// shapes are small kubeconfigs written in the ways people and tools write
// them; accept says whether the scanner must take them (the others go to
// the full path). Every one of them is also a fixture of the equivalence
// tests and a seed of the fuzz test.
var shapes = []struct {
	name, doc string
	accept    bool
}{
	{"kubectl", `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: QUJD
    server: https://127.0.0.1:6443
  name: a
- cluster:
    insecure-skip-tls-verify: true
    server: https://127.0.0.1:7443
  name: b
contexts:
- context:
    cluster: a
    namespace: team-a
    user: a
  name: a
- context:
    cluster: b
    user: b
  name: b
current-context: a
kind: Config
preferences: {}
users:
- name: a
  user:
    client-certificate-data: QUJDRA==
    client-key-data: QUI=
- name: b
  user:
    token: abc.def-ghi_jkl
`, true},
	{"indented-lists-comments", `# hand-written
apiVersion: v1
kind: Config

clusters:
  # first
  - name: a   # the a cluster
    cluster:
      server: "https://127.0.0.1:6443"
      certificate-authority: ./ca.crt
  - name: 'b'
    cluster: {}
contexts:
  - name: a
    context:
      cluster: a
      user: u
  - name: "b"
    context:
      cluster: b
users:
  - name: u
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: /usr/bin/auth
        args:
          - --region
          - eu
        env:
          - name: PROFILE
            value: x
        provideClusterInfo: true
        interactiveMode: Never
current-context: "b" # quoted
`, true},
	{"no-current", `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster:
    server: https://x
contexts:
- name: a
  context:
    cluster: a
- name: b
  context:
    cluster: a
users: []
`, true},
	{"empty-current", `apiVersion: v1
clusters: []
contexts:
- context: {}
  name: a
current-context: ""
kind: Config
preferences: {}
users: []
`, true},
	{"single-quoted-current", `current-context: 'a'  # note
contexts:
- name: a
  context: {}
- name: b
  context: {}
`, true},
	{"auth-provider", `apiVersion: v1
kind: Config
contexts:
- name: a
  context:
    user: o
users:
- name: o
  user:
    auth-provider:
      name: oidc
      config:
        client-id: kubectl
        idp-issuer-url: https://issuer
    as-groups:
    - admins
current-context: a
`, true},
	{"no-newline-at-end", "contexts:\n- name: a\n  context: {}\n- name: b\n  context: {}\ncurrent-context: a", true},
	{"missing-reference", "contexts:\n- name: a\n  context:\n    cluster: nowhere\ncurrent-context: a\n", true},
	{"json", `{"apiVersion":"v1","kind":"Config","contexts":[{"name":"a","context":{}}],"current-context":"a"}`, false},
	{"flow-context", "contexts:\n- {name: a, context: {}}\ncurrent-context: a\n", false},
	{"anchor", "contexts:\n- name: a\n  context: &c\n    cluster: x\n- name: b\n  context: *c\ncurrent-context: a\n", false},
	{"duplicate-key", "current-context: a\ncontexts:\n- name: a\n  context: {}\ncurrent-context: b\n", false},
	{"duplicate-name", "contexts:\n- name: a\n  context: {}\n- name: a\n  context:\n    namespace: x\ncurrent-context: a\n", false},
	{"bom", "\xef\xbb\xbfcontexts:\n- name: a\n  context: {}\ncurrent-context: a\n", false},
	{"crlf", "contexts:\r\n- name: a\r\n  context: {}\r\ncurrent-context: a\r\n", false},
	{"tab", "contexts:\n- name: a\n  context:\t{}\ncurrent-context: a\n", false},
	{"extensions", "contexts:\n- name: a\n  context:\n    extensions:\n    - name: x\n      extension: {}\ncurrent-context: a\n", false},
	{"bool-name", "contexts:\n- name: yes\n  context: {}\ncurrent-context: yes\n", false},
	{"number-namespace", "contexts:\n- name: a\n  context:\n    namespace: 123\ncurrent-context: a\n", false},
	{"multi-line-plain", "contexts:\n- name: a\n  context:\n    namespace: two\n      words\ncurrent-context: a\n", false},
	{"block-scalar", "contexts:\n- name: a\n  context:\n    namespace: |\n      x\ncurrent-context: a\n", false},
	{"null-value", "contexts:\n- name: a\n  context:\n    namespace:\ncurrent-context: a\n", false},
	{"bad-base64", "clusters:\n- name: a\n  cluster:\n    certificate-authority-data: QUJ\ncontexts:\n- name: a\n  context: {}\ncurrent-context: a\n", false},
	{"wrong-kind", "kind: Pod\ncontexts:\n- name: a\n  context: {}\ncurrent-context: a\n", false},
	{"wrong-version", "apiVersion: v2\ncontexts:\n- name: a\n  context: {}\ncurrent-context: a\n", false},
	{"document-marker", "---\ncontexts:\n- name: a\n  context: {}\ncurrent-context: a\n", false},
	{"escaped-quote", "contexts:\n- name: \"a\\\"b\"\n  context: {}\ncurrent-context: a\n", false},
	{"non-ascii-comment", "# caf\xc3\xa9\ncontexts:\n- name: a\n  context: {}\ncurrent-context: a\n", false},
	{"unknown-field", "contexts:\n- name: a\n  context:\n    clusterr: x\ncurrent-context: a\n", false},
	{"bad-indent", "contexts:\n- name: a\n   context: {}\ncurrent-context: a\n", false},
	{"empty", "", false},
	{"comments-only", "# nothing\n", false},
}

// fixtureFiles lists every kubeconfig of the repository's test data.
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"../../testdata", "testdata/edit", "../../examples/multi"} {
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "golden" {
				return filepath.SkipDir
			}
			if ext := filepath.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".json") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) < 10 {
		t.Fatalf("only %d fixtures found", len(files))
	}
	return files
}

type fastCase struct {
	name string
	data []byte
}

func fastCases(t testing.TB) []fastCase {
	var cases []fastCase
	for _, p := range fixtureFiles(t) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, fastCase{p, data})
	}
	for _, s := range shapes {
		cases = append(cases, fastCase{"shape/" + s.name, []byte(s.doc)})
	}
	cases = append(cases, fastCase{"generated", generated(t, 6)})
	return cases
}

func TestScannerShapes(t *testing.T) {
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			if _, ok := scanKubeconfig([]byte(s.doc)); ok != s.accept {
				t.Errorf("scanner accepts = %v, want %v", ok, s.accept)
			}
		})
	}
	t.Run("generated", func(t *testing.T) {
		data := generated(t, 50)
		sc, ok := scanKubeconfig(data)
		if !ok {
			t.Fatal("the generator's file is not accepted")
		}
		if len(sc.contexts) != 50 || len(sc.clusters) != 50 || len(sc.users) != 50 || sc.current == nil {
			t.Errorf("scanned %d contexts, %d clusters, %d users, current %v", len(sc.contexts), len(sc.clusters), len(sc.users), sc.current)
		}
	})
}

// checkScanAgainstFull fails when the scanner accepts data and clientcmd
// (the full path) reads it differently, or when the fast current-context
// edit differs from the full path's edit.
func checkScanAgainstFull(t *testing.T, data []byte) bool {
	t.Helper()
	sc, ok := scanKubeconfig(data)
	if !ok {
		return false
	}
	cfg, err := ParseFile("f", data)
	if err != nil {
		t.Fatalf("scanner accepts a file clientcmd refuses: %v", err)
	}
	cur := ""
	if sc.current != nil {
		cur = sc.text(sc.current)
	}
	if cur != cfg.CurrentContext {
		t.Errorf("current-context: scanner %q, clientcmd %q", cur, cfg.CurrentContext)
	}
	if got, want := sortedCopy(sc.contexts), sortedKeys(cfg.Contexts); !slices.Equal(got, want) {
		t.Errorf("contexts: scanner %q, clientcmd %q", got, want)
	}
	for i, n := range sc.contexts {
		if c := cfg.Contexts[n]; c == nil || c.Cluster != sc.refs[i][0] || c.AuthInfo != sc.refs[i][1] {
			t.Errorf("context %q: scanner refs %q, clientcmd %+v", n, sc.refs[i], c)
		}
	}
	if got, want := sortedCopy(sc.clusters), sortedKeys(cfg.Clusters); !slices.Equal(got, want) {
		t.Errorf("clusters: scanner %q, clientcmd %q", got, want)
	}
	if got, want := sortedCopy(sc.users), sortedKeys(cfg.AuthInfos); !slices.Equal(got, want) {
		t.Errorf("users: scanner %q, clientcmd %q", got, want)
	}
	targets := append([]string{}, sc.contexts...)
	if len(targets) > 3 {
		targets = targets[:3]
	}
	for _, name := range targets {
		d, err := newDocument("f", data, true)
		if err != nil {
			t.Fatalf("scanner accepts a file the editor refuses: %v", err)
		}
		if err := d.setCurrentContext(name); err != nil {
			t.Fatalf("full edit: %v", err)
		}
		want, err := d.finish()
		if err != nil {
			t.Fatalf("full edit: %v", err)
		}
		got, ok := setCurrentContextText(sc, name)
		if !ok {
			t.Errorf("fast edit to %q refused", name)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("use %q: fast edit\n%s\nfull edit\n%s", name, got, want)
		}
	}
	return true
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func TestScannerAgreesWithClientcmd(t *testing.T) {
	accepted := 0
	for _, c := range fastCases(t) {
		t.Run(c.name, func(t *testing.T) {
			if checkScanAgainstFull(t, c.data) {
				accepted++
			}
		})
	}
	if accepted < 8 {
		t.Errorf("the scanner accepts only %d fixtures: the fast path is not exercised", accepted)
	}
}

// FuzzScanner checks that whatever the scanner accepts, clientcmd reads the
// same way, and that the fast current-context edit is byte for byte the
// full path's. Its seed corpus (every fixture) runs with go test.
func FuzzScanner(f *testing.F) {
	for _, c := range fastCases(f) {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScanAgainstFull(t, data)
	})
}

// editorRun is the outcome of one Use, with the folder's path replaced by DIR.
type editorRun struct {
	Err     string
	Result  *Result
	File    []byte
	Memory  string
	Journal []string
}

func runUse(t *testing.T, data []byte, name, prev string, full bool) editorRun {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	st := &State{Dir: filepath.Join(dir, "state")}
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	e := &Editor{Source: Source{ExplicitPath: path}, State: st, Command: "kcfg use " + name, Now: now, noFastPath: full}
	if prev != "" {
		if err := st.updateMemory(t.Context(), func(m *memory) { m.PreviousContext[e.memoryKey()] = prev }); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.Use(t.Context(), name)
	var r editorRun
	norm := func(s string) string { return strings.ReplaceAll(s, dir, "DIR") }
	if err != nil {
		r.Err = norm(err.Error())
	}
	if res != nil {
		for i := range res.Changes {
			res.Changes[i].Path = norm(res.Changes[i].Path)
		}
		for i := range res.Actions {
			res.Actions[i].File = norm(res.Actions[i].File)
		}
		for i := range res.Warnings {
			res.Warnings[i] = norm(res.Warnings[i])
		}
	}
	r.Result = res
	r.File, _ = os.ReadFile(path)
	mem, _ := os.ReadFile(st.memoryPath())
	r.Memory = norm(string(mem))
	for _, en := range st.entries() {
		en.dir = ""
		meta, _ := json.Marshal(en)
		r.Journal = append(r.Journal, norm(string(meta)))
		for _, f := range en.Files {
			b, _ := os.ReadFile(filepath.Join(st.journalDir(), filepath.Base(en.dir), f.Backup))
			r.Journal = append(r.Journal, string(b))
		}
	}
	if _, err := os.Stat(path + ".lock"); err == nil {
		t.Error("lock left behind")
	}
	return r
}

// TestUseFastMatchesFull runs kcfg use through the fast and the full path
// on every fixture, for each of its contexts, an unknown name and "-", and
// compares everything: result, error, file bytes, backups, memory.
func TestUseFastMatchesFull(t *testing.T) {
	handled := 0
	for _, c := range fastCases(t) {
		cfg, err := ParseFile("f", c.data)
		var names []string
		if err == nil {
			names = sortedKeys(cfg.Contexts)
		}
		if len(names) > 3 {
			names = names[:3]
		}
		names = append(names, "no-such-context", Previous)
		for _, name := range names {
			prev := ""
			if name == Previous && len(names) > 2 {
				prev = names[len(names)-3]
			}
			t.Run(fmt.Sprintf("%s/%s", c.name, name), func(t *testing.T) {
				fast := runUse(t, c.data, name, prev, false)
				full := runUse(t, c.data, name, prev, true)
				if !reflect.DeepEqual(fast, full) {
					t.Errorf("fast path:\n%+v\nfull path:\n%+v", fast, full)
				}
				if fast.Err == "" && len(fast.Result.Changes) > 0 {
					if _, ok := scanKubeconfig(c.data); ok {
						handled++
					}
				}
			})
		}
	}
	if handled < 10 {
		t.Errorf("the fast path wrote only %d times: it is not exercised", handled)
	}
}

// TestUseFastHandles checks that the fast path really takes the files it
// should, and that what it writes can be undone.
func TestUseFastHandles(t *testing.T) {
	data := generated(t, 20)
	sc, _ := scanKubeconfig(data)
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, data, 0o640); err != nil {
		t.Fatal(err)
	}
	e := &Editor{Source: Source{ExplicitPath: path}, State: &State{Dir: filepath.Join(dir, "state")}, Command: "kcfg use"}
	target := sc.contexts[3]
	res, handled, err := e.useFast(t.Context(), target)
	if !handled || err != nil {
		t.Fatalf("useFast: handled %v, %v", handled, err)
	}
	if len(res.Changes) != 1 || res.Actions[0].To != target {
		t.Fatalf("result %+v", res)
	}
	after, _ := os.ReadFile(path)
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode().Perm())
	}
	if name, err := CurrentContextName(Source{ExplicitPath: path}); err != nil || name != target {
		t.Errorf("current context %q, %v; want %q", name, err, target)
	}
	// Only the current-context line changed.
	if a, b := strings.Split(string(data), "\n"), strings.Split(string(after), "\n"); len(a) != len(b) {
		t.Errorf("line count %d, want %d", len(b), len(a))
	} else {
		diff := 0
		for i := range a {
			if a[i] != b[i] {
				diff++
				if !strings.HasPrefix(b[i], "current-context: ") {
					t.Errorf("line %d changed: %q", i+1, b[i])
				}
			}
		}
		if diff != 1 {
			t.Errorf("%d lines changed, want 1", diff)
		}
	}
	// kcfg use - goes back; undo then restores the file as it was.
	if _, handled, err := e.useFast(t.Context(), Previous); !handled || err != nil {
		t.Fatalf("use -: handled %v, %v", handled, err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Error("use - did not restore the file")
	}
	if _, err := e.Undo(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, after) {
		t.Error("undo did not restore the file as it was before use -")
	}
	// Not taken: dry runs, several files, files out of shape.
	dry := *e
	dry.DryRun = true
	if _, handled, _ := dry.useFast(t.Context(), target); handled {
		t.Error("dry run taken by the fast path")
	}
	two := *e
	two.Source = Source{EnvPath: path + string(os.PathListSeparator) + path + ".other"}
	if _, handled, _ := two.useFast(t.Context(), target); handled {
		t.Error("several files taken by the fast path")
	}
	json := filepath.Join(dir, "config.json")
	if err := os.WriteFile(json, []byte(shapes[8].doc), 0o600); err != nil {
		t.Fatal(err)
	}
	js := *e
	js.Source = Source{ExplicitPath: json}
	if _, handled, _ := js.useFast(t.Context(), "a"); handled {
		t.Error("JSON taken by the fast path")
	}
}

// TestReadFastMatchesFull compares CurrentContextName and ContextNames
// with Load + Validate on every fixture alone and on pairs of fixtures.
func TestReadFastMatchesFull(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, c := range fastCases(t) {
		p := filepath.Join(dir, fmt.Sprintf("%02d-%s", i, filepath.Base(c.name)))
		if err := os.WriteFile(p, c.data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	var sources []Source
	for i, p := range paths {
		sources = append(sources, Source{ExplicitPath: p})
		sources = append(sources, Source{EnvPath: p + ":" + paths[(i+7)%len(paths)] + ":" + filepath.Join(dir, "missing")})
	}
	sources = append(sources, Source{ExplicitPath: filepath.Join(dir, "missing")}, Source{Home: dir})
	fastOK := 0
	for _, src := range sources {
		t.Run(strings.ReplaceAll(src.ExplicitPath+src.EnvPath, dir, ""), func(t *testing.T) {
			str := func(v any, err error) string {
				if err != nil {
					return "error: " + err.Error()
				}
				return fmt.Sprint(v)
			}
			if got, want := str(CurrentContextName(src)), str(currentContextFull(src)); got != want {
				t.Errorf("current: fast %q, full %q", got, want)
			}
			if got, want := str(ContextNames(src)), str(contextNamesFull(src)); got != want {
				t.Errorf("names: fast %q, full %q", got, want)
			}
			if _, ok := quickLoad(src); ok {
				fastOK++
			}
		})
	}
	if fastOK < 10 {
		t.Errorf("the fast read path took only %d sources", fastOK)
	}
}

func TestUseFastConcurrentWithLock(t *testing.T) {
	data := generated(t, 5)
	sc, _ := scanKubeconfig(data)
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// A lock held by someone else (as kubectl leaves it while writing) is waited for.
	if err := os.WriteFile(path+".lock", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	e := &Editor{Source: Source{ExplicitPath: path}, Lock: LockOptions{Timeout: 100 * time.Millisecond}}
	_, err := e.Use(context.Background(), sc.contexts[1])
	if err == nil {
		t.Fatal("use wrote while the file was locked")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Error("file changed although locked")
	}
}
