// Package lint checks kubeconfig files offline and reports findings: broken
// references, unreadable files, certificates that expired or do not fit
// their key or CA, settings client-go refuses, and risky settings. Audit
// lists what a file received from elsewhere would make this machine do.
//
// Nothing here opens a network connection; the clock is passed in.
package lint

import (
	"slices"
	"strings"
	"time"
)

// DefaultExpiryWindow is how far ahead an expiring certificate is reported.
const DefaultExpiryWindow = 30 * 24 * time.Hour

// Finding is one problem. Kind and Name name the kubeconfig entry it is
// about (cluster, user or context) when there is one; Contexts are the
// contexts it affects.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	File     string   `json:"file"`
	Line     int      `json:"line,omitempty"`
	Kind     string   `json:"kind,omitempty"`
	Name     string   `json:"name,omitempty"`
	Contexts []string `json:"contexts,omitempty"`
	Field    string   `json:"field,omitempty"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
}

// Summary counts findings by severity.
type Summary struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Infos    int `json:"infos"`
}

// Report is the result of Lint or Audit.
type Report struct {
	// Mode is "lint" or "untrusted".
	Mode string `json:"mode"`
	// Files are the files checked, in the order given.
	Files []string `json:"files"`
	// Findings are sorted by file (in the order of Files), line, severity and rule.
	Findings []Finding `json:"findings"`
	Summary  Summary   `json:"summary"`
}

// Failed reports whether the findings should fail the run: any error, or
// with strict any warning too.
func (r *Report) Failed(strict bool) bool {
	return r.Summary.Errors > 0 || (strict && r.Summary.Warnings > 0)
}

// ByFile groups the findings by file, in the order of Files; files without
// findings get an empty group.
func (r *Report) ByFile() map[string][]Finding {
	out := make(map[string][]Finding, len(r.Files))
	for _, f := range r.Files {
		out[f] = nil
	}
	for _, f := range r.Findings {
		out[f.File] = append(out[f.File], f)
	}
	return out
}

// finish sorts the findings and counts them.
func (r *Report) finish() {
	order := map[string]int{}
	for i, f := range r.Files {
		if _, ok := order[f]; !ok {
			order[f] = i
		}
	}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		oa, okA := order[a.File]
		ob, okB := order[b.File]
		if !okA {
			oa = len(order)
		}
		if !okB {
			ob = len(order)
		}
		switch {
		case oa != ob:
			return oa - ob
		case a.File != b.File:
			return strings.Compare(a.File, b.File)
		case a.Line != b.Line:
			return a.Line - b.Line
		case a.Severity != b.Severity:
			return a.Severity.rank() - b.Severity.rank()
		case a.Rule != b.Rule:
			return strings.Compare(a.Rule, b.Rule)
		case a.Name != b.Name:
			return strings.Compare(a.Name, b.Name)
		}
		return strings.Compare(a.Message, b.Message)
	})
	r.Summary = Summary{}
	for _, f := range r.Findings {
		switch f.Severity {
		case Error:
			r.Summary.Errors++
		case Warning:
			r.Summary.Warnings++
		default:
			r.Summary.Infos++
		}
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Files == nil {
		r.Files = []string{}
	}
}
