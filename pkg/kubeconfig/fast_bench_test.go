package kubeconfig

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kcfg-dev/kcfg/bench/kubeconfiggen"
)

var (
	genOnce sync.Map // kubeconfiggen.Options -> *genResult
)

type genResult struct {
	once sync.Once
	data []byte
	err  error
}

// generated returns a kubeconfig of n contexts from bench's generator.
// Benchmarks get 2048-bit keys as real files have; tests, small ones.
func generated(b testing.TB, n int) []byte {
	b.Helper()
	opts := kubeconfiggen.Options{Contexts: n, Seed: 1}
	if _, bench := b.(*testing.B); !bench {
		opts.Keys, opts.KeyBits = 2, 1024
	}
	v, _ := genOnce.LoadOrStore(opts, &genResult{})
	g := v.(*genResult)
	g.once.Do(func() {
		var buf bytes.Buffer
		g.err = kubeconfiggen.Generate(&buf, opts)
		g.data = buf.Bytes()
	})
	if g.err != nil {
		b.Fatal(g.err)
	}
	return g.data
}

func BenchmarkScan(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			data := generated(b, n)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, ok := scanKubeconfig(data); !ok {
					b.Fatal("generated file not accepted by the scanner")
				}
			}
		})
	}
}

func BenchmarkParseFull(b *testing.B) {
	data := generated(b, 1000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := newDocument("k", data, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUse switches between two contexts of a generated file, with
// the fast path and with the full path.
func BenchmarkUse(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		for _, full := range []bool{false, true} {
			if full && n > 1000 {
				continue
			}
			mode := "fast"
			if full {
				mode = "full"
			}
			b.Run(fmt.Sprintf("%d/%s", n, mode), func(b *testing.B) {
				data := generated(b, n)
				sc, _ := scanKubeconfig(data)
				names := []string{sc.contexts[n/2], sc.contexts[n/3]}
				dir := b.TempDir()
				path := filepath.Join(dir, "config")
				if err := os.WriteFile(path, data, 0o600); err != nil {
					b.Fatal(err)
				}
				e := &Editor{Source: Source{ExplicitPath: path}, State: &State{Dir: filepath.Join(dir, "state")}, noFastPath: full}
				i := 0
				for b.Loop() {
					if _, err := e.Use(context.Background(), names[i%2]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}
