package initw_test

import (
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// BenchmarkHebbian times the default initialisation at the benchmark size.
func BenchmarkHebbian(b *testing.B) {
	p := network.Defaults()
	set, err := raster.Generate(raster.Config{M: 16, N: 512, T: 1000, P: p.PA}, 1)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := initw.Init(set, p, initw.Defaults()); err != nil {
			b.Fatal(err)
		}
	}
}
