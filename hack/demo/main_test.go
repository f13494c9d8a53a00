package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcfg-dev/kcfg/internal/testcluster"
)

// syncBuffer is a buffer that kcfg runs and the demo write to, and that
// can call a function when some text appears.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	when   string
	action func()
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p)
	if s.action != nil && strings.Contains(s.b.String(), s.when) {
		s.action()
		s.action = nil
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func buildKcfg(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kcfg")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/kcfg")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building kcfg: %v\n%s", err, out)
	}
	return bin
}

var (
	homeLine    = regexp.MustCompile(`# HOME=(\S+)/home `)
	clusterLine = regexp.MustCompile(`# cluster (?:one|two): https://(\S+)`)
)

// assertStopped checks that the demo's temporary folder is gone and that
// nothing listens any more where its API servers did.
func assertStopped(t *testing.T, out string) {
	t.Helper()
	m := homeLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no HOME line in:\n%s", out)
	}
	if _, err := os.Stat(m[1]); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the temporary folder %s is still there (%v)", m[1], err)
	}
	servers := clusterLine.FindAllStringSubmatch(out, -1)
	if len(servers) == 0 {
		t.Fatalf("no cluster lines in:\n%s", out)
	}
	for _, s := range servers {
		if c, err := net.DialTimeout("tcp", s[1], time.Second); err == nil {
			c.Close()
			t.Errorf("an API server still listens on %s", s[1])
		}
	}
}

func TestDemo(t *testing.T) {
	root := testcluster.RepoRoot(t)
	assets := testcluster.BinDir(t)
	kcfg := buildKcfg(t, root)
	out := &syncBuffer{}
	code, err := runDemo(t.Context(), options{kcfg: kcfg, assets: assets, dir: root, out: out})
	if err != nil || code != 0 {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	text := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\$ kcfg list\n`),
		regexp.MustCompile(`(?m)^\$ kcfg check --all --timeout 3s\nCONTEXT +STATUS`),
		regexp.MustCompile(`(?m)^gone +unreachable +https://127\.0\.0\.1:\d+ .*connection-refused`),
		regexp.MustCompile(`(?m)^one-admin +ok +https://127\.0\.0\.1:\d+ +alice +v1\.37\.2`),
		regexp.MustCompile(`(?m)^one-viewer +ok +https://127\.0\.0\.1:\d+ +bob +v1\.37\.2`),
		regexp.MustCompile(`(?m)^two-admin +ok +https://127\.0\.0\.1:\d+ +carol +v1\.37\.2`),
		regexp.MustCompile(`(?m)^\$ kcfg list --kubeconfig testdata/seed-kubeconfig.yaml\n`),
		regexp.MustCompile(`(?m)^\$ kcfg view --minify --context prod-ci\n`),
		regexp.MustCompile(`(?m)^# stopping the API servers$`),
	} {
		if !want.MatchString(text) {
			t.Errorf("output lacks %s", want)
		}
	}
	// Commands not in this build are skipped with a note, never an error.
	for _, c := range []string{"lint", "use", "ns", "watch"} {
		if !strings.Contains(text, "$ kcfg "+c) {
			t.Errorf("no step for kcfg %s", c)
		}
	}
	if strings.Contains(text, "check --kubeconfig") || regexp.MustCompile(`(?m)^\$ kcfg check.*multi`).MatchString(text) {
		t.Error("the demo checks a kubeconfig whose servers must not be contacted")
	}
	assertStopped(t, text)
}

// TestDemoInterrupted: interrupted in the middle, the demo stops its API
// servers and removes its files.
func TestDemoInterrupted(t *testing.T) {
	root := testcluster.RepoRoot(t)
	assets := testcluster.BinDir(t)
	kcfg := buildKcfg(t, root)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &syncBuffer{when: "$ kcfg check --all", action: cancel}
	start := time.Now()
	runDemo(ctx, options{kcfg: kcfg, assets: assets, dir: root, out: out})
	text := out.String()
	if strings.Contains(text, "$ kcfg list --kubeconfig") {
		t.Errorf("the demo carried on after the interrupt:\n%s", text)
	}
	if elapsed := time.Since(start); elapsed > time.Minute {
		t.Errorf("stopping took %v", elapsed)
	}
	assertStopped(t, text)
}
