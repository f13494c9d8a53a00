// Command gen writes a realistic, deterministic kubeconfig for benchmarks
// (see package kubeconfiggen): N contexts with their clusters and users,
// embedded certificates and comments. The same seed gives the same bytes.
//
//	go run ./bench/gen -contexts 1000 -o /tmp/kubeconfig
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kcfg-dev/kcfg/bench/kubeconfiggen"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	opts := kubeconfiggen.Options{}
	fs.IntVar(&opts.Contexts, "contexts", 1000, "number of contexts (each with its own cluster and user)")
	fs.Uint64Var(&opts.Seed, "seed", 1, "seed: the same seed gives the same bytes")
	out := fs.String("o", "", "output file (default stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if opts.Contexts < 1 {
		return errors.New("-contexts must be at least 1")
	}
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := kubeconfiggen.Generate(bw, opts); err != nil {
		return err
	}
	return bw.Flush()
}
