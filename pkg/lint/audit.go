package lint

import (
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// Audit lists, for each file on its own, what the file would make this
// machine do once it is added to a kubeconfig: every exec command with its
// args and env, every auth-provider, every path it would read that is
// absolute or outside the file's folder, every proxy-url, and every plain
// http server. Problems of the files themselves (unreadable, invalid) are
// reported too. Every finding is of severity error: a file with none has
// nothing that acts outside the file. Secret values (env values and
// auth-provider settings named like a token, secret, password, key or
// credential) are shown as REDACTED.
func Audit(files []*kubeconfig.File) *Report {
	l := newLinter(files, "untrusted")
	l.fileProblems()
	for _, path := range l.report.Files {
		f := l.byPath[path]
		if f.Config == nil {
			continue
		}
		l.use(f.Config)
		dir, err := filepath.Abs(filepath.Dir(path))
		if err != nil {
			dir = filepath.Dir(path)
		}
		for _, name := range sortedKeys(f.Config.Clusters) {
			l.auditCluster(dir, name, f.Config.Clusters[name], l.rawCluster(path, name))
		}
		for _, name := range sortedKeys(f.Config.AuthInfos) {
			l.auditUser(dir, name, f.Config.AuthInfos[name], l.rawUser(path, name))
		}
	}
	l.report.finish()
	return l.report
}

func (l *linter) auditCluster(dir, name string, c, raw *clientcmdapi.Cluster) {
	const kind = kubeconfig.KindCluster
	file := c.LocationOfOrigin
	if u, err := url.Parse(c.Server); err == nil && strings.EqualFold(u.Scheme, "http") {
		fd := l.at(kind, name, file, "server")
		fd.Hint = "use the server's https URL; over http a token or password goes out in clear text"
		l.add(RuleUntrustedHTTPServer, fd, "cluster %q talks to %s over plain http", name, u.Redacted())
	}
	if c.ProxyURL != "" {
		shown := c.ProxyURL
		if u, err := url.Parse(c.ProxyURL); err == nil {
			shown = u.Redacted()
		}
		fd := l.at(kind, name, file, "proxy-url")
		fd.Hint = "remove proxy-url unless you know this proxy: it sees every request, and without TLS verification their contents"
		l.add(RuleUntrustedProxyURL, fd, "cluster %q sends every request through the proxy %s", name, shown)
	}
	l.auditPath(dir, kind, name, file, "certificate-authority", raw.CertificateAuthority, c.CertificateAuthority)
}

func (l *linter) auditUser(dir, name string, u, raw *clientcmdapi.AuthInfo) {
	const kind = kubeconfig.KindUser
	file := u.LocationOfOrigin
	l.auditPath(dir, kind, name, file, "client-certificate", raw.ClientCertificate, u.ClientCertificate)
	l.auditPath(dir, kind, name, file, "client-key", raw.ClientKey, u.ClientKey)
	l.auditPath(dir, kind, name, file, "tokenFile", raw.TokenFile, u.TokenFile)
	if ex := u.Exec; ex != nil {
		command := ex.Command
		if raw.Exec != nil {
			command = raw.Exec.Command
		}
		var b strings.Builder
		fmt.Fprintf(&b, "user %q runs the command: %s", name, shellJoin(append([]string{command}, redactArgs(ex.Args)...)))
		if command != ex.Command {
			fmt.Fprintf(&b, " (run as %s)", ex.Command)
		}
		if len(ex.Env) > 0 {
			env := make([]string, 0, len(ex.Env))
			for _, e := range ex.Env {
				v := e.Value
				if kubeconfig.IsSecretName(e.Name) && v != "" {
					v = kubeconfig.Redacted
				}
				env = append(env, e.Name+"="+shellQuote(v))
			}
			fmt.Fprintf(&b, ", with env %s", strings.Join(env, " "))
		}
		if ex.ProvideClusterInfo {
			b.WriteString(", and gives it the cluster's server and CA")
		}
		fd := l.at(kind, name, file, "exec", "command")
		fd.Hint = "add this file only if you trust the command and it is the program you expect (command -v " + shellQuote(ex.Command) + ")"
		l.add(RuleUntrustedExec, fd, "%s", b.String())
	}
	if ap := u.AuthProvider; ap != nil {
		keys := make([]string, 0, len(ap.Config))
		for k := range ap.Config {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		settings := make([]string, 0, len(keys))
		for _, k := range keys {
			v := ap.Config[k]
			if kubeconfig.IsSecretName(k) && v != "" {
				v = kubeconfig.Redacted
			}
			settings = append(settings, k+"="+shellQuote(v))
		}
		msg := fmt.Sprintf("user %q uses the auth-provider %q", name, ap.Name)
		if len(settings) > 0 {
			msg += " with " + strings.Join(settings, " ")
		}
		fd := l.at(kind, name, file, "auth-provider", "name")
		fd.Hint = "check where this provider gets its credentials (URLs, commands) before adding the file"
		l.add(RuleUntrustedAuthProvider, fd, "%s", msg)
	}
}

// auditPath reports a path that is absolute, or that leads outside dir
// (through .. or a symbolic link).
func (l *linter) auditPath(dir, kind, name, file, field, raw, resolved string) {
	if raw == "" {
		return
	}
	why := ""
	switch {
	case filepath.IsAbs(raw):
		why = "an absolute path"
	case outside(dir, resolved):
		why = "outside the file's folder " + dir
	default:
		real, err := filepath.EvalSymlinks(resolved)
		realDir, derr := filepath.EvalSymlinks(dir)
		if err == nil && derr == nil && outside(realDir, real) {
			why = "a link to " + real + ", outside the file's folder"
		}
	}
	if why == "" {
		return
	}
	fd := l.at(kind, name, file, field)
	fd.Hint = "check that reading this file is intended: a kubeconfig from elsewhere normally embeds what it needs (*-data fields, token)"
	l.add(RuleUntrustedPath, fd, "%s %q reads %s, %s", kind, name, resolved, why)
}

func outside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// redactArgs masks the values of flags named like a secret (token, secret,
// password, key, credential): --client-secret=VALUE and --password VALUE.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if i > 0 && isSecretFlag(args[i-1]) && !strings.Contains(args[i-1], "=") && !strings.HasPrefix(a, "-") {
			out[i] = kubeconfig.Redacted
			continue
		}
		if name, _, ok := strings.Cut(a, "="); ok && isSecretFlag(name) {
			out[i] = name + "=" + kubeconfig.Redacted
		}
	}
	return out
}

func isSecretFlag(arg string) bool {
	name, _, _ := strings.Cut(arg, "=")
	return strings.HasPrefix(name, "-") && kubeconfig.IsSecretName(strings.TrimLeft(name, "-"))
}

// shellJoin writes a command line as a shell would read it back.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = shellQuote(a)
	}
	return strings.Join(out, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
