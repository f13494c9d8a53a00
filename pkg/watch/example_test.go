package watch_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"sync/atomic"
	"time"

	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
	"github.com/kcfg-dev/kcfg/pkg/watch"
)

// Follow the widgets of two clusters from a Go program: load the kubeconfig
// as kubectl does, name the contexts, register a handler, run until the
// context ends. Here the program stops after two events.
func Example() {
	cfg, err := kubeconfig.Load(kubeconfig.SourceFromEnv("", os.Getenv))
	if err != nil {
		log.Fatal(err)
	}
	targets, err := watch.Targets(cfg, []string{"dev", "prod"})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	w := watch.New(targets, watch.Options{Resource: "widgets"}) // in each context's namespace
	var seen atomic.Int32
	w.Handle("print", watch.HandlerFunc(func(ctx context.Context, ev watch.Event) error {
		fmt.Println(ev.Context, ev.Type, ev.Namespace+"/"+ev.Name)
		if seen.Add(1) == 2 {
			cancel()
		}
		return nil
	}), watch.QueueOptions{})
	if err := w.Run(ctx); err != nil {
		log.Fatal(err)
	}
	// Unordered output:
	// dev ADDED example/hello
	// prod ADDED example/hello
}
