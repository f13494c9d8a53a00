// Command report reads hyperfine's JSON exports of bench/run.sh and prints
// each benchmark's medians, the ratio of kcfg to kubectl, and whether the
// design's target holds.
//
//	go run ./bench/report NAME=FILE.json[,FILE.json]...
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
)

// result is the part of hyperfine's JSON export read here.
type result struct {
	Results []struct {
		Command string    `json:"command"`
		Median  float64   `json:"median"`
		Times   []float64 `json:"times"`
	} `json:"results"`
}

// target is a benchmark's goal: kcfg at least Ratio times faster than
// kubectl (when set), and kcfg's median at most MaxMS (when set).
type target struct {
	Ratio float64
	MaxMS float64
}

var targets = map[string]target{
	"use-1000":       {Ratio: 15, MaxMS: 25},
	"use-10000":      {MaxMS: 150},
	"list-name-1000": {Ratio: 5},
	"current-small":  {MaxMS: 10},
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BENCHMARK\tKCFG MEDIAN\tKUBECTL MEDIAN\tRATIO\tTARGET\tRESULT")
	sort.Strings(args)
	failed := 0
	for _, a := range args {
		name, file, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("argument %q is not NAME=FILE", a)
		}
		var r result
		for _, f := range strings.Split(file, ",") {
			data, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			var one result
			if err := json.Unmarshal(data, &one); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			r.Results = append(r.Results, one.Results...)
		}
		var kcfg, kubectl float64
		for _, c := range r.Results {
			switch {
			case strings.Contains(c.Command, "kubectl"):
				kubectl = c.Median
			default:
				kcfg = c.Median
			}
		}
		ratio := ""
		if kubectl > 0 && kcfg > 0 {
			ratio = fmt.Sprintf("%.1fx", kubectl/kcfg)
		}
		t := targets[name]
		var want []string
		pass := true
		if t.Ratio > 0 {
			want = append(want, fmt.Sprintf(">=%.0fx", t.Ratio))
			pass = pass && kubectl > 0 && kubectl/kcfg >= t.Ratio
		}
		if t.MaxMS > 0 {
			want = append(want, fmt.Sprintf("<=%.0f ms", t.MaxMS))
			pass = pass && kcfg*1000 <= t.MaxMS
		}
		verdict := "-"
		if len(want) > 0 {
			verdict = "holds"
			if !pass {
				verdict = "MISSED"
				failed++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, ms(kcfg), ms(kubectl), ratio, strings.Join(want, ", "), verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		fmt.Printf("%d target(s) missed on this machine\n", failed)
	}
	return nil
}

func ms(s float64) string {
	if s == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f ms", s*1000)
}
