package kubeconfig

import (
	"fmt"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// yaml11Words are plain words that YAML 1.1 (read by client-go) or YAML 1.2
// resolve to something other than a string.
var yaml11Words = map[string]bool{
	"null": true, "true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true,
}

// plainSafe reports whether s can be written as a plain YAML scalar and is
// read back as the same string by YAML 1.1 and 1.2 readers.
func plainSafe(s string) bool {
	if s == "" || yaml11Words[strings.ToLower(s)] {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
		case i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '.' || r == '/' || r == '@'):
		default:
			return false
		}
	}
	return true
}

// yamlPrintable reports whether r may appear unescaped in a YAML
// double-quoted scalar that is also a JSON string.
func yamlPrintable(r rune) bool {
	switch {
	case r < 0x20, r == 0x7F, r >= 0x80 && r <= 0x9F, r == 0x2028, r == 0x2029, r == 0xFEFF:
		return false
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF, r == utf8.RuneError:
		return false
	}
	return true
}

// doubleQuote writes s as a double-quoted scalar that is valid, and reads
// the same, in YAML and in JSON.
func doubleQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case !yamlPrintable(r):
			if r > 0xFFFF {
				r1, r2 := utf16Surrogates(r)
				fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func utf16Surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

// renderScalar writes s as a scalar for a file: JSON strings in JSON files;
// otherwise the style the old value had when it was quoted, else plain when
// that reads back as the same string, else double-quoted.
func renderScalar(s string, old yaml.Style, json bool) string {
	if json {
		return doubleQuote(s)
	}
	switch {
	case old&yaml.SingleQuotedStyle != 0 && old&yaml.TaggedStyle == 0:
		printable := true
		for _, r := range s {
			if !yamlPrintable(r) || r == '\n' || r == '\t' || r == 0x85 {
				printable = false
			}
		}
		if printable && s == strings.TrimSpace(s) {
			return "'" + strings.ReplaceAll(s, "'", "''") + "'"
		}
	case old&yaml.DoubleQuotedStyle != 0 && old&yaml.TaggedStyle == 0:
		return doubleQuote(s)
	}
	if plainSafe(s) {
		return s
	}
	return doubleQuote(s)
}
