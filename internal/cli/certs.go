package cli

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kcfg-dev/kcfg/pkg/certs"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// CertsOptions are the options of kcfg certs.
type CertsOptions struct {
	Names  []string
	Output string
}

// NewCmdCerts builds kcfg certs.
func NewCmdCerts(f *Factory, run func(*CertsOptions) error) *cobra.Command {
	opts := &CertsOptions{}
	cmd := &cobra.Command{
		Use:   "certs [NAME...]",
		Short: "Show every certificate: subject, issuer, SANs, validity, days left, key, key match, chain",
		Long: `Show the CA certificates of clusters and the client certificates of users, offline:
subject, issuer, subject alternative names, serial, validity and days left, key type and
size, whether the user's private key matches its certificate, and whether the certificate
verifies against the CA of each context's cluster. NAMEs are contexts: only the clusters
and users they use are shown (default: every cluster and user, or --context).`,
		Example: `  kcfg certs
  kcfg certs prod -o wide
  kcfg certs -o json | jq '.[] | select(.daysLeft < 30)'`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(opts.Output, "table", "wide", "json", "yaml"); err != nil {
				return err
			}
			opts.Names = args
			if len(args) == 0 && f.Context != "" {
				opts.Names = []string{f.Context}
			}
			if run != nil {
				return run(opts)
			}
			return runCerts(f, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "table", "output format: table, wide, json or yaml")
	return cmd
}

func runCerts(f *Factory, opts *CertsOptions) error {
	cfg, err := kubeconfig.Load(f.Source())
	if err != nil {
		return err
	}
	list, err := certs.Inspect(cfg.Merged, opts.Names, f.Now())
	if err != nil {
		return err
	}
	if list == nil {
		list = []certs.Certificate{}
	}
	out := f.IO.Out
	switch opts.Output {
	case "json", "yaml":
		return printData(out, opts.Output, list)
	}
	if len(list) == 0 {
		_, err := fmt.Fprintln(out, "no certificates")
		return err
	}
	wide := opts.Output == "wide"
	tw := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
	header := "ENTRY\tROLE\tSUBJECT\tISSUER\tVALID UNTIL\tDAYS LEFT\tKEY\tKEY MATCH\tCHAIN"
	if wide {
		header += "\tSANS\tSERIAL\tVALID FROM\tSOURCE\tFILE"
	}
	fmt.Fprintln(tw, header)
	for _, c := range list {
		entry := c.Kind + "/" + c.Name
		if c.Index > 0 {
			entry += fmt.Sprintf("[%d]", c.Index)
		}
		cols := []string{entry, c.Role}
		if c.Error != "" {
			cols = append(cols, cell(f.IO.Color, colorRed, "error: "+c.Error), "-", "-", cell(f.IO.Color, "", "-"),
				"-", cell(f.IO.Color, "", "-"), cell(f.IO.Color, "", "-"))
		} else {
			cols = append(cols, cell(f.IO.Color, "", c.Subject), issuer(c), c.NotAfter.Format(timeUTC), daysLeft(c, f.IO.Color),
				fmt.Sprintf("%s %d", c.KeyType, c.KeyBits), keyMatch(c, f.IO.Color), chain(c, f.IO.Color))
		}
		if wide {
			source := c.Field
			if c.Path != "" {
				source += " " + c.Path
			}
			from, sans := "", ""
			if c.Error == "" {
				from, sans = c.NotBefore.Format(timeUTC), strings.Join(c.SANs, ",")
			}
			cols = append(cols, dash(sans), dash(c.Serial), dash(from), source, c.File)
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	return tw.Flush()
}

const timeUTC = "2006-01-02 15:04:05 UTC"

func issuer(c certs.Certificate) string {
	if c.SelfSigned {
		return "(self-signed)"
	}
	return c.Issuer
}

// cell colours a table cell; with colour on, uncoloured cells of the same
// column get a same-length default-colour sequence so that tabwriter, which
// counts the escape bytes, still aligns the column.
func cell(color bool, code, s string) string {
	if code == "" {
		code = colorDefault
	}
	return colorize(color, code, s)
}

const colorDefault = "39"

func daysLeft(c certs.Certificate, color bool) string {
	s := strconv.Itoa(c.DaysLeft)
	switch {
	case c.Expired:
		return cell(color, colorRed, s+" (expired)")
	case c.NotYetValid:
		return cell(color, colorYellow, s+" (not yet valid)")
	case c.DaysLeft < 30:
		return cell(color, colorYellow, s)
	}
	return cell(color, "", s)
}

func keyMatch(c certs.Certificate, color bool) string {
	switch {
	case c.KeyMatch == nil && c.KeyError != "":
		return cell(color, colorRed, "error")
	case c.KeyMatch == nil:
		return cell(color, "", "-")
	case *c.KeyMatch:
		return cell(color, colorGreen, "yes")
	}
	return cell(color, colorRed, "NO")
}

// chain says whether the certificate verifies against the CA of each
// context's cluster; red when any does not.
func chain(c certs.Certificate, color bool) string {
	if c.Role == certs.RoleCA || len(c.Chain) == 0 {
		return cell(color, "", "-")
	}
	parts := make([]string, 0, len(c.Chain))
	code := colorGreen
	for _, ch := range c.Chain {
		if ch.Verified {
			parts = append(parts, "verified by cluster/"+ch.Cluster)
		} else {
			parts = append(parts, "NOT verified by cluster/"+ch.Cluster)
			code = colorRed
		}
	}
	return cell(color, code, strings.Join(parts, ", "))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
