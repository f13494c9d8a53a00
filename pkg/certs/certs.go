// Package certs inspects the certificates of a kubeconfig offline: the CA
// bundles of clusters and the client certificates of users, with their
// subject, issuer, names, validity, key, whether the private key matches and
// whether the chain verifies against the cluster's CA. It never opens a
// network connection; the clock is passed in.
package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/util/keyutil"
)

// Sentinel errors, for errors.Is.
var (
	// ErrNoPEM: the data holds no PEM block at all.
	ErrNoPEM = errors.New("no PEM data")
	// ErrNoCertificate: the PEM data holds no CERTIFICATE block.
	ErrNoCertificate = errors.New("no certificate in the PEM data")
	// ErrNoPrivateKey: the PEM data holds no private key that parses.
	ErrNoPrivateKey = errors.New("no RSA, ECDSA or Ed25519 private key in the PEM data")
	// ErrEncryptedKey: the private key is encrypted with a passphrase,
	// which client-go cannot use.
	ErrEncryptedKey = errors.New("the private key is encrypted with a passphrase: client-go cannot use it")
	// ErrKeyMismatch: a private key does not belong to a certificate.
	ErrKeyMismatch = errors.New("the private key does not match the certificate's public key")
)

// Day is the unit of DaysLeft.
const Day = 24 * time.Hour

// ParseCertificates parses every CERTIFICATE block of PEM data, in order.
// Other block types are skipped, as client-go does.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	blocks := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		blocks++
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", blocks, err)
		}
		out = append(out, cert)
	}
	switch {
	case blocks == 0:
		return nil, ErrNoPEM
	case len(out) == 0:
		return nil, ErrNoCertificate
	}
	return out, nil
}

// ParsePrivateKey parses the first private key of PEM data (PKCS #1,
// PKCS #8 or SEC 1) with client-go's keyutil.
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	if block, _ := pem.Decode(data); block == nil {
		return nil, ErrNoPEM
	}
	key, err := keyutil.ParsePrivateKeyPEM(data)
	if err != nil {
		if encryptedKey(data) {
			return nil, ErrEncryptedKey
		}
		return nil, ErrNoPrivateKey
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, ErrNoPrivateKey
	}
	return signer, nil
}

// encryptedKey reports whether PEM data holds an encrypted private key:
// PKCS #8 ENCRYPTED PRIVATE KEY, or a legacy block with a Proc-Type header.
func encryptedKey(data []byte) bool {
	for rest := data; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return false
		}
		if block.Type == "ENCRYPTED PRIVATE KEY" || strings.HasSuffix(block.Type, "PRIVATE KEY") && strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
			return true
		}
	}
}

// KeyMatches returns nil when key is the private key of cert's public key,
// else an error wrapping ErrKeyMismatch.
func KeyMatches(cert *x509.Certificate, key crypto.Signer) error {
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		ktype, kbits := KeyInfo(key.Public())
		ctype, cbits := KeyInfo(cert.PublicKey)
		return fmt.Errorf("%w (key %s, certificate %s)", ErrKeyMismatch, keyString(ktype, kbits), keyString(ctype, cbits))
	}
	return nil
}

// KeyInfo names a public key's algorithm and size in bits: RSA 2048,
// ECDSA 256 (P-256), Ed25519 256.
func KeyInfo(pub crypto.PublicKey) (string, int) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	return "unknown", 0
}

func keyString(kind string, bits int) string {
	if bits == 0 {
		return kind
	}
	return fmt.Sprintf("%s %d", kind, bits)
}

// VerifyChain checks that chain[0] is signed, through the intermediates in
// chain[1:], by one of roots. Validity dates are judged at the time inside
// the leaf's validity closest to at, so an expired certificate is reported as
// expired elsewhere and not as untrusted here; a root that has expired since
// is still accepted as the signer when the signature checks out.
func VerifyChain(chain, roots []*x509.Certificate, at time.Time) error {
	if len(chain) == 0 || len(roots) == 0 {
		return errors.New("nothing to verify")
	}
	leaf := chain[0]
	pool, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r)
	}
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	switch {
	case at.Before(leaf.NotBefore):
		at = leaf.NotBefore
	case at.After(leaf.NotAfter):
		at = leaf.NotAfter
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err == nil {
		return nil
	}
	for _, r := range roots {
		if leaf.CheckSignatureFrom(r) == nil {
			return nil
		}
	}
	return err
}

// DaysLeft is the number of whole days from now until notAfter; negative
// once it has passed.
func DaysLeft(notAfter, now time.Time) int {
	return int(notAfter.Sub(now) / Day)
}

// Serial formats a serial number as openssl x509 -serial does: upper-case
// hex with an even number of digits.
func Serial(n *big.Int) string {
	s := fmt.Sprintf("%X", n)
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}

// SANs lists a certificate's subject alternative names as DNS:x, IP:x,
// email:x and URI:x.
func SANs(c *x509.Certificate) []string {
	out := []string{}
	for _, n := range c.DNSNames {
		out = append(out, "DNS:"+n)
	}
	for _, ip := range c.IPAddresses {
		out = append(out, "IP:"+ip.String())
	}
	for _, e := range c.EmailAddresses {
		out = append(out, "email:"+e)
	}
	for _, u := range c.URIs {
		out = append(out, "URI:"+u.String())
	}
	return out
}

// PEM is a certificate or key value of a kubeconfig entry: embedded data or
// a file.
type PEM struct {
	// Field is the kubeconfig field the value comes from, such as
	// cluster.certificate-authority-data or user.client-key.
	Field string
	// Path is the file read, when the value comes from one.
	Path string
	// Data is the bytes, nil when the value is unset or cannot be read.
	Data []byte
	// Err is why a file could not be read.
	Err error
}

// Set reports whether the entry names a value at all.
func (p PEM) Set() bool { return p.Field != "" }

func readPEM(dataField string, data []byte, fileField, path string) PEM {
	if len(data) > 0 {
		return PEM{Field: dataField, Data: data}
	}
	if path == "" {
		return PEM{}
	}
	p := PEM{Field: fileField, Path: path}
	p.Data, p.Err = os.ReadFile(path)
	return p
}

// CA returns a cluster's CA bundle: certificate-authority-data when set
// (it wins, as in client-go), else the certificate-authority file.
func CA(c *clientcmdapi.Cluster) PEM {
	return readPEM("cluster.certificate-authority-data", c.CertificateAuthorityData,
		"cluster.certificate-authority", c.CertificateAuthority)
}

// ClientCertificate returns a user's client certificate, data first.
func ClientCertificate(u *clientcmdapi.AuthInfo) PEM {
	return readPEM("user.client-certificate-data", u.ClientCertificateData,
		"user.client-certificate", u.ClientCertificate)
}

// ClientKey returns a user's client key, data first.
func ClientKey(u *clientcmdapi.AuthInfo) PEM {
	return readPEM("user.client-key-data", u.ClientKeyData, "user.client-key", u.ClientKey)
}
