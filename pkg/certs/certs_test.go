package certs_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kcfg-dev/kcfg/internal/testcert"
	"github.com/kcfg-dev/kcfg/pkg/certs"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

var (
	now      = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	longAgo  = now.AddDate(-2, 0, 0)
	farAhead = now.AddDate(5, 0, 0)
)

func TestParseCertificates(t *testing.T) {
	ca := testcert.NewCA(t, "ca-one", longAgo, farAhead)
	other := testcert.NewCA(t, "ca-two", longAgo, farAhead)
	key := testcert.NewKey(t, testcert.ECDSA256)
	tests := []struct {
		name    string
		data    []byte
		want    []string
		wantErr error
	}{
		{"one", ca.PEM, []string{"CN=ca-one"}, nil},
		{"bundle, key blocks skipped", slices.Concat(ca.PEM, key.PEM, other.PEM), []string{"CN=ca-one", "CN=ca-two"}, nil},
		{"no PEM", []byte("not a certificate"), nil, certs.ErrNoPEM},
		{"only a key", key.PEM, nil, certs.ErrNoCertificate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := certs.ParseCertificates(tt.data)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			var subjects []string
			for _, c := range got {
				subjects = append(subjects, c.Subject.String())
			}
			if !slices.Equal(subjects, tt.want) {
				t.Errorf("subjects = %v, want %v", subjects, tt.want)
			}
		})
	}
	t.Run("corrupt DER", func(t *testing.T) {
		bad := []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
		if _, err := certs.ParseCertificates(bad); err == nil {
			t.Fatal("a corrupt certificate parsed")
		}
	})
}

func TestParsePrivateKeyAndKeyInfo(t *testing.T) {
	tests := []struct {
		kt       testcert.KeyType
		wantType string
		wantBits int
	}{
		{testcert.ECDSA256, "ECDSA", 256},
		{testcert.ECDSA384, "ECDSA", 384},
		{testcert.RSA2048, "RSA", 2048},
		{testcert.Ed25519, "Ed25519", 256},
	}
	for _, tt := range tests {
		t.Run(tt.wantType+"-"+big.NewInt(int64(tt.wantBits)).String(), func(t *testing.T) {
			key := testcert.NewKey(t, tt.kt)
			signer, err := certs.ParsePrivateKey(key.PEM)
			if err != nil {
				t.Fatal(err)
			}
			if typ, bits := certs.KeyInfo(signer.Public()); typ != tt.wantType || bits != tt.wantBits {
				t.Errorf("KeyInfo = %s %d, want %s %d", typ, bits, tt.wantType, tt.wantBits)
			}
		})
	}
	t.Run("no PEM", func(t *testing.T) {
		if _, err := certs.ParsePrivateKey([]byte("key")); !errors.Is(err, certs.ErrNoPEM) {
			t.Errorf("err = %v, want ErrNoPEM", err)
		}
	})
	t.Run("a certificate is not a key", func(t *testing.T) {
		ca := testcert.NewCA(t, "ca", longAgo, farAhead)
		if _, err := certs.ParsePrivateKey(ca.PEM); !errors.Is(err, certs.ErrNoPrivateKey) {
			t.Errorf("err = %v, want ErrNoPrivateKey", err)
		}
	})
}

func TestKeyMatches(t *testing.T) {
	ca := testcert.NewCA(t, "ca", longAgo, farAhead)
	leaf := ca.Issue(t, testcert.Options{CommonName: "alice", NotBefore: longAgo, NotAfter: farAhead})
	if err := certs.KeyMatches(leaf.Cert, leaf.Key.Signer); err != nil {
		t.Errorf("own key: %v", err)
	}
	for _, kt := range []testcert.KeyType{testcert.ECDSA256, testcert.Ed25519} {
		other := testcert.NewKey(t, kt)
		if err := certs.KeyMatches(leaf.Cert, other.Signer); !errors.Is(err, certs.ErrKeyMismatch) {
			t.Errorf("other key %v: err = %v, want ErrKeyMismatch", kt, err)
		}
	}
}

func TestVerifyChain(t *testing.T) {
	ca := testcert.NewCA(t, "ca", longAgo, farAhead)
	other := testcert.NewCA(t, "other", longAgo, farAhead)
	inter := ca.Issue(t, testcert.Options{CommonName: "intermediate", NotBefore: longAgo, NotAfter: farAhead, IsCA: true})
	expiredCA := testcert.NewCA(t, "old-ca", longAgo, now.AddDate(0, -1, 0))
	tests := []struct {
		name  string
		chain []*testcert.Cert
		roots []*testcert.Cert
		ok    bool
	}{
		{"signed by the CA", []*testcert.Cert{ca.Issue(t, testcert.Options{CommonName: "a", NotBefore: longAgo, NotAfter: farAhead})}, []*testcert.Cert{ca}, true},
		{"signed by another CA", []*testcert.Cert{other.Issue(t, testcert.Options{CommonName: "a", NotBefore: longAgo, NotAfter: farAhead})}, []*testcert.Cert{ca}, false},
		{"one of several roots", []*testcert.Cert{other.Issue(t, testcert.Options{CommonName: "a", NotBefore: longAgo, NotAfter: farAhead})}, []*testcert.Cert{ca, other}, true},
		{"expired leaf is still signed", []*testcert.Cert{ca.Issue(t, testcert.Options{CommonName: "a", NotBefore: longAgo, NotAfter: now.AddDate(-1, 0, 0)})}, []*testcert.Cert{ca}, true},
		{"expired CA still signed it", []*testcert.Cert{expiredCA.Issue(t, testcert.Options{CommonName: "a", NotBefore: longAgo, NotAfter: farAhead})}, []*testcert.Cert{expiredCA}, true},
		{"through an intermediate", []*testcert.Cert{inter.Issue(t, testcert.Options{CommonName: "a", NotBefore: longAgo, NotAfter: farAhead}), inter}, []*testcert.Cert{ca}, true},
		{"intermediate missing", []*testcert.Cert{inter.Issue(t, testcert.Options{CommonName: "a", NotBefore: longAgo, NotAfter: farAhead})}, []*testcert.Cert{ca}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := certs.VerifyChain(x509s(tt.chain), x509s(tt.roots), now)
			if (err == nil) != tt.ok {
				t.Errorf("VerifyChain = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestDaysLeftAndSerial(t *testing.T) {
	if got := certs.DaysLeft(now.Add(30*certs.Day+time.Hour), now); got != 30 {
		t.Errorf("DaysLeft = %d, want 30", got)
	}
	if got := certs.DaysLeft(now.Add(-3*certs.Day-time.Hour), now); got != -3 {
		t.Errorf("DaysLeft = %d, want -3", got)
	}
	for n, want := range map[int64]string{0: "00", 1: "01", 0x149e2de3839f4f8e: "149E2DE3839F4F8E", 0xabc: "0ABC"} {
		if got := certs.Serial(big.NewInt(n)); got != want {
			t.Errorf("Serial(%d) = %s, want %s", n, got, want)
		}
	}
}

// world is a kubeconfig with two clusters and three users, written out
// where a field names a file.
func world(t *testing.T) (*clientcmdapi.Config, *testcert.Cert) {
	t.Helper()
	dir := t.TempDir()
	ca := testcert.NewCA(t, "ca", longAgo, farAhead)
	other := testcert.NewCA(t, "other", longAgo, farAhead)
	alice := ca.Issue(t, testcert.Options{CommonName: "alice", Organization: []string{"dev", "ops"},
		NotBefore: longAgo, NotAfter: now.Add(10 * certs.Day), DNSNames: []string{"alice.example"}, IPs: []net.IP{net.ParseIP("10.0.0.1")}})
	bob := other.Issue(t, testcert.Options{CommonName: "bob", NotBefore: longAgo, NotAfter: now.Add(-2 * certs.Day)})
	wrongKey := testcert.NewKey(t, testcert.ECDSA256)
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["one"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:1", CertificateAuthority: caFile, LocationOfOrigin: "k.yaml"}
	cfg.Clusters["two"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:2", CertificateAuthorityData: slices.Concat(ca.PEM, other.PEM), LocationOfOrigin: "k.yaml"}
	cfg.Clusters["broken"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:3", CertificateAuthority: filepath.Join(dir, "missing.crt"), LocationOfOrigin: "k.yaml"}
	cfg.AuthInfos["alice"] = &clientcmdapi.AuthInfo{ClientCertificateData: alice.PEM, ClientKeyData: alice.Key.PEM, LocationOfOrigin: "k.yaml"}
	cfg.AuthInfos["bob"] = &clientcmdapi.AuthInfo{ClientCertificateData: bob.PEM, ClientKeyData: wrongKey.PEM, LocationOfOrigin: "k.yaml"}
	cfg.AuthInfos["token"] = &clientcmdapi.AuthInfo{Token: "t", LocationOfOrigin: "k.yaml"}
	cfg.Contexts["alice@one"] = &clientcmdapi.Context{Cluster: "one", AuthInfo: "alice"}
	cfg.Contexts["bob@one"] = &clientcmdapi.Context{Cluster: "one", AuthInfo: "bob"}
	cfg.Contexts["bob@two"] = &clientcmdapi.Context{Cluster: "two", AuthInfo: "bob"}
	cfg.Contexts["token@broken"] = &clientcmdapi.Context{Cluster: "broken", AuthInfo: "token"}
	return cfg, ca
}

func TestInspect(t *testing.T) {
	cfg, _ := world(t)
	list, err := certs.Inspect(cfg, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for _, c := range list {
		entries = append(entries, c.Kind+"/"+c.Name+"/"+c.Role)
	}
	want := []string{"cluster/broken/ca", "cluster/one/ca", "cluster/two/ca", "cluster/two/ca", "user/alice/client", "user/bob/client"}
	if !slices.Equal(entries, want) {
		t.Fatalf("entries = %v, want %v", entries, want)
	}
	byName := func(kind, name string, index int) certs.Certificate {
		for _, c := range list {
			if c.Kind == kind && c.Name == name && c.Index == index {
				return c
			}
		}
		t.Fatalf("no %s %s[%d]", kind, name, index)
		return certs.Certificate{}
	}

	t.Run("unreadable CA file", func(t *testing.T) {
		c := byName("cluster", "broken", 0)
		if c.Error == "" || c.Subject != "" || c.Field != "cluster.certificate-authority" {
			t.Errorf("broken = %+v, want an error naming the field", c)
		}
	})
	t.Run("CA from a file", func(t *testing.T) {
		c := byName("cluster", "one", 0)
		if c.Subject != "CN=ca" || !c.SelfSigned || !c.IsCA || c.Path == "" || c.Field != "cluster.certificate-authority" {
			t.Errorf("one = %+v", c)
		}
		if !slices.Equal(c.Contexts, []string{"alice@one", "bob@one"}) {
			t.Errorf("contexts = %v", c.Contexts)
		}
		if c.Serial != "01" || !slices.Equal(c.SANs, []string{"DNS:ca"}) {
			t.Errorf("serial %s, SANs %v", c.Serial, c.SANs)
		}
	})
	t.Run("bundle", func(t *testing.T) {
		if c := byName("cluster", "two", 1); c.Subject != "CN=other" || c.Index != 1 {
			t.Errorf("two[1] = %+v", c)
		}
	})
	t.Run("valid client certificate", func(t *testing.T) {
		c := byName("user", "alice", 0)
		if c.Subject != "CN=alice,O=dev+O=ops" && c.Subject != "CN=alice,O=ops+O=dev" {
			t.Errorf("subject = %s", c.Subject)
		}
		if c.Issuer != "CN=ca" || c.SelfSigned || c.Expired || c.DaysLeft != 10 || c.KeyType != "ECDSA" || c.KeyBits != 256 {
			t.Errorf("alice = %+v", c)
		}
		if !slices.Equal(c.SANs, []string{"DNS:alice.example", "IP:10.0.0.1"}) || !slices.Equal(c.Groups, []string{"dev", "ops"}) {
			t.Errorf("SANs %v, groups %v", c.SANs, c.Groups)
		}
		if c.KeyMatch == nil || !*c.KeyMatch || c.KeyError != "" {
			t.Errorf("key match = %v (%s), want true", c.KeyMatch, c.KeyError)
		}
		if len(c.Chain) != 1 || !c.Chain[0].Verified || c.Chain[0].Cluster != "one" {
			t.Errorf("chain = %+v, want verified against cluster one", c.Chain)
		}
	})
	t.Run("expired, wrong key, other CA", func(t *testing.T) {
		c := byName("user", "bob", 0)
		if !c.Expired || c.DaysLeft != -2 {
			t.Errorf("expired %v, days left %d", c.Expired, c.DaysLeft)
		}
		if c.KeyMatch == nil || *c.KeyMatch || c.KeyError == "" {
			t.Errorf("key match = %v, want false with an error", c.KeyMatch)
		}
		if len(c.Chain) != 2 || c.Chain[0].Verified || c.Chain[0].Error == "" || !c.Chain[1].Verified {
			t.Errorf("chain = %+v, want not verified by one, verified by two (its bundle holds the other CA)", c.Chain)
		}
	})

	t.Run("names select contexts", func(t *testing.T) {
		list, err := certs.Inspect(cfg, []string{"alice@one"}, now)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range list {
			got = append(got, c.Kind+"/"+c.Name)
		}
		if !slices.Equal(got, []string{"cluster/one", "user/alice"}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("unknown name", func(t *testing.T) {
		if _, err := certs.Inspect(cfg, []string{"nope"}, now); !errors.Is(err, kubeconfig.ErrContextNotFound) {
			t.Errorf("err = %v, want ErrContextNotFound", err)
		}
	})
}

// TestInspectSeed checks the facts of the seed kubeconfig's real
// certificates.
func TestInspectSeed(t *testing.T) {
	cfg, err := kubeconfig.Load(kubeconfig.Source{ExplicitPath: "../../testdata/seed-kubeconfig.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	list, err := certs.Inspect(cfg.Merged, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("got %d certificates, want 2", len(list))
	}
	ca, client := list[0], list[1]
	if ca.Subject != "CN=kubernetes" || !ca.SelfSigned || ca.Expired ||
		!ca.NotAfter.Equal(time.Date(2032, 12, 4, 1, 40, 27, 0, time.UTC)) || !slices.Equal(ca.SANs, []string{"DNS:kubernetes"}) {
		t.Errorf("CA = %+v", ca)
	}
	if client.Subject != "CN=kubernetes-admin,O=system:masters" || client.Issuer != "CN=kubernetes" || !client.Expired ||
		!client.NotAfter.Equal(time.Date(2023, 12, 7, 1, 40, 30, 0, time.UTC)) || client.Serial != "149E2DE3839F4F8E" ||
		client.KeyType != "RSA" || client.KeyBits != 2048 {
		t.Errorf("client = %+v", client)
	}
	if client.KeyMatch == nil || !*client.KeyMatch {
		t.Errorf("key match = %v, want true", client.KeyMatch)
	}
	if len(client.Chain) != 1 || !client.Chain[0].Verified {
		t.Errorf("chain = %+v, want verified", client.Chain)
	}
}

func x509s(list []*testcert.Cert) []*x509.Certificate {
	out := make([]*x509.Certificate, len(list))
	for i, c := range list {
		out[i] = c.Cert
	}
	return out
}

func TestParsePrivateKeyEncrypted(t *testing.T) {
	key := testcert.NewKey(t, testcert.RSA2048)
	rsaKey, ok := key.Signer.(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("key is %T", key.Signer)
	}
	//lint:ignore SA1019 encrypted PEM is what some tools still write; the test needs one.
	legacy, err := x509.EncryptPEMBlock(rand.Reader, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey), []byte("pw"), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"PKCS #1 with Proc-Type": pem.EncodeToMemory(legacy),
		"PKCS #8":                pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0x00}}),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := certs.ParsePrivateKey(data); !errors.Is(err, certs.ErrEncryptedKey) {
				t.Errorf("err = %v, want ErrEncryptedKey", err)
			}
		})
	}
}

// A key that cannot be read or parsed is not a key that does not match:
// KeyMatch stays unknown and KeyError says why.
func TestInspectUnusableKey(t *testing.T) {
	ca := testcert.NewCA(t, "ca", longAgo, farAhead)
	alice := ca.Issue(t, testcert.Options{CommonName: "alice", NotBefore: longAgo, NotAfter: farAhead})
	cfg := clientcmdapi.NewConfig()
	cfg.AuthInfos["dir"] = &clientcmdapi.AuthInfo{ClientCertificateData: alice.PEM, ClientKey: t.TempDir()}
	cfg.AuthInfos["garbage"] = &clientcmdapi.AuthInfo{ClientCertificateData: alice.PEM, ClientKeyData: []byte("not a key")}
	list, err := certs.Inspect(cfg, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("list = %+v", list)
	}
	for _, c := range list {
		if c.KeyMatch != nil || c.KeyError == "" {
			t.Errorf("%s: key match = %v, key error %q; want unknown with an error", c.Name, c.KeyMatch, c.KeyError)
		}
	}
}
