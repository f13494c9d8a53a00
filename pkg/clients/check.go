package clients

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"reflect"
	"sync"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Status is the outcome of checking one context.
type Status string

// Statuses of a check. Every status but StatusOK is a failure.
const (
	// StatusOK: connected, the TLS handshake succeeded, the server accepted
	// the credentials and told its version.
	StatusOK Status = "ok"
	// StatusUnreachable: the name does not resolve or the connection is
	// refused or cannot be made.
	StatusUnreachable Status = "unreachable"
	// StatusTLSError: the TLS handshake failed (unknown authority, expired
	// certificate, name mismatch, client certificate rejected, not TLS).
	StatusTLSError Status = "tls-error"
	// StatusUnauthorized: the server rejected the credentials (HTTP 401).
	StatusUnauthorized Status = "unauthorized"
	// StatusForbidden: the server accepted the credentials but refused to
	// tell who the user is (HTTP 403).
	StatusForbidden Status = "forbidden"
	// StatusTimeout: the context's time ran out before the check finished.
	StatusTimeout Status = "timeout"
	// StatusError: the context cannot be used as written: a bad kubeconfig
	// entry, an unreadable file, a credential plugin that fails.
	StatusError Status = "error"
)

// Failed reports whether s is anything but StatusOK.
func (s Status) Failed() bool { return s != StatusOK }

// Reason is the precise cause behind a failed status.
type Reason string

// Reasons of a failed check.
const (
	ReasonDNS                       Reason = "dns-lookup-failed"
	ReasonConnectionRefused         Reason = "connection-refused"
	ReasonNetwork                   Reason = "network-error"
	ReasonUnknownAuthority          Reason = "unknown-authority"
	ReasonCertificateExpired        Reason = "certificate-expired"
	ReasonCertificateNotYetValid    Reason = "certificate-not-yet-valid"
	ReasonNameMismatch              Reason = "name-mismatch"
	ReasonCertificateInvalid        Reason = "certificate-invalid"
	ReasonClientCertificateRejected Reason = "client-certificate-rejected"
	ReasonHandshakeFailed           Reason = "handshake-failed"
	ReasonNotTLS                    Reason = "not-tls"
	ReasonUnauthorized              Reason = "credentials-rejected"
	ReasonForbidden                 Reason = "forbidden"
	ReasonDeadline                  Reason = "deadline-exceeded"
	ReasonCanceled                  Reason = "canceled"
	ReasonConfig                    Reason = "invalid-config"
	ReasonRequest                   Reason = "request-failed"
)

// Phase is a step of a check, in the order they happen.
type Phase string

// Phases of a check.
const (
	PhaseConfig         Phase = "config"
	PhaseDNS            Phase = "dns"
	PhaseConnect        Phase = "connect"
	PhaseTLS            Phase = "tls"
	PhaseAuthentication Phase = "authentication"
	PhaseVersion        Phase = "version"
	PhaseDone           Phase = "done"
)

// Timings are the durations of a check's phases; zero when a phase did not
// happen (no DNS lookup for an IP address, no handshake on a reused
// connection).
type Timings struct {
	DNS     time.Duration
	Connect time.Duration
	TLS     time.Duration
	// Authentication is the round trip of the SelfSubjectReview request.
	Authentication time.Duration
	// Latency is the round trip of GET /version on an open connection.
	Latency time.Duration
	// Total is the whole check of the context.
	Total time.Duration
}

// timingsJSON is the JSON form of Timings: durations as strings.
type timingsJSON struct {
	DNS            string `json:"dns,omitempty"`
	Connect        string `json:"connect,omitempty"`
	TLS            string `json:"tls,omitempty"`
	Authentication string `json:"authentication,omitempty"`
	Latency        string `json:"latency,omitempty"`
	Total          string `json:"total"`
}

// MarshalJSON writes each duration as a string such as "1.25ms"; a phase
// that did not happen is left out.
func (t Timings) MarshalJSON() ([]byte, error) {
	d := func(v time.Duration) string {
		if v == 0 {
			return ""
		}
		return v.Round(10 * time.Microsecond).String()
	}
	return json.Marshal(timingsJSON{d(t.DNS), d(t.Connect), d(t.TLS), d(t.Authentication), d(t.Latency),
		t.Total.Round(10 * time.Microsecond).String()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (t *Timings) UnmarshalJSON(data []byte) error {
	var j timingsJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	var errs []error
	parse := func(s string, d *time.Duration) {
		if s == "" {
			*d = 0
			return
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("timings: %w", err))
		}
		*d = v
	}
	parse(j.DNS, &t.DNS)
	parse(j.Connect, &t.Connect)
	parse(j.TLS, &t.TLS)
	parse(j.Authentication, &t.Authentication)
	parse(j.Latency, &t.Latency)
	parse(j.Total, &t.Total)
	return errors.Join(errs...)
}

// Result is what checking one context found.
type Result struct {
	// Context, Cluster, User and Server are the kubeconfig's names.
	Context string `json:"context"`
	Cluster string `json:"cluster,omitempty"`
	User    string `json:"user,omitempty"`
	Server  string `json:"server,omitempty"`

	Status Status `json:"status"`
	// Reason and Phase say why and where a failed check stopped.
	Reason Reason `json:"reason,omitempty"`
	Phase  Phase  `json:"phase,omitempty"`
	// Message is a sentence about the failure; it holds no secret.
	Message string `json:"message,omitempty"`

	// Addresses are what the server's name resolved to; Address is the
	// one connected to, and ConnectionReused tells that an open connection
	// (of another context with the same TLS settings) was used.
	Addresses        []string `json:"addresses,omitempty"`
	Address          string   `json:"address,omitempty"`
	ConnectionReused bool     `json:"connectionReused,omitempty"`
	TLSVersion       string   `json:"tlsVersion,omitempty"`

	Identity       *Identity      `json:"identity,omitempty"`
	IdentitySource IdentitySource `json:"identitySource,omitempty"`
	ServerVersion  string         `json:"serverVersion,omitempty"`
	// Notes are remarks that do not fail the check (an API not served).
	Notes   []string `json:"notes,omitempty"`
	Timings Timings  `json:"timings"`

	// Err is the underlying error of a failed check, for errors.Is/As.
	Err error `json:"-"`
}

// CheckOptions tune Check.
type CheckOptions struct {
	// Timeout bounds the check of each context; DefaultTimeout when zero.
	Timeout time.Duration
	// Parallel is how many contexts are checked at once; DefaultParallel
	// when zero or negative.
	Parallel int
	// Progress, when set, is called once per context as its check ends,
	// never concurrently, with the number of contexts done so far.
	Progress func(done, total int, r Result)
}

// Defaults of CheckOptions.
const (
	DefaultTimeout  = 5 * time.Second
	DefaultParallel = 16
)

// Check checks the named contexts of a merged kubeconfig, at most
// opts.Parallel at once, each bounded by opts.Timeout so that a hung server
// never delays the others, and returns one Result per name, in order.
// cfg is not changed.
func Check(ctx context.Context, cfg *clientcmdapi.Config, names []string, opts CheckOptions) []Result {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Parallel <= 0 {
		opts.Parallel = DefaultParallel
	}
	results := make([]Result, len(names))
	sem := make(chan struct{}, opts.Parallel)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r Result
			select {
			case sem <- struct{}{}:
				r = checkNamed(ctx, cfg, name, opts.Timeout)
				<-sem
			case <-ctx.Done():
				r = Result{Status: StatusTimeout, Reason: ReasonCanceled, Phase: PhaseConfig, Message: "check canceled before it started", Err: ctx.Err()}
			}
			describe(&r, cfg, name)
			results[i] = r
			if opts.Progress != nil {
				mu.Lock()
				done++
				opts.Progress(done, len(names), r)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return results
}

func checkNamed(ctx context.Context, cfg *clientcmdapi.Config, name string, timeout time.Duration) Result {
	start := time.Now()
	set, err := ForContext(cfg, name)
	if err != nil {
		return Result{Status: StatusError, Reason: ReasonConfig, Phase: PhaseConfig, Message: err.Error(), Err: err,
			Timings: Timings{Total: time.Since(start)}}
	}
	// Warnings from the server are not this check's output.
	set.config.WarningHandler = rest.NoWarnings{}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := set.Check(cctx)
	r.Timings.Total = time.Since(start)
	return r
}

// describe fills in the kubeconfig's names for a context.
func describe(r *Result, cfg *clientcmdapi.Config, name string) {
	r.Context = name
	c, ok := cfg.Contexts[name]
	if !ok {
		return
	}
	r.Cluster, r.User = c.Cluster, c.AuthInfo
	if cl, ok := cfg.Clusters[c.Cluster]; ok {
		r.Server = cl.Server
	}
}

// Check checks the set's context: DNS, TCP connect, TLS handshake, who the
// server says the user is (SelfSubjectReview, else SelfSubjectAccessReview,
// else GET /version alone, with a note), the server's version and the
// round-trip latency. The check ends when ctx does, even where a call
// below ignores ctx (an exec credential plugin that hangs); bound ctx with
// a timeout.
func (s *Set) Check(ctx context.Context) Result {
	start := time.Now()
	p := &probe{r: Result{Context: s.context, Server: s.config.Host}, phase: PhaseConfig}
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		s.runCheck(ctx, p)
	}()
	select {
	case <-finished:
	case <-ctx.Done():
		// Whatever still runs reports into p after this, and is ignored.
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	r := p.r
	r.Addresses = append([]string(nil), p.r.Addresses...)
	r.Notes = append([]string(nil), p.r.Notes...)
	if r.Status == "" {
		// ctx ended first.
		r.Phase = p.phase
		r.Status, r.Reason, r.Err = StatusTimeout, ReasonDeadline, ctx.Err()
		if errors.Is(r.Err, context.Canceled) {
			r.Reason = ReasonCanceled
		}
		r.Message = fmt.Sprintf("no answer within the time allowed (during %s)", r.Phase)
		if r.Reason == ReasonCanceled {
			r.Message = fmt.Sprintf("check canceled (during %s)", r.Phase)
		}
	}
	r.Timings.Total = time.Since(start)
	return r
}

// probe is the state of one check, shared by the goroutine doing the work,
// the HTTP trace callbacks and Check, which may stop waiting at any time.
type probe struct {
	mu     sync.Mutex
	r      Result
	phase  Phase
	closed bool
	// connStarted is true once a connection was looked for.
	connStarted bool

	dnsStart, connectStart, tlsStart time.Time
}

func (p *probe) update(f func(*probe)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		f(p)
	}
}

func (p *probe) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) { p.update(func(p *probe) { p.connStarted = true }) },
		DNSStart: func(httptrace.DNSStartInfo) {
			p.update(func(p *probe) { p.phase, p.dnsStart = PhaseDNS, time.Now() })
		},
		DNSDone: func(info httptrace.DNSDoneInfo) {
			p.update(func(p *probe) {
				p.r.Timings.DNS = time.Since(p.dnsStart)
				for _, a := range info.Addrs {
					p.r.Addresses = append(p.r.Addresses, a.String())
				}
			})
		},
		ConnectStart: func(string, string) {
			p.update(func(p *probe) {
				if p.connectStart.IsZero() {
					p.phase, p.connectStart = PhaseConnect, time.Now()
				}
			})
		},
		ConnectDone: func(_, addr string, err error) {
			p.update(func(p *probe) {
				if err == nil && p.r.Timings.Connect == 0 {
					p.r.Timings.Connect = time.Since(p.connectStart)
					p.r.Address = addr
				}
			})
		},
		TLSHandshakeStart: func() { p.update(func(p *probe) { p.phase, p.tlsStart = PhaseTLS, time.Now() }) },
		TLSHandshakeDone: func(st tls.ConnectionState, err error) {
			p.update(func(p *probe) {
				p.r.Timings.TLS = time.Since(p.tlsStart)
				if err == nil {
					p.r.TLSVersion = tls.VersionName(st.Version)
				}
			})
		},
		GotConn: func(info httptrace.GotConnInfo) {
			p.update(func(p *probe) {
				if p.r.Address == "" && info.Conn != nil {
					p.r.Address = info.Conn.RemoteAddr().String()
					p.r.ConnectionReused = info.Reused
				}
				if p.phase != PhaseVersion {
					p.phase = PhaseAuthentication
				}
			})
		},
	}
}

func (s *Set) runCheck(ctx context.Context, p *probe) {
	fail := func(err error) {
		p.update(func(p *probe) {
			st, reason := Classify(err)
			if ctx.Err() != nil {
				st, reason = StatusTimeout, ReasonDeadline
			}
			if st == StatusError && !p.connStarted {
				// Failed before any connection was sought: the credentials
				// could not be obtained or the config is unusable.
				reason = ReasonConfig
			}
			p.r.Status, p.r.Reason, p.r.Phase, p.r.Err = st, reason, p.phase, err
			p.r.Message = message(err, reason)
			if st == StatusTimeout {
				p.r.Message = fmt.Sprintf("%s (during %s)", p.r.Message, p.phase)
			}
		})
	}
	if _, err := s.HTTPClient(); err != nil {
		fail(err)
		return
	}
	tctx := httptrace.WithClientTrace(ctx, p.trace())

	authStart := time.Now()
	id, err := s.WhoAmI(tctx)
	source := FromSelfSubjectReview
	var note string
	if errors.Is(err, ErrNotServed) {
		source, note = FromSelfSubjectAccessReview, "SelfSubjectReview is not served: the server accepted the credentials, but the user's name and groups are unknown"
		err = s.accessReview(tctx)
		if errors.Is(err, ErrNotServed) {
			source, note, err = FromVersionOnly, "neither SelfSubjectReview nor SelfSubjectAccessReview is served: only GET /version was made, so the credentials were not rejected but the identity is unknown", nil
		}
	}
	authTime := time.Since(authStart)
	forbidden := err != nil && Classified(err, StatusForbidden)
	if err != nil && !forbidden {
		fail(err)
		return
	}
	p.update(func(p *probe) {
		p.r.Timings.Authentication = authTime
		p.r.Identity = id
		if !forbidden {
			p.r.IdentitySource = source
		}
		if note != "" {
			p.r.Notes = append(p.r.Notes, note)
		}
		p.phase = PhaseVersion
	})

	version, rtt, verr := s.ServerVersion(tctx)
	p.update(func(p *probe) { p.r.ServerVersion, p.r.Timings.Latency = version, rtt })
	switch {
	case forbidden:
		// The identity is the point of the check; a server that refuses
		// to tell it fails the check, whatever /version says.
		p.update(func(p *probe) { p.phase = PhaseAuthentication })
		fail(err)
	case verr != nil:
		fail(verr)
	default:
		p.update(func(p *probe) { p.r.Status, p.phase, p.r.Phase = StatusOK, PhaseDone, "" })
	}
}

// Classified reports whether Classify(err) gives status st.
func Classified(err error, st Status) bool {
	got, _ := Classify(err)
	return got == st
}

// Classify maps an error from connecting to an API server to a status and a
// precise reason, by its type, never by its text.
func Classify(err error) (Status, Reason) {
	var (
		hostErr    x509.HostnameError
		authErr    x509.UnknownAuthorityError
		invalidErr x509.CertificateInvalidError
		verifyErr  *tls.CertificateVerificationError
		alert      tls.AlertError
		record     tls.RecordHeaderError
		dnsErr     *net.DNSError
		opErr      *net.OpError
		netErr     net.Error
	)
	switch {
	case err == nil:
		return StatusOK, ""
	case errors.Is(err, context.DeadlineExceeded):
		return StatusTimeout, ReasonDeadline
	case errors.Is(err, context.Canceled):
		return StatusTimeout, ReasonCanceled
	case errors.As(err, &hostErr):
		return StatusTLSError, ReasonNameMismatch
	case errors.As(err, &authErr):
		return StatusTLSError, ReasonUnknownAuthority
	case errors.As(err, &invalidErr):
		switch invalidErr.Reason {
		case x509.Expired:
			// Go reports "not yet valid" under the same reason code.
			if invalidErr.Cert != nil && time.Now().Before(invalidErr.Cert.NotBefore) {
				return StatusTLSError, ReasonCertificateNotYetValid
			}
			return StatusTLSError, ReasonCertificateExpired
		}
		return StatusTLSError, ReasonCertificateInvalid
	case errors.As(err, &verifyErr):
		return StatusTLSError, ReasonCertificateInvalid
	case errors.As(err, &alert) || remoteAlert(err, &alert):
		switch alert {
		case alertBadCertificate, alertUnsupportedCertificate, alertCertificateRevoked, alertCertificateExpired,
			alertCertificateUnknown, alertUnknownCA, alertCertificateRequired:
			return StatusTLSError, ReasonClientCertificateRejected
		}
		return StatusTLSError, ReasonHandshakeFailed
	case errors.As(err, &record) || errors.Is(err, http.ErrSchemeMismatch):
		return StatusTLSError, ReasonNotTLS
	case apierrors.IsUnauthorized(err):
		return StatusUnauthorized, ReasonUnauthorized
	case apierrors.IsForbidden(err):
		return StatusForbidden, ReasonForbidden
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return StatusTimeout, ReasonDeadline
		}
		return StatusUnreachable, ReasonDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return StatusUnreachable, ReasonConnectionRefused
	case errors.As(err, &netErr) && netErr.Timeout():
		return StatusTimeout, ReasonDeadline
	case errors.As(err, &opErr):
		return StatusUnreachable, ReasonNetwork
	}
	return StatusError, ReasonRequest
}

// message is a sentence for a failed check; it names the certificate at
// fault where there is one, and holds no secret.
func message(err error, reason Reason) string {
	var (
		authErr    x509.UnknownAuthorityError
		invalidErr x509.CertificateInvalidError
	)
	switch reason {
	case ReasonUnknownAuthority:
		if errors.As(err, &authErr) && authErr.Cert != nil {
			return fmt.Sprintf("server certificate %q is signed by an unknown authority %q: the context's certificate-authority does not match the server",
				authErr.Cert.Subject.String(), authErr.Cert.Issuer.String())
		}
	case ReasonCertificateExpired:
		if errors.As(err, &invalidErr) && invalidErr.Cert != nil {
			return fmt.Sprintf("server certificate %q expired on %s", invalidErr.Cert.Subject.String(),
				invalidErr.Cert.NotAfter.UTC().Format(time.RFC3339))
		}
	case ReasonCertificateNotYetValid:
		if errors.As(err, &invalidErr) && invalidErr.Cert != nil {
			return fmt.Sprintf("server certificate %q is not valid before %s", invalidErr.Cert.Subject.String(),
				invalidErr.Cert.NotBefore.UTC().Format(time.RFC3339))
		}
	case ReasonClientCertificateRejected:
		return fmt.Sprintf("the server rejected the client certificate: %v", rootCause(err))
	case ReasonUnauthorized:
		return "the server rejected the credentials (401 Unauthorized)"
	case ReasonForbidden:
		return fmt.Sprintf("authenticated, but the server refuses to tell who the user is (403 Forbidden): %v", rootCause(err))
	case ReasonDeadline:
		return "no answer within the time allowed"
	}
	return rootCause(err).Error()
}

// rootCause strips the *url.Error that repeats the method and URL of a
// request, keeping the part that says what went wrong.
func rootCause(err error) error {
	var u *url.Error
	if errors.As(err, &u) && u.Err != nil {
		return u.Err
	}
	return err
}

// remoteAlert finds a TLS alert received from the peer. crypto/tls reports
// one as a *net.OpError with Op "remote error" around a value of its
// unexported alert type (a uint8), which is read here by its type.
func remoteAlert(err error, out *tls.AlertError) bool {
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "remote error" || op.Err == nil {
		return false
	}
	v := reflect.ValueOf(op.Err)
	if v.Type().PkgPath() != "crypto/tls" || v.Kind() != reflect.Uint8 {
		return false
	}
	*out = tls.AlertError(v.Uint())
	return true
}

// TLS alerts a server sends when it refuses the client's certificate.
const (
	alertBadCertificate         tls.AlertError = 42
	alertUnsupportedCertificate tls.AlertError = 43
	alertCertificateRevoked     tls.AlertError = 44
	alertCertificateExpired     tls.AlertError = 45
	alertCertificateUnknown     tls.AlertError = 46
	alertUnknownCA              tls.AlertError = 48
	alertCertificateRequired    tls.AlertError = 116
)
