package incremental

import (
	"context"
	"testing"

	"github.com/hdsnn/hdsnn/study"
)

// TestRun adds 24 patterns 4 at a time at the quick size, beyond the
// Hebbian rule's capacity there: margin storage keeps every pattern, with
// the earlier ones rehearsed from their cues alone, while the Hebbian
// rule forgets.
func TestRun(t *testing.T) {
	b := study.DefaultBenchmark().Quick()
	b.Patterns.M = 24
	var seen int
	pts, err := Run(context.Background(), Config{Base: b, Step: 4, Rules: Rules()}, func(Point) { seen++ })
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 12 || seen != 12 {
		t.Fatalf("%d points (%d reported), want 6 per rule", len(pts), seen)
	}
	for i, pt := range pts[:6] {
		if pt.Rule != Margin || pt.Stored != 4*(i+1) {
			t.Fatalf("point %d: %v with %d stored", i, pt.Rule, pt.Stored)
		}
		if pt.MinF1 < 0.99 || pt.Oldest < 0.99 || pt.Violations != 0 {
			t.Errorf("margin, %d stored: worst F1 %v, first patterns %v, %d violations", pt.Stored, pt.MinF1, pt.Oldest, pt.Violations)
		}
	}
	last := pts[len(pts)-1]
	if last.Rule != Hebbian || last.Stored != 24 || last.All.F1 > 0.5 {
		t.Errorf("Hebbian with 24 stored: F1 %v; the case must be beyond its capacity", last.All.F1)
	}
}

func TestValidate(t *testing.T) {
	b := study.DefaultBenchmark().Quick()
	for _, c := range []Config{
		{Base: b, Step: 0, Rules: Rules()},
		{Base: b, Step: b.Patterns.M + 1, Rules: Rules()},
		{Base: b, Step: 1},
		{Base: b, Step: 1, Rules: []Rule{7}},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
