package lint

// Severity is how bad a finding is. Findings of severity error make kcfg
// lint exit 1; warnings do too with --strict.
type Severity string

// Severities, from worst to mildest.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// rank orders severities for sorting and counting, worst first.
func (s Severity) rank() int {
	switch s {
	case Error:
		return 0
	case Warning:
		return 1
	}
	return 2
}

// Rule ids. They are stable: scripts may match on them.
const (
	RuleFileUnreadable              = "file-unreadable"
	RuleFileInvalid                 = "file-invalid"
	RuleFileMode                    = "file-mode"
	RuleBase64Invalid               = "base64-invalid"
	RuleNameDuplicate               = "name-duplicate"
	RuleNameShadowed                = "name-shadowed"
	RuleCurrentContextUnset         = "current-context-unset"
	RuleCurrentContextMissing       = "current-context-missing"
	RuleContextMissingCluster       = "context-missing-cluster"
	RuleContextMissingUser          = "context-missing-user"
	RuleServerInvalid               = "server-invalid"
	RuleServerNotHTTPS              = "server-not-https"
	RuleProxyURLInvalid             = "proxy-url-invalid"
	RuleInsecureSkipTLSVerify       = "insecure-skip-tls-verify"
	RuleInsecureWithCA              = "insecure-with-ca"
	RuleDataAndFile                 = "data-and-file"
	RuleFileRefUnreadable           = "file-ref-unreadable"
	RulePEMInvalid                  = "pem-invalid"
	RuleCACertExpired               = "ca-cert-expired"
	RuleCACertExpiring              = "ca-cert-expiring"
	RuleClientCertExpired           = "client-cert-expired"
	RuleClientCertExpiring          = "client-cert-expiring"
	RuleClientKeyMissing            = "client-key-missing"
	RuleClientKeyMismatch           = "client-key-mismatch"
	RuleClientCertUntrusted         = "client-cert-untrusted"
	RuleSystemMasters               = "system-masters"
	RuleTokenAndTokenFile           = "token-and-token-file"
	RuleAuthConflict                = "auth-conflict"
	RuleAuthProviderRemoved         = "auth-provider-removed"
	RuleExecAPIVersion              = "exec-api-version"
	RuleExecInteractiveModeUnset    = "exec-interactive-mode-unset"
	RuleExecInteractiveModeRequired = "exec-interactive-mode-required"

	RuleUntrustedExec         = "untrusted-exec"
	RuleUntrustedAuthProvider = "untrusted-auth-provider"
	RuleUntrustedPath         = "untrusted-path"
	RuleUntrustedProxyURL     = "untrusted-proxy-url"
	RuleUntrustedHTTPServer   = "untrusted-http-server"
)

// Rule describes one check.
type Rule struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	// Untrusted is true for the rules of the untrusted-file audit.
	Untrusted bool   `json:"untrusted"`
	Summary   string `json:"summary"`
}

// Rules is the catalogue of every rule, in the order of the documentation.
func Rules() []Rule {
	return []Rule{
		{ID: RuleFileUnreadable, Severity: Error, Summary: "a kubeconfig file is missing or cannot be read"},
		{ID: RuleFileInvalid, Severity: Error, Summary: "a file is not YAML or JSON, or not a kubeconfig: kubectl refuses it"},
		{ID: RuleFileMode, Severity: Warning, Summary: "a kubeconfig file's mode is wider than 0600: other users may read its credentials"},
		{ID: RuleBase64Invalid, Severity: Error, Summary: "a *-data field is not valid base64: kubectl refuses the file"},
		{ID: RuleNameDuplicate, Severity: Error, Summary: "one file defines a cluster, user or context name twice: kubectl refuses the file"},
		{ID: RuleNameShadowed, Severity: Warning, Summary: "a name is defined in several files: the first file wins, the others are never used"},
		{ID: RuleCurrentContextUnset, Severity: Warning, Summary: "current-context is not set: kubectl needs --context on every command"},
		{ID: RuleCurrentContextMissing, Severity: Error, Summary: "current-context names a context that no file defines"},
		{ID: RuleContextMissingCluster, Severity: Error, Summary: "a context names no cluster, or a cluster that no file defines"},
		{ID: RuleContextMissingUser, Severity: Error, Summary: "a context names a user that no file defines"},
		{ID: RuleServerInvalid, Severity: Error, Summary: "a cluster's server is unset or does not parse as a URL"},
		{ID: RuleServerNotHTTPS, Severity: Warning, Summary: "a cluster's server is plain http, or has no scheme"},
		{ID: RuleProxyURLInvalid, Severity: Error, Summary: "a cluster's proxy-url does not parse or is not http, https or socks5"},
		{ID: RuleInsecureSkipTLSVerify, Severity: Warning, Summary: "insecure-skip-tls-verify: the server's certificate is not checked"},
		{ID: RuleInsecureWithCA, Severity: Error, Summary: "insecure-skip-tls-verify together with a CA: client-go refuses it"},
		{ID: RuleDataAndFile, Severity: Error, Summary: "both a *-data field and its file path are set: client-go refuses it"},
		{ID: RuleFileRefUnreadable, Severity: Error, Summary: "a file the kubeconfig refers to (CA, client certificate or key, token file) is missing or unreadable"},
		{ID: RulePEMInvalid, Severity: Error, Summary: "a CA, client certificate or client key does not parse as PEM"},
		{ID: RuleCACertExpired, Severity: Error, Summary: "a CA certificate has expired"},
		{ID: RuleCACertExpiring, Severity: Warning, Summary: "a CA certificate expires within the expiry window"},
		{ID: RuleClientCertExpired, Severity: Error, Summary: "a client certificate has expired"},
		{ID: RuleClientCertExpiring, Severity: Warning, Summary: "a client certificate expires within the expiry window (--expiry-window, 30 days)"},
		{ID: RuleClientKeyMissing, Severity: Error, Summary: "a client certificate without a client key: client-go refuses it"},
		{ID: RuleClientKeyMismatch, Severity: Error, Summary: "the client key does not belong to the client certificate"},
		{ID: RuleClientCertUntrusted, Severity: Warning, Summary: "the client certificate is not signed by the CA of the cluster a context pairs it with"},
		{ID: RuleSystemMasters, Severity: Info, Summary: "a client certificate in group system:masters: it bypasses RBAC and cannot be revoked"},
		{ID: RuleTokenAndTokenFile, Severity: Warning, Summary: "token and tokenFile are both set: the file wins while it can be read"},
		{ID: RuleAuthConflict, Severity: Error, Summary: "token and username/password are both set: client-go refuses more than one method"},
		{ID: RuleAuthProviderRemoved, Severity: Error, Summary: "an auth-provider that client-go no longer supports (gcp, azure)"},
		{ID: RuleExecAPIVersion, Severity: Error, Summary: "an exec plugin apiVersion client-go no longer accepts (v1alpha1) or does not know"},
		{ID: RuleExecInteractiveModeUnset, Severity: Warning, Summary: "an exec plugin (v1beta1) without interactiveMode: it defaults to IfAvailable"},
		{ID: RuleExecInteractiveModeRequired, Severity: Error, Summary: "an exec plugin (v1) without interactiveMode, or with a value other than Never, IfAvailable or Always: client-go refuses it"},

		{ID: RuleUntrustedExec, Severity: Error, Untrusted: true, Summary: "the file runs a command on this machine (exec plugin), shown with its args and env"},
		{ID: RuleUntrustedAuthProvider, Severity: Error, Untrusted: true, Summary: "the file uses an auth-provider plugin"},
		{ID: RuleUntrustedPath, Severity: Error, Untrusted: true, Summary: "the file reads a path that is absolute or outside its own folder"},
		{ID: RuleUntrustedProxyURL, Severity: Error, Untrusted: true, Summary: "the file sends traffic through a proxy"},
		{ID: RuleUntrustedHTTPServer, Severity: Error, Untrusted: true, Summary: "the file talks to a server over plain http"},
	}
}

// severities maps every rule id to its severity.
func severities() map[string]Severity {
	m := map[string]Severity{}
	for _, r := range Rules() {
		m[r.ID] = r.Severity
	}
	return m
}
