package scan_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study"
	"github.com/hdsnn/hdsnn/study/scan"
)

// Scan D on the quick network with initial weights: a short delay window
// cannot store the patterns.
func ExampleRun() {
	dir, _ := os.MkdirTemp("", "scan")
	defer os.RemoveAll(dir)
	c := scan.Config{Base: study.DefaultBenchmark().Quick(), Param: scan.Delays, Values: []string{"3", "20"}, Seeds: 2}
	rows, err := scan.Run(context.Background(), c, filepath.Join(dir, "scan-delays.csv"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range results.Summarise(rows) {
		fmt.Printf("D = %s: F1 %.3f ± %.3f (%d seeds)\n", s.Values[1], s.F1, s.F1Err, s.Runs)
	}
	// Output:
	// D = 3: F1 0.011 ± 0.000 (2 seeds)
	// D = 20: F1 0.983 ± 0.017 (2 seeds)
}
