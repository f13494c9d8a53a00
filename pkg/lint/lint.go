package lint

import (
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kcfg-dev/kcfg/pkg/certs"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// Options tune Lint.
type Options struct {
	// Now is the time certificates are judged at.
	Now time.Time
	// ExpiryWindow: certificates that expire within it are reported; with
	// zero only those that have expired (DefaultExpiryWindow is what kcfg
	// lint uses when not told).
	ExpiryWindow time.Duration
}

// Exec plugin API versions client-go accepts, and the one it dropped.
const (
	execV1       = "client.authentication.k8s.io/v1"
	execV1beta1  = "client.authentication.k8s.io/v1beta1"
	execV1alpha1 = "client.authentication.k8s.io/v1alpha1"
)

const timeFormat = "2006-01-02 15:04:05 UTC"

// Lint checks files, in precedence order, as kubectl would see them merged
// (the first file to define a name wins): each file on its own (readable,
// decodable, mode), names across files, and then every cluster, user and
// context that the merge keeps. It reads the files that the kubeconfig
// refers to, and nothing else; it never connects anywhere.
func Lint(files []*kubeconfig.File, opts Options) *Report {
	l := newLinter(files, "lint")
	l.opts = opts
	l.fileProblems()
	l.fileModes()
	l.use(kubeconfig.Merge(files))
	l.shadowed()
	l.currentContext()
	l.contexts()
	for _, name := range sortedKeys(l.cfg.Clusters) {
		l.cluster(name, l.cfg.Clusters[name])
	}
	for _, name := range sortedKeys(l.cfg.AuthInfos) {
		l.user(name, l.cfg.AuthInfos[name])
	}
	l.verifyChains()
	l.report.finish()
	return l.report
}

type linter struct {
	files  []*kubeconfig.File
	byPath map[string]*kubeconfig.File
	sev    map[string]Severity
	opts   Options
	report *Report

	// cfg is the config whose entries are checked, and which contexts use
	// each cluster and user.
	cfg        *clientcmdapi.Config
	clusterCtx map[string][]string
	userCtx    map[string][]string

	// Parsed certificates, for the chain check.
	roots  map[string][]*x509.Certificate
	chains map[string][]*x509.Certificate
}

func newLinter(files []*kubeconfig.File, mode string) *linter {
	l := &linter{files: files, byPath: map[string]*kubeconfig.File{}, sev: severities(),
		report: &Report{Mode: mode}, roots: map[string][]*x509.Certificate{}, chains: map[string][]*x509.Certificate{}}
	for _, f := range files {
		if _, ok := l.byPath[f.Path]; !ok {
			l.byPath[f.Path] = f
			l.report.Files = append(l.report.Files, f.Path)
		}
	}
	return l
}

// use sets the config to check and indexes its contexts.
func (l *linter) use(cfg *clientcmdapi.Config) {
	l.cfg = cfg
	l.clusterCtx, l.userCtx = map[string][]string{}, map[string][]string{}
	for _, name := range sortedKeys(cfg.Contexts) {
		ctx := cfg.Contexts[name]
		l.clusterCtx[ctx.Cluster] = append(l.clusterCtx[ctx.Cluster], name)
		l.userCtx[ctx.AuthInfo] = append(l.userCtx[ctx.AuthInfo], name)
	}
}

func (l *linter) add(rule string, f Finding, format string, args ...any) {
	f.Rule = rule
	f.Severity = l.sev[rule]
	f.Message = fmt.Sprintf(format, args...)
	l.report.Findings = append(l.report.Findings, f)
}

// at is a finding about field of the entry kind/name defined in file.
func (l *linter) at(kind, name, file string, field ...string) Finding {
	f := Finding{File: file, Kind: kind, Name: name}
	if kf := l.byPath[file]; kf != nil {
		f.Line = kf.Line(kind, name, field...)
	}
	if len(field) > 0 {
		f.Field = kind + "." + strings.Join(field, ".")
	}
	switch kind {
	case kubeconfig.KindCluster:
		f.Contexts = slices.Clone(l.clusterCtx[name])
	case kubeconfig.KindUser:
		f.Contexts = slices.Clone(l.userCtx[name])
	case kubeconfig.KindContext:
		f.Contexts = []string{name}
	}
	return f
}

// atPEM is a finding about the field a certs.PEM came from.
func (l *linter) atPEM(kind, name, file string, p certs.PEM) Finding {
	return l.at(kind, name, file, strings.TrimPrefix(p.Field, kind+"."))
}

func (l *linter) fileProblems() {
	for _, f := range l.files {
		if l.byPath[f.Path] != f {
			continue
		}
		for _, p := range f.Problems {
			fd := Finding{File: f.Path, Line: p.Line, Kind: p.Kind, Name: p.Name, Field: p.Field}
			msg := p.Err.Error()
			if p.Detail != "" {
				msg += ": " + p.Detail
			}
			switch {
			case errors.Is(p, kubeconfig.ErrMissingFile), errors.Is(p, kubeconfig.ErrUnreadable):
				fd.Hint = "check the path and its permissions; a KUBECONFIG entry that names no file can be removed"
				l.add(RuleFileUnreadable, fd, "%s", msg)
			case errors.Is(p, kubeconfig.ErrInvalidBase64):
				fd.Hint = "the value must be the base64 of the PEM text, on one line: base64 -w0 < FILE"
				l.add(RuleBase64Invalid, fd, "%s", msg)
			case errors.Is(p, kubeconfig.ErrDuplicateName):
				fd.Hint = "rename or delete one of the two entries"
				l.add(RuleNameDuplicate, fd, "%s", msg)
			default:
				fd.Hint = "fix the file at the line shown; until then kubectl can use none of its contexts"
				if fd.Line == 0 {
					fd.Hint = "fix the file; until then kubectl can use none of its contexts"
				}
				l.add(RuleFileInvalid, fd, "%s", msg)
			}
		}
	}
}

func (l *linter) fileModes() {
	for _, path := range l.report.Files {
		f := l.byPath[path]
		if f.Mode == 0 || f.Mode&0o077 == 0 {
			continue
		}
		l.add(RuleFileMode, Finding{File: path, Hint: "chmod 600 " + path},
			"mode %04o lets other users of this machine read the file and its credentials", f.Mode)
	}
}

// shadowed reports names that a later file defines again: clientcmd keeps
// the first definition.
func (l *linter) shadowed() {
	type def struct {
		file string
		line int
	}
	seen := map[string]map[string]def{}
	for _, path := range l.report.Files {
		f := l.byPath[path]
		if f.Config == nil {
			continue
		}
		for _, kn := range entryNames(f.Config) {
			if seen[kn.kind] == nil {
				seen[kn.kind] = map[string]def{}
			}
			first, ok := seen[kn.kind][kn.name]
			if !ok {
				seen[kn.kind][kn.name] = def{path, f.Line(kn.kind, kn.name)}
				continue
			}
			fd := l.at(kn.kind, kn.name, path)
			fd.Hint = "delete the unused definition, or rename one of them"
			where := first.file
			if first.line > 0 {
				where = fmt.Sprintf("%s:%d", first.file, first.line)
			}
			l.add(RuleNameShadowed, fd, "%s %q is also defined in %s, which comes first: this definition is never used",
				kn.kind, kn.name, where)
		}
	}
}

type kindName struct{ kind, name string }

func entryNames(cfg *clientcmdapi.Config) []kindName {
	var out []kindName
	for _, n := range sortedKeys(cfg.Clusters) {
		out = append(out, kindName{kubeconfig.KindCluster, n})
	}
	for _, n := range sortedKeys(cfg.AuthInfos) {
		out = append(out, kindName{kubeconfig.KindUser, n})
	}
	for _, n := range sortedKeys(cfg.Contexts) {
		out = append(out, kindName{kubeconfig.KindContext, n})
	}
	return out
}

func (l *linter) currentContext() {
	names := sortedKeys(l.cfg.Contexts)
	cur := l.cfg.CurrentContext
	if cur == "" {
		if len(names) == 0 || len(l.report.Files) == 0 {
			return
		}
		fd := Finding{File: l.report.Files[0], Field: "current-context"}
		if len(names) == 1 {
			fd.Hint = "set it with: kcfg use " + names[0]
			l.add(RuleCurrentContextUnset, fd,
				"current-context is not set, so kubectl needs --context on every command; the only context is %q", names[0])
			return
		}
		fd.Hint = "set it with: kcfg use NAME, where NAME is one of " + quoteList(names)
		l.add(RuleCurrentContextUnset, fd, "current-context is not set, so kubectl needs --context on every command")
		return
	}
	if _, ok := l.cfg.Contexts[cur]; ok {
		return
	}
	fd := Finding{Field: "current-context", Hint: "choose a context with: kcfg use NAME"}
	for _, path := range l.report.Files {
		if f := l.byPath[path]; f.Config != nil && f.Config.CurrentContext != "" {
			fd.File, fd.Line = path, f.KeyLine("current-context")
			break
		}
	}
	if len(names) > 0 {
		fd.Hint += ", where NAME is one of " + quoteList(names)
	}
	l.add(RuleCurrentContextMissing, fd, "current-context %q names a context that no file defines", cur)
}

func (l *linter) contexts() {
	for _, name := range sortedKeys(l.cfg.Contexts) {
		ctx := l.cfg.Contexts[name]
		file := ctx.LocationOfOrigin
		switch _, ok := l.cfg.Clusters[ctx.Cluster]; {
		case ctx.Cluster == "":
			fd := l.at(kubeconfig.KindContext, name, file, "cluster")
			fd.Hint = "set context.cluster to a defined cluster" + oneOf(sortedKeys(l.cfg.Clusters))
			l.add(RuleContextMissingCluster, fd, "context %q names no cluster: client-go refuses it", name)
		case !ok:
			fd := l.at(kubeconfig.KindContext, name, file, "cluster")
			fd.Hint = fmt.Sprintf("define cluster %q, or set context.cluster to a defined cluster", ctx.Cluster) + oneOf(sortedKeys(l.cfg.Clusters))
			l.add(RuleContextMissingCluster, fd, "context %q names cluster %q, which no file defines", name, ctx.Cluster)
		}
		if _, ok := l.cfg.AuthInfos[ctx.AuthInfo]; ctx.AuthInfo != "" && !ok {
			fd := l.at(kubeconfig.KindContext, name, file, "user")
			fd.Hint = fmt.Sprintf("define user %q, or set context.user to a defined user", ctx.AuthInfo) + oneOf(sortedKeys(l.cfg.AuthInfos))
			l.add(RuleContextMissingUser, fd, "context %q names user %q, which no file defines", name, ctx.AuthInfo)
		}
	}
}

func (l *linter) cluster(name string, c *clientcmdapi.Cluster) {
	const kind = kubeconfig.KindCluster
	file := c.LocationOfOrigin
	raw := l.rawCluster(file, name)

	if rule, msg := checkServer(c.Server); rule != "" {
		fd := l.at(kind, name, file, "server")
		fd.Hint = "write the API server's URL in full: https://HOST:PORT"
		l.add(rule, fd, "cluster %q: %s", name, msg)
	}
	if c.ProxyURL != "" {
		if msg := checkProxyURL(c.ProxyURL); msg != "" {
			fd := l.at(kind, name, file, "proxy-url")
			fd.Hint = "write the proxy as http://, https:// or socks5://HOST:PORT"
			l.add(RuleProxyURLInvalid, fd, "cluster %q: %s", name, msg)
		}
	}
	hasCA := len(c.CertificateAuthorityData) > 0 || c.CertificateAuthority != ""
	if c.InsecureSkipTLSVerify {
		fd := l.at(kind, name, file, "insecure-skip-tls-verify")
		if hasCA {
			fd.Hint = "remove insecure-skip-tls-verify: the CA is there to check the server"
			l.add(RuleInsecureWithCA, fd,
				"cluster %q sets insecure-skip-tls-verify and a CA: client-go refuses a root certificate with the insecure flag", name)
		} else {
			fd.Hint = "add the cluster's CA (certificate-authority-data) and remove insecure-skip-tls-verify"
			l.add(RuleInsecureSkipTLSVerify, fd,
				"cluster %q skips TLS verification: anyone between you and the server can read and change the traffic, credentials included", name)
		}
	}
	if len(c.CertificateAuthorityData) > 0 && c.CertificateAuthority != "" {
		fd := l.at(kind, name, file, "certificate-authority-data")
		fd.Hint = "keep one of certificate-authority-data and certificate-authority"
		l.add(RuleDataAndFile, fd, "cluster %q sets both certificate-authority-data and certificate-authority: client-go refuses it", name)
	}
	l.fileRef(kind, name, file, "certificate-authority", raw.CertificateAuthority, c.CertificateAuthority)

	ca := certs.CA(c)
	if !ca.Set() || ca.Err != nil {
		return
	}
	list, err := certs.ParseCertificates(ca.Data)
	if err != nil {
		fd := l.atPEM(kind, name, file, ca)
		fd.Hint = "the CA must be one or more PEM CERTIFICATE blocks"
		l.add(RulePEMInvalid, fd, "cluster %q: %s%s does not parse: %v", name, ca.Field, pathNote(ca), err)
		return
	}
	l.roots[name] = list
	for _, cert := range list {
		fd := l.atPEM(kind, name, file, ca)
		left := cert.NotAfter.Sub(l.opts.Now)
		switch {
		case left < 0:
			fd.Hint = "the cluster's CA must be renewed, and the kubeconfig updated with the new CA bundle"
			l.add(RuleCACertExpired, fd, "cluster %q: CA certificate %s expired on %s, %s ago",
				name, cert.Subject, cert.NotAfter.UTC().Format(timeFormat), days(-certs.DaysLeft(cert.NotAfter, l.opts.Now)))
		case left <= l.opts.ExpiryWindow:
			fd.Hint = "plan the CA's renewal now: every certificate it signed stops working with it"
			l.add(RuleCACertExpiring, fd, "cluster %q: CA certificate %s expires on %s, in %s",
				name, cert.Subject, cert.NotAfter.UTC().Format(timeFormat), days(certs.DaysLeft(cert.NotAfter, l.opts.Now)))
		}
	}
}

func (l *linter) user(name string, u *clientcmdapi.AuthInfo) {
	const kind = kubeconfig.KindUser
	file := u.LocationOfOrigin
	raw := l.rawUser(file, name)

	if len(u.ClientCertificateData) > 0 && u.ClientCertificate != "" {
		fd := l.at(kind, name, file, "client-certificate-data")
		fd.Hint = "keep one of client-certificate-data and client-certificate"
		l.add(RuleDataAndFile, fd, "user %q sets both client-certificate-data and client-certificate: client-go refuses it", name)
	}
	if len(u.ClientKeyData) > 0 && u.ClientKey != "" {
		fd := l.at(kind, name, file, "client-key-data")
		fd.Hint = "keep one of client-key-data and client-key"
		l.add(RuleDataAndFile, fd, "user %q sets both client-key-data and client-key: client-go refuses it", name)
	}
	l.fileRef(kind, name, file, "client-certificate", raw.ClientCertificate, u.ClientCertificate)
	l.fileRef(kind, name, file, "client-key", raw.ClientKey, u.ClientKey)
	l.fileRef(kind, name, file, "tokenFile", raw.TokenFile, u.TokenFile)

	certPEM, keyPEM := certs.ClientCertificate(u), certs.ClientKey(u)
	if certPEM.Set() && !keyPEM.Set() {
		fd := l.atPEM(kind, name, file, certPEM)
		fd.Hint = "add the certificate's key as client-key-data (or client-key)"
		l.add(RuleClientKeyMissing, fd, "user %q has a client certificate but no client key: client-go refuses it", name)
	}
	var chain []*x509.Certificate
	if certPEM.Set() && certPEM.Err == nil {
		list, err := certs.ParseCertificates(certPEM.Data)
		if err != nil {
			fd := l.atPEM(kind, name, file, certPEM)
			fd.Hint = "the client certificate must be a PEM CERTIFICATE block"
			l.add(RulePEMInvalid, fd, "user %q: %s%s does not parse: %v", name, certPEM.Field, pathNote(certPEM), err)
		} else {
			chain = list
			l.chains[name] = list
			l.clientCert(name, file, certPEM, list[0])
		}
	}
	if keyPEM.Set() && keyPEM.Err == nil {
		key, err := certs.ParsePrivateKey(keyPEM.Data)
		switch {
		case err != nil:
			fd := l.atPEM(kind, name, file, keyPEM)
			fd.Hint = "the client key must be a PEM private key (RSA, EC or PKCS #8)"
			if errors.Is(err, certs.ErrEncryptedKey) {
				fd.Hint = "store the key without a passphrase: openssl pkey -in KEY -out NEW-KEY (then chmod 600 NEW-KEY)"
			}
			l.add(RulePEMInvalid, fd, "user %q: %s%s does not parse: %v", name, keyPEM.Field, pathNote(keyPEM), err)
		case chain != nil:
			if err := certs.KeyMatches(chain[0], key); err != nil {
				fd := l.atPEM(kind, name, file, keyPEM)
				fd.Hint = "put the key that was generated with this certificate, or the certificate issued for this key"
				l.add(RuleClientKeyMismatch, fd, "user %q: %v", name, err)
			}
		}
	}

	if u.Token != "" && u.TokenFile != "" {
		fd := l.at(kind, name, file, "tokenFile")
		fd.Hint = "keep one of token and tokenFile"
		l.add(RuleTokenAndTokenFile, fd,
			"user %q sets both token and tokenFile: the file's contents win while it can be read, the token is used otherwise", name)
	}
	if u.Token != "" && (u.Username != "" || u.Password != "") {
		fd := l.at(kind, name, file, "token")
		fd.Hint = "keep either the token or username and password"
		l.add(RuleAuthConflict, fd, "user %q sets both a token and username/password: client-go refuses more than one method", name)
	}
	if ap := u.AuthProvider; ap != nil {
		switch ap.Name {
		case "gcp":
			fd := l.at(kind, name, file, "auth-provider", "name")
			fd.Hint = "use the gke-gcloud-auth-plugin exec plugin: gcloud container clusters get-credentials CLUSTER writes it"
			l.add(RuleAuthProviderRemoved, fd, "user %q uses auth-provider gcp, which client-go has removed", name)
		case "azure":
			fd := l.at(kind, name, file, "auth-provider", "name")
			fd.Hint = "use the kubelogin exec plugin: kubelogin convert-kubeconfig"
			l.add(RuleAuthProviderRemoved, fd, "user %q uses auth-provider azure, which client-go has removed", name)
		}
	}
	if ex := u.Exec; ex != nil {
		l.exec(name, file, ex)
	}
}

func (l *linter) exec(name, file string, ex *clientcmdapi.ExecConfig) {
	const kind = kubeconfig.KindUser
	switch ex.APIVersion {
	case execV1, execV1beta1:
	case execV1alpha1:
		fd := l.at(kind, name, file, "exec", "apiVersion")
		fd.Hint = "use apiVersion " + execV1 + " (or v1beta1) if the plugin supports it, else update the plugin"
		l.add(RuleExecAPIVersion, fd, "user %q: exec apiVersion %s was removed in client-go 1.24", name, ex.APIVersion)
	default:
		fd := l.at(kind, name, file, "exec", "apiVersion")
		fd.Hint = "use apiVersion " + execV1 + " or " + execV1beta1
		what := fmt.Sprintf("exec apiVersion %q is not one client-go accepts", ex.APIVersion)
		if ex.APIVersion == "" {
			what = "exec apiVersion is not set"
		}
		l.add(RuleExecAPIVersion, fd, "user %q: %s", name, what)
	}
	written := l.byPath[file] != nil && l.byPath[file].Has(kind, name, "exec", "interactiveMode")
	switch {
	case ex.APIVersion == execV1 && ex.InteractiveMode == "":
		fd := l.at(kind, name, file, "exec", "interactiveMode")
		fd.Hint = "add interactiveMode: Never (or IfAvailable, Always)"
		l.add(RuleExecInteractiveModeRequired, fd, "user %q: exec plugin of apiVersion v1 without interactiveMode: client-go refuses it", name)
	case ex.InteractiveMode != "" && ex.InteractiveMode != clientcmdapi.NeverExecInteractiveMode &&
		ex.InteractiveMode != clientcmdapi.IfAvailableExecInteractiveMode && ex.InteractiveMode != clientcmdapi.AlwaysExecInteractiveMode:
		fd := l.at(kind, name, file, "exec", "interactiveMode")
		fd.Hint = "write interactiveMode as Never, IfAvailable or Always (the case matters)"
		l.add(RuleExecInteractiveModeRequired, fd, "user %q: exec interactiveMode %q is not Never, IfAvailable or Always: client-go refuses it",
			name, ex.InteractiveMode)
	case ex.APIVersion == execV1beta1 && !written:
		fd := l.at(kind, name, file, "exec")
		fd.Hint = "add interactiveMode: Never for a plugin that needs no input (or IfAvailable, Always)"
		l.add(RuleExecInteractiveModeUnset, fd,
			"user %q: exec plugin without interactiveMode defaults to IfAvailable and may wait for input", name)
	}
}

// clientCert checks the validity and groups of a user's client certificate.
func (l *linter) clientCert(name, file string, p certs.PEM, cert *x509.Certificate) {
	const kind = kubeconfig.KindUser
	left := cert.NotAfter.Sub(l.opts.Now)
	switch {
	case left < 0:
		fd := l.atPEM(kind, name, file, p)
		fd.Hint = "get a new client certificate for this user (kubeadm control planes: kubeadm kubeconfig user, or kubeadm certs renew) and replace " + p.Field
		l.add(RuleClientCertExpired, fd, "user %q: client certificate %s expired on %s, %s ago",
			name, cert.Subject, cert.NotAfter.UTC().Format(timeFormat), days(-certs.DaysLeft(cert.NotAfter, l.opts.Now)))
	case left <= l.opts.ExpiryWindow:
		fd := l.atPEM(kind, name, file, p)
		fd.Hint = "renew the client certificate before it expires"
		l.add(RuleClientCertExpiring, fd, "user %q: client certificate %s expires on %s, in %s",
			name, cert.Subject, cert.NotAfter.UTC().Format(timeFormat), days(certs.DaysLeft(cert.NotAfter, l.opts.Now)))
	}
	if slices.Contains(cert.Subject.Organization, "system:masters") {
		fd := l.atPEM(kind, name, file, p)
		fd.Hint = "for daily work use a certificate or token of a group bound to cluster-admin through RBAC; keep system:masters for break-glass"
		l.add(RuleSystemMasters, fd,
			"user %q: client certificate %s is in group system:masters, which bypasses RBAC and cannot be revoked before it expires",
			name, cert.Subject)
	}
}

// verifyChains checks, for every context, that its user's client certificate is
// signed by its cluster's CA, once per (user, cluster) pair.
func (l *linter) verifyChains() {
	type pair struct{ user, cluster string }
	pairs := map[pair][]string{}
	for _, name := range sortedKeys(l.cfg.Contexts) {
		ctx := l.cfg.Contexts[name]
		p := pair{ctx.AuthInfo, ctx.Cluster}
		if l.chains[p.user] != nil && l.roots[p.cluster] != nil {
			pairs[p] = append(pairs[p], name)
		}
	}
	keys := make([]pair, 0, len(pairs))
	for p := range pairs {
		keys = append(keys, p)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].user != keys[j].user {
			return keys[i].user < keys[j].user
		}
		return keys[i].cluster < keys[j].cluster
	})
	for _, p := range keys {
		chain, roots := l.chains[p.user], l.roots[p.cluster]
		err := certs.VerifyChain(chain, roots, l.opts.Now)
		if err == nil {
			continue
		}
		u := l.cfg.AuthInfos[p.user]
		fd := l.atPEM(kubeconfig.KindUser, p.user, u.LocationOfOrigin, certs.ClientCertificate(u))
		fd.Contexts = pairs[p]
		fd.Hint = "pair the user with the cluster whose CA issued its certificate; if the API server trusts another client CA, this is expected"
		l.add(RuleClientCertUntrusted, fd, "user %q: client certificate %s (issuer %s) is not signed by the CA of cluster %q (%s): %v",
			p.user, chain[0].Subject, chain[0].Issuer, p.cluster, roots[0].Subject, err)
	}
}

// fileRef reports a file the kubeconfig refers to that cannot be read.
func (l *linter) fileRef(kind, name, file, field, raw, resolved string) {
	if resolved == "" {
		return
	}
	err := readable(resolved)
	if err == nil {
		return
	}
	fd := l.at(kind, name, file, field)
	fd.Hint = "fix the path (relative paths are read from the kubeconfig file's folder) or embed the contents as " + field + "-data"
	if field == "tokenFile" {
		fd.Hint = "fix the path (relative paths are read from the kubeconfig file's folder)"
	}
	l.add(RuleFileRefUnreadable, fd, "%s %q: %v", field, pathShown(raw, resolved), err)
}

func readable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return pe.Err
		}
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.IsDir() {
		return errors.New("is a directory")
	}
	return nil
}

func (l *linter) rawCluster(file, name string) *clientcmdapi.Cluster {
	if f := l.byPath[file]; f != nil && f.Raw != nil {
		if c, ok := f.Raw.Clusters[name]; ok {
			return c
		}
	}
	return &clientcmdapi.Cluster{}
}

func (l *linter) rawUser(file, name string) *clientcmdapi.AuthInfo {
	if f := l.byPath[file]; f != nil && f.Raw != nil {
		if u, ok := f.Raw.AuthInfos[name]; ok {
			return u
		}
	}
	return &clientcmdapi.AuthInfo{}
}

// checkServer returns the rule and message for a bad server URL, or "".
// The URL is shown with any password masked.
func checkServer(s string) (string, string) {
	if s == "" {
		return RuleServerInvalid, "no server is set"
	}
	if !strings.Contains(s, "://") {
		u, err := url.Parse("https://" + s)
		if err != nil || u.Host == "" {
			return RuleServerInvalid, fmt.Sprintf("server %q is not a URL", shownURL(s))
		}
		return RuleServerNotHTTPS, fmt.Sprintf("server %q has no scheme: client-go picks https only when TLS settings are present, else plain http",
			strings.TrimPrefix(u.Redacted(), "https://"))
	}
	u, err := url.Parse(s)
	if err != nil {
		return RuleServerInvalid, fmt.Sprintf("server does not parse: %v", errors.Unwrap(err))
	}
	switch {
	case u.Host == "":
		return RuleServerInvalid, fmt.Sprintf("server %q has no host", u.Redacted())
	case strings.EqualFold(u.Scheme, "https"):
		return "", ""
	case strings.EqualFold(u.Scheme, "http"):
		return RuleServerNotHTTPS, fmt.Sprintf("server %s is plain http: credentials and data travel unencrypted", u.Redacted())
	}
	return RuleServerInvalid, fmt.Sprintf("server %q has scheme %q, not https", u.Redacted(), u.Scheme)
}

// shownURL is s with the password of a user:password@ part masked, for a
// value that does not parse as a URL.
func shownURL(s string) string {
	at := strings.LastIndex(s, "@")
	if at < 0 {
		return s
	}
	userinfo := s[:at]
	start := strings.Index(userinfo, "://") + 1
	if start > 0 {
		start += 2
	}
	colon := strings.Index(userinfo[start:], ":")
	if colon < 0 {
		return s
	}
	return s[:start+colon+1] + "xxxxx" + s[at:]
}

// checkProxyURL mirrors clientcmd's check of proxy-url.
func checkProxyURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Sprintf("proxy-url does not parse: %v", errors.Unwrap(err))
	}
	switch u.Scheme {
	case "http", "https", "socks5":
		return ""
	}
	return fmt.Sprintf("proxy-url has scheme %q: client-go accepts http, https and socks5", u.Scheme)
}

// days is "1 day" or "N days".
func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

func pathNote(p certs.PEM) string {
	if p.Path == "" {
		return ""
	}
	return fmt.Sprintf(" (%s)", p.Path)
}

func pathShown(raw, resolved string) string {
	if raw == "" || raw == resolved {
		return resolved
	}
	return fmt.Sprintf("%s, read as %s", raw, resolved)
}

// oneOf is ", one of NAMES" or nothing when there are none.
func oneOf(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return ", one of " + quoteList(names)
}

// quoteList quotes up to five names and says how many more there are.
func quoteList(names []string) string {
	const max = 5
	var b strings.Builder
	for i, n := range names {
		if i == max {
			fmt.Fprintf(&b, " and %d more", len(names)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", n)
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
