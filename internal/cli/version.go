package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is kcfg's release.
const Version = "v0.1.0"

// NewCmdVersion builds kcfg version.
func NewCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print kcfg's version and the client-go it was built with",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			clientGo := "unknown"
			if info, ok := debug.ReadBuildInfo(); ok {
				for _, d := range info.Deps {
					if d.Path == "k8s.io/client-go" {
						clientGo = d.Version
					}
				}
			}
			_, err := fmt.Fprintf(f.IO.Out, "kcfg %s (client-go %s, %s, %s/%s)\n", Version, clientGo,
				runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
