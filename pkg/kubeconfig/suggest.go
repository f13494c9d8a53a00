package kubeconfig

import (
	"encoding/json"
	"sort"
	"strings"
)

// closest returns up to max names nearest to name: those containing it or
// contained in it first, then by edit distance, nearest first.
func closest(name string, candidates []string, limit int) []string {
	type scored struct {
		name  string
		score int
	}
	var s []scored
	lower := strings.ToLower(name)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := EditDistance(lower, lc)
		if lower != "" && (strings.Contains(lc, lower) || strings.Contains(lower, lc)) {
			d = 0
		}
		if d > max(3, len(name)/2) {
			continue
		}
		s = append(s, scored{c, d})
	}
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].score != s[j].score {
			return s[i].score < s[j].score
		}
		return s[i].name < s[j].name
	})
	out := []string{}
	for i := 0; i < len(s) && i < limit; i++ {
		out = append(out, s[i].name)
	}
	return out
}

// EditDistance is the Levenshtein distance between a and b, counted in
// runes: what kcfg uses to suggest the names closest to a mistyped one.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
