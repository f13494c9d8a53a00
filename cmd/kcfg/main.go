// Command kcfg manages kubeconfig files for many clusters, checks them,
// connects to every context and watches resources across clusters.
package main

import (
	"os"

	"github.com/kcfg-dev/kcfg/internal/cli"
)

func main() {
	os.Exit(cli.Main())
}
