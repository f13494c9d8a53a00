// Package testcert makes certificate authorities, client certificates and
// keys for tests with crypto/x509, so that no test depends on real ones.
package testcert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"
)

// KeyType selects the algorithm of a generated key.
type KeyType int

// Key types. ECDSA P-256 is the default: it is quick to generate.
const (
	ECDSA256 KeyType = iota
	ECDSA384
	RSA2048
	Ed25519
)

// Key is a private key with its PEM encoding.
type Key struct {
	Signer crypto.Signer
	PEM    []byte
}

// NewKey generates a key of type kt. ECDSA keys are written as SEC 1
// ("EC PRIVATE KEY"), RSA keys as PKCS #1, Ed25519 keys as PKCS #8.
func NewKey(t testing.TB, kt KeyType) *Key {
	t.Helper()
	var (
		signer crypto.Signer
		block  *pem.Block
		err    error
	)
	switch kt {
	case ECDSA256, ECDSA384:
		curve := elliptic.P256()
		if kt == ECDSA384 {
			curve = elliptic.P384()
		}
		var k *ecdsa.PrivateKey
		if k, err = ecdsa.GenerateKey(curve, rand.Reader); err == nil {
			var der []byte
			der, err = x509.MarshalECPrivateKey(k)
			signer, block = k, &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
		}
	case RSA2048:
		var k *rsa.PrivateKey
		if k, err = rsa.GenerateKey(rand.Reader, 2048); err == nil {
			signer, block = k, &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
		}
	case Ed25519:
		var k ed25519.PrivateKey
		if _, k, err = ed25519.GenerateKey(rand.Reader); err == nil {
			var der []byte
			der, err = x509.MarshalPKCS8PrivateKey(k)
			signer, block = k, &pem.Block{Type: "PRIVATE KEY", Bytes: der}
		}
	}
	if err != nil {
		t.Fatalf("generating key: %v", err)
	}
	return &Key{Signer: signer, PEM: pem.EncodeToMemory(block)}
}

// Options describe a certificate to issue.
type Options struct {
	CommonName   string
	Organization []string
	NotBefore    time.Time
	NotAfter     time.Time
	DNSNames     []string
	IPs          []net.IP
	// IsCA makes an (intermediate) CA certificate.
	IsCA bool
	// Server makes a server certificate (extended key usage server auth).
	Server bool
	// Key is the subject's key; a new ECDSA P-256 key when nil.
	Key *Key
	// Serial is the serial number; 2 when nil.
	Serial *big.Int
}

// Cert is an issued certificate with its PEM and its subject's key.
type Cert struct {
	Cert *x509.Certificate
	PEM  []byte
	Key  *Key
}

// NewCA makes a self-signed CA certificate valid from notBefore to notAfter.
func NewCA(t testing.TB, cn string, notBefore, notAfter time.Time) *Cert {
	t.Helper()
	key := NewKey(t, ECDSA256)
	return issue(t, Options{CommonName: cn, NotBefore: notBefore, NotAfter: notAfter, IsCA: true, Key: key,
		DNSNames: []string{cn}, Serial: big.NewInt(1)}, nil, key)
}

// Issue makes a certificate signed by ca. Unless IsCA is set it is a
// client certificate (extended key usage client auth).
func (ca *Cert) Issue(t testing.TB, o Options) *Cert {
	t.Helper()
	return issue(t, o, ca.Cert, ca.Key)
}

func issue(t testing.TB, o Options, parent *x509.Certificate, parentKey *Key) *Cert {
	t.Helper()
	if o.Key == nil {
		o.Key = NewKey(t, ECDSA256)
	}
	if o.Serial == nil {
		o.Serial = big.NewInt(2)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          o.Serial,
		Subject:               pkix.Name{CommonName: o.CommonName, Organization: o.Organization},
		NotBefore:             o.NotBefore,
		NotAfter:              o.NotAfter,
		DNSNames:              o.DNSNames,
		IPAddresses:           o.IPs,
		BasicConstraintsValid: true,
		IsCA:                  o.IsCA,
		KeyUsage:              x509.KeyUsageDigitalSignature,
	}
	if o.IsCA {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	} else if o.Server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, o.Key.Signer.Public(), parentKey.Signer)
	if err != nil {
		t.Fatalf("creating certificate %q: %v", o.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parsing certificate %q: %v", o.CommonName, err)
	}
	return &Cert{Cert: cert, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), Key: o.Key}
}

// TLSCertificate returns the certificate and its key for a tls.Config.
func (c *Cert) TLSCertificate(t testing.TB) tls.Certificate {
	t.Helper()
	pair, err := tls.X509KeyPair(c.PEM, c.Key.PEM)
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

// Localhost makes a server certificate for 127.0.0.1 and localhost signed
// by ca, valid from an hour ago for a day.
func Localhost(t testing.TB, ca *Cert) *Cert {
	t.Helper()
	return ca.Issue(t, Options{CommonName: "localhost", NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, Server: true})
}
