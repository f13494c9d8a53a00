// Package testpki makes certificates and keys for tests with crypto/x509:
// a CA and client certificates signed by it, PEM-encoded.
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

// Pair is a certificate and its private key, parsed and PEM-encoded.
type Pair struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
	KeyPEM  []byte
}

// Spec describes a certificate to make.
type Spec struct {
	CommonName   string
	Organization []string
	NotBefore    time.Time
	NotAfter     time.Time
	DNSNames     []string
	IsCA         bool
}

// CA makes a self-signed CA valid from notBefore to notAfter.
func CA(t testing.TB, cn string, notBefore, notAfter time.Time) *Pair {
	t.Helper()
	return Make(t, Spec{CommonName: cn, NotBefore: notBefore, NotAfter: notAfter, IsCA: true}, nil)
}

// Make makes a certificate for spec signed by parent, or self-signed when
// parent is nil.
func Make(t testing.TB, spec Spec, parent *Pair) *Pair {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: spec.CommonName, Organization: spec.Organization},
		NotBefore:             spec.NotBefore,
		NotAfter:              spec.NotAfter,
		DNSNames:              spec.DNSNames,
		BasicConstraintsValid: true,
		IsCA:                  spec.IsCA,
	}
	if spec.IsCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	signerCert, signerKey := tmpl, crypto.Signer(key)
	if parent != nil {
		signerCert, signerKey = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return &Pair{
		Cert:    cert,
		Key:     key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
}
