package rng

import "testing"

func TestStreams(t *testing.T) {
	draw := func(seed uint64, parts ...uint64) [4]uint64 {
		r := Stream(seed, parts...)
		return [4]uint64{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
	}
	if first, again := draw(1, Background, 3, 7), draw(1, Background, 3, 7); first != again {
		t.Error("the same seed and parts gave different numbers")
	}
	seen := map[[4]uint64]string{}
	for name, s := range map[string][4]uint64{
		"base":       draw(1, Background, 3, 7),
		"seed":       draw(2, Background, 3, 7),
		"purpose":    draw(1, Dropout, 3, 7),
		"round":      draw(1, Background, 4, 7),
		"pattern":    draw(1, Background, 3, 8),
		"order":      draw(1, Background, 7, 3),
		"fewer":      draw(1, Background, 3),
		"patterns 0": draw(1, Patterns, 0),
	} {
		if other, ok := seen[s]; ok {
			t.Errorf("streams %q and %q coincide", name, other)
		}
		seen[s] = name
	}
}
