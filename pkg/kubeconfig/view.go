package kubeconfig

import (
	"encoding/json"
	"fmt"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/tools/clientcmd/api/latest"
	"sigs.k8s.io/yaml"
)

// ViewOptions are the transformations of kubectl config view.
type ViewOptions struct {
	// Minify keeps only the current context (or Context, when set) and what it uses.
	Minify bool
	// Context overrides the current context for Minify.
	Context string
	// Flatten embeds the contents of referenced files.
	Flatten bool
	// Raw keeps secrets; without it they are redacted.
	Raw bool
}

// View returns a copy of the merged config transformed as kubectl config
// view does, with secrets redacted unless opts.Raw.
func (c *Config) View(opts ViewOptions) (*clientcmdapi.Config, error) {
	cfg := c.Unresolved.DeepCopy()
	if opts.Minify {
		if opts.Context != "" {
			cfg.CurrentContext = opts.Context
		}
		if cfg.CurrentContext == "" {
			_, err := c.CurrentContext()
			return nil, fmt.Errorf("minify needs a context: %w", err)
		}
		if _, ok := cfg.Contexts[cfg.CurrentContext]; !ok {
			detail := "no context is defined"
			if len(cfg.Contexts) > 0 {
				detail = "contexts: " + quoteList(sortedKeys(cfg.Contexts))
			}
			return nil, &Error{File: c.describeFiles(), Kind: "context", Name: cfg.CurrentContext, Err: ErrContextNotFound, Detail: detail}
		}
		if err := clientcmdapi.MinifyConfig(cfg); err != nil {
			return nil, fmt.Errorf("minify context %q: %w", cfg.CurrentContext, err)
		}
	}
	if opts.Flatten {
		if err := clientcmdapi.FlattenConfig(cfg); err != nil {
			return nil, fmt.Errorf("flatten: %w", err)
		}
	}
	if !opts.Raw {
		Redact(cfg)
	}
	return cfg, nil
}

// Encode serialises a config as kubectl does, in "yaml" or "json".
func Encode(cfg *clientcmdapi.Config, format string) ([]byte, error) {
	obj, err := latest.Scheme.ConvertToVersion(cfg, latest.ExternalVersion)
	if err != nil {
		return nil, fmt.Errorf("encoding config: %w", err)
	}
	data, err := json.MarshalIndent(obj, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("encoding config: %w", err)
	}
	switch format {
	case "json":
		return append(data, '\n'), nil
	case "yaml", "":
		return yaml.JSONToYAML(data)
	}
	return nil, fmt.Errorf("unknown output format %q (want yaml or json)", format)
}
