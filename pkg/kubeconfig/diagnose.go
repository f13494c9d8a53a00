package kubeconfig

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// stanza lists, the key of the entry inside each item, and the *-data fields.
var stanzaFields = []struct {
	list, item, kind string
	data             []string
}{
	{"clusters", "cluster", "cluster", []string{"certificate-authority-data"}},
	{"users", "user", "user", []string{"client-certificate-data", "client-key-data"}},
	{"contexts", "context", "context", nil},
}

var lineInMessage = regexp.MustCompile(`line (\d+)`)

// diagnose explains why data, which clientcmd refused with loadErr, is not a
// kubeconfig, naming the line, entry and field where it can. It falls back
// to clientcmd's own message.
func diagnose(file string, data []byte, loadErr error) *Error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		e := &Error{File: file, Err: ErrSyntax, Detail: strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := lineInMessage.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Detail = strings.TrimSpace(lineInMessage.ReplaceAllString(e.Detail, ""))
			e.Detail = strings.TrimPrefix(e.Detail, ": ")
		}
		return e
	}
	if len(doc.Content) == 0 {
		return &Error{File: file, Err: ErrNotKubeconfig, Detail: loadErr.Error()}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return &Error{File: file, Line: root.Line, Err: ErrNotKubeconfig, Detail: "the document is not a mapping"}
	}
	if k, v := mapGet(root, "kind"); v != nil && v.Value != "" && v.Value != "Config" {
		return &Error{File: file, Line: k.Line, Field: "kind", Err: ErrNotKubeconfig,
			Detail: fmt.Sprintf("kind is %q, want Config", v.Value)}
	}
	if k, v := mapGet(root, "apiVersion"); v != nil && v.Value != "" && v.Value != "v1" {
		return &Error{File: file, Line: k.Line, Field: "apiVersion", Err: ErrNotKubeconfig,
			Detail: fmt.Sprintf("apiVersion is %q, want v1", v.Value)}
	}
	for _, s := range stanzaFields {
		if _, list := mapGet(root, s.list); list != nil && list.Tag != "!!null" && list.Kind != yaml.SequenceNode {
			return &Error{File: file, Line: list.Line, Field: s.list, Err: ErrNotKubeconfig, Detail: "must be a list"}
		}
	}
	if problems := repair(file, root); len(problems) > 0 {
		return problems[0]
	}
	return &Error{File: file, Err: ErrNotKubeconfig, Detail: safeDetail(loadErr)}
}

// safeDetail is clientcmd's message without what follows a struct dump:
// some of its conversion errors print whole entries, secrets included.
func safeDetail(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "[{"); i >= 0 {
		msg = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(msg[:i]), ":")) + " (details withheld: they may hold secrets)"
	}
	return msg
}

// mapGet returns the key and value nodes of key in a mapping node.
func mapGet(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}
