package kubeconfiggen

import (
	"bytes"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

func TestGenerate(t *testing.T) {
	gen := func(seed uint64) []byte {
		var b bytes.Buffer
		if err := Generate(&b, Options{Contexts: 40, Seed: seed, Keys: 2, KeyBits: 1024}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a, b, c := gen(1), gen(1), gen(2)
	if !bytes.Equal(a, b) {
		t.Error("the same seed gave different files")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds gave the same file")
	}
	cfg, err := clientcmd.Load(a)
	if err != nil {
		t.Fatalf("clientcmd cannot load the file: %v", err)
	}
	if len(cfg.Contexts) != 40 || len(cfg.Clusters) != 40 || len(cfg.AuthInfos) != 40 {
		t.Errorf("%d contexts, %d clusters, %d users; want 40 each", len(cfg.Contexts), len(cfg.Clusters), len(cfg.AuthInfos))
	}
	if _, ok := cfg.Contexts[cfg.CurrentContext]; !ok {
		t.Errorf("current-context %q is not a context", cfg.CurrentContext)
	}
	for name, ctx := range cfg.Contexts {
		if cfg.Clusters[ctx.Cluster] == nil || cfg.AuthInfos[ctx.AuthInfo] == nil {
			t.Errorf("context %q refers to a missing cluster or user", name)
		}
	}
	kinds := map[string]int{}
	for _, u := range cfg.AuthInfos {
		switch {
		case len(u.ClientCertificateData) > 0 && len(u.ClientKeyData) > 0:
			kinds["cert"]++
		case u.Token != "":
			kinds["token"]++
		case u.Exec != nil:
			kinds["exec"]++
		}
	}
	if kinds["cert"] == 0 || kinds["token"] == 0 || kinds["exec"] == 0 || kinds["cert"]+kinds["token"]+kinds["exec"] != 40 {
		t.Errorf("users by authentication: %v", kinds)
	}
	if !bytes.Contains(a, []byte("\n# ")) {
		t.Error("no comment lines")
	}
}
